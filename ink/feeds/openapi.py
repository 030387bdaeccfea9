"""The OpenAPI 3.1 description of the ``/api/v1`` routes, served at ``/api/v1/openapi.json``.

A plain Python structure built from the same constants the API code checks (audience values,
the number of values per filter, the longest window, the slug and language patterns), so the
description cannot drift from the validation it describes. ``tests/feeds/test_openapi.py``
validates the document, checks real responses against it and runs schemathesis on the API.
"""
from __future__ import annotations

import json
from typing import Any

from ink.events.filters import MAX_AGE, MAX_FILTER_VALUES, MAX_QUERY_LENGTH, QUERY_PARAMETER
from ink.events.models import Audience

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
# What ink.feeds.query accepts: a slug (compared in lower case), a BCP 47 language tag.
# An empty value is ignored (as an HTML form's empty field), so the patterns allow it.
SLUG_PATTERN = "^[A-Za-z0-9-]{0,80}$"
LANGUAGE_PATTERN = "^([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)?$"
# An age: up to three digits (more than MAX_AGE is a 400), spaces around it ignored.
AGE_PATTERN = "^\\s*[0-9]{0,3}\\s*$"
MAX_VALUE_LENGTH = 200  # ink.feeds.query.parse_filter refuses longer values
# Free text: any characters but control characters (those are a 400).
QUERY_PATTERN = "^[^\\x00-\\x1f\\x7f]*$"


def _date_parameter(name: str, description: str, example: str) -> dict[str, Any]:
    return {
        "name": name, "in": "query", "required": True, "description": description,
        "schema": {"type": "string", "format": "date"}, "example": example,
    }


def _repeated_parameter(name: str, description: str, items: dict[str, Any]) -> dict[str, Any]:
    """A filter parameter that may be repeated (``?topic=a&topic=b``): its values are alternatives."""
    return {
        "name": name, "in": "query", "required": False, "style": "form", "explode": True,
        "description": description + " Repeat the parameter for alternatives (OR); different "
                                     "parameters must all match (AND). Empty values are ignored.",
        "schema": {"type": "array", "items": items, "maxItems": MAX_FILTER_VALUES},
    }


def _filter_parameters() -> list[dict[str, Any]]:
    slug = {"type": "string", "pattern": SLUG_PATTERN}
    unknown = " An unknown slug is a 400 naming the parameter."
    return [
        {
            "name": QUERY_PARAMETER, "in": "query", "required": False,
            "description": "Free-text search: every word must match, as the start of a word, the event's title, "
                           "description, organisers, venue or topics; case and accents are ignored "
                           "(`solvberget` finds Sølvberget). The dates stay in time order. Longer than "
                           f"{MAX_QUERY_LENGTH} characters or with control characters: a 400.",
            "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": QUERY_PATTERN},
            "example": "kite festival",
        },
        _repeated_parameter("organisation", "Organisations (slugs) that organise or co-organise the event."
                            + unknown, slug),
        _repeated_parameter("topic", "Topics (slugs)." + unknown, slug),
        _repeated_parameter("venue", "Venues (slugs), matched where each date actually takes place "
                            "(a date moved to another venue is listed there)." + unknown, slug),
        _repeated_parameter("language", "Languages the event is held in (BCP 47 codes such as `pl`, "
                            "`nb`); case is ignored.",
                            {"type": "string", "pattern": LANGUAGE_PATTERN, "maxLength": MAX_VALUE_LENGTH}),
        _repeated_parameter("audience", "Audiences, from the controlled set.",
                            {"type": "string", "enum": [audience.value for audience in Audience] + [""]}),
        _repeated_parameter("age", f"Ages (whole numbers from 0 to {MAX_AGE}): events whose age range includes the "
                            "age, and events for all ages.",
                            {"type": "string", "pattern": AGE_PATTERN}),
        {
            "name": "dropin", "in": "query", "required": False,
            "description": "`1`: only drop-in events (no registration needed); empty: all events.",
            "schema": {"type": "string", "enum": ["1", ""]},
        },
    ]


def _occurrence_schema() -> dict[str, Any]:
    moment = {"$ref": "#/components/schemas/DateOrDateTime"}
    return {
        "type": "object",
        "description": "One date of an event series, live or cancelled.",
        "required": ["series_id", "uid", "recurrence_id", "start", "end", "all_day", "status", "title",
                     "venue", "organisation", "audiences", "url", "original_language", "texts"],
        "additionalProperties": False,
        "properties": {
            "series_id": {"type": "integer", "minimum": 1},
            "uid": {"type": "string", "minLength": 1, "description": "The series' iCalendar UID (stable)."},
            "recurrence_id": {**moment, "description": "The date's original start (iCalendar RECURRENCE-ID): "
                                                       "it stays the same when the date is moved."},
            "start": moment,
            "end": {**moment, "description": "Exclusive; a plain date for an all-day date."},
            "all_day": {"type": "boolean"},
            "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
            "title": {"type": "string"},
            "venue": {"anyOf": [{"$ref": "#/components/schemas/Venue"}, {"type": "null"}],
                      "description": "Where this date takes place; null when the event names no venue."},
            "organisation": {"$ref": "#/components/schemas/Organisation"},
            "audiences": {"type": "array", "uniqueItems": True,
                          "items": {"type": "string", "enum": [audience.value for audience in Audience]}},
            "url": {"type": "string", "format": "uri", "description": "The event's public page."},
            "original_language": {"type": "string", "minLength": 1,
                                  "description": "The language code of the original texts (`title` is the original's)."},
            "texts": {
                "type": "object", "minProperties": 1,
                "description": "The event's texts by language code: the original's and every version in another "
                               "of the network's languages.",
                "additionalProperties": {
                    "type": "object", "additionalProperties": False,
                    "required": ["title", "description_html", "audience_note"],
                    "properties": {"title": {"type": "string"},
                                   "description_html": {"type": "string",
                                                        "description": "Sanitised HTML (paragraphs, emphasis, "
                                                                       "lists, links)."},
                                   "audience_note": {"type": "string"}},
                },
            },
        },
        # Timed dates carry date-times with their UTC offset; an all-day date's recurrence_id is a
        # date (its start and end too, unless the date was moved to a time of day).
        "if": {"properties": {"all_day": {"const": False}}},
        "then": {"properties": {name: {"type": "string", "format": "date-time"}
                                for name in ("recurrence_id", "start", "end")}},
        "else": {"properties": {"recurrence_id": {"type": "string", "format": "date"}}},
    }


def _components() -> dict[str, Any]:
    return {
        "schemas": {
            "DateOrDateTime": {
                "type": "string",
                "description": "A local date-time with its UTC offset (`2026-06-02T18:00:00+02:00`), or a plain "
                               "date (`2026-03-21`) for all-day dates.",
                "anyOf": [{"format": "date-time"}, {"format": "date"}],
            },
            "Venue": {
                "type": "object", "required": ["slug", "name", "address"], "additionalProperties": False,
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                               "address": {"type": "string", "description": "May be empty."}},
            },
            "Organisation": {
                "type": "object", "required": ["slug", "name"], "additionalProperties": False,
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
            },
            "Occurrence": _occurrence_schema(),
            "Error": {
                "type": "object", "required": ["error", "status"], "additionalProperties": False,
                "description": "Every error of the API: a message in the language of Accept-Language, the HTTP "
                               "status, and for a bad parameter its name.",
                "properties": {
                    "error": {"type": "string"},
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "parameter": {"type": ["string", "null"], "description": "The query parameter at fault."},
                },
            },
        },
        "responses": {
            "BadRequest": {"description": "A parameter is missing, malformed or names nothing that exists.",
                           "content": {JSON: {"schema": {**ERROR_REF}, "example": {
                               "error": "Parameter start must be a date as YYYY-MM-DD.", "parameter": "start",
                               "status": 400}}}},
        },
    }


def _occurrences_operation(max_window_days: int) -> dict[str, Any]:
    return {
        "operationId": "listOccurrences",
        "summary": "Dates in the public programme",
        "description": "Live and cancelled dates of published events of active organisations that overlap the "
                       "local days `start` to `end` (both inclusive, in the network's time zone), soonest first. "
                       f"The window may cover at most {max_window_days} days. Unknown parameters are ignored.",
        "parameters": [
            _date_parameter("start", "First local day (YYYY-MM-DD).", "2026-06-01"),
            _date_parameter("end", f"Last local day (YYYY-MM-DD), not before start, at most {max_window_days} "
                                   "days after it counting both.", "2026-06-30"),
            *_filter_parameters(),
        ],
        "responses": {
            "200": {"description": "The dates, soonest first (an empty list when none match).",
                    "content": {JSON: {"schema": {"type": "array",
                                                  "items": {"$ref": "#/components/schemas/Occurrence"}}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
        },
    }


def _description_operation() -> dict[str, Any]:
    etag = {"description": "A strong validator of the document's bytes.", "schema": {"type": "string"}}
    return {
        "operationId": "getOpenApiDescription",
        "summary": "This description",
        "parameters": [{
            "name": "If-None-Match", "in": "header", "required": False,
            "description": "An ETag from an earlier answer: 304 when the document has not changed.",
            "schema": {"type": "string"},
        }],
        "responses": {
            "200": {"description": "The OpenAPI 3.1 document.",
                    "headers": {"ETag": etag, "Cache-Control": {"schema": {"type": "string"}}},
                    "content": {JSON: {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}}},
            "304": {"description": "The copy named by If-None-Match is current.", "headers": {"ETag": etag}},
            "400": {"$ref": "#/components/responses/BadRequest"},
        },
    }


def document(*, max_window_days: int) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``/api/v1`` (paths relative to its server, ``/api/v1``)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "INK Events API",
            "version": "1",
            "summary": "The public programme of the INK network as JSON.",
            "description": "Read-only and public: no authentication. The same filters as the calendar feeds "
                           "(`/calendar.ics`) and the Atom feed (`/feed.atom`); see the README's "
                           "\"Calendar feeds\" section.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/api/v1", "description": "This site."}],
        "paths": {
            "/occurrences": {"get": _occurrences_operation(max_window_days)},
            "/openapi.json": {"get": _description_operation()},
        },
        "components": _components(),
    }


def document_bytes(*, max_window_days: int) -> bytes:
    """The document as UTF-8 JSON, the same bytes every time (its ETag is their hash)."""
    return json.dumps(document(max_window_days=max_window_days), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
