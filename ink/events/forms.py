"""Forms of the manage area: series (recurrence as human choices), occurrence actions, venues.

Choices that depend on the user (organisations they may act for) are set by the view; WTForms then
rejects any other value as a field error, and the view re-checks the role on what was chosen.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional, ValidationError

from ink.events import recurrence
from ink.events.models import Audience, EventSeries, Occurrence
from ink.events.recurrence import Recurrence, RecurrenceError
from ink.forms import BaseForm, MultiCheckboxField, OriginalLanguageField, VersionedForm, make_choices

__all__ = ["ApproveRequestForm", "CancelForm", "MoveOccurrenceForm", "ReturnRequestForm", "SeriesForm", "VenueForm"]

WEEKDAY_VALUES = tuple(range(7))
DESCRIPTION_MAX = 20_000
TEXT_MAX = 2_000


def weekday_choices() -> list[Any]:
    names = Locale.parse(str(get_locale())).days["format"]["wide"]
    return make_choices((day, str(names[day]).capitalize()) for day in WEEKDAY_VALUES)


def _add_error(field: Any, message: Any) -> None:
    """Add a cross-field error unless the field already has its own."""
    if not field.errors:
        field.errors = [message]


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class SeriesForm(VersionedForm):
    # The calendar an imported series comes from (ink.sources): its owned fields show read-only.
    owned_by: str | None = None
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=_l("You may use paragraphs, bold, italics, lists and links; other markup is removed."),
    )
    organisation = SelectField(_l("Organiser"), coerce=_optional_int, validators=[InputRequired()])
    coorganisers = MultiCheckboxField(_l("Co-organisers"), coerce=int, validators=[Optional()])
    venue = SelectField(_l("Venue"), coerce=_optional_int, validators=[Optional()])
    topics = MultiCheckboxField(_l("Topics"), coerce=int, validators=[Optional()])
    languages = MultiCheckboxField(_l("Languages spoken"), validators=[Optional()])
    audiences = MultiCheckboxField(_l("Audience"), validators=[Optional()],
                                   choices=make_choices([(a.value, _l(a.label)) for a in Audience]))
    audience_note = StringField(_l("About the audience"), validators=[Optional(), Length(max=200)],
                                description=_l("Optional, in your own words: for example “Children with an adult”."))
    original_language = OriginalLanguageField(
        description=_l("The language of the title, description and audience note; versions in other languages "
                       "can be added after saving."))
    age_min = IntegerField(_l("Lowest age"), validators=[Optional(), NumberRange(min=0, max=120)])
    age_max = IntegerField(_l("Highest age"), validators=[Optional(), NumberRange(min=0, max=120)])
    is_drop_in = BooleanField(_l("Drop-in: no registration needed"))
    registration_url = URLField(
        _l("Registration link"),
        validators=[Optional(), Length(max=500), URL(require_tld=False, message=_l("Enter a web address starting with http:// or https://."))],
    )

    # When
    date = DateField(_l("Date"), validators=[InputRequired()])
    start_time = TimeField(_l("Start time"), validators=[Optional()])
    end_time = TimeField(_l("End time"), validators=[Optional()])
    is_all_day = BooleanField(_l("All day"))
    all_day_days = IntegerField(_l("Number of days"), default=1,
                                validators=[Optional(), NumberRange(min=1, max=31)])

    # Repeats
    freq = RadioField(_l("Repeats"), default="once", choices=make_choices([
        ("once", _l("Does not repeat")), ("daily", _l("Daily")), ("weekly", _l("Weekly")),
        ("monthly", _l("Monthly")), ("yearly", _l("Yearly")),
    ]))
    interval = IntegerField(_l("Every"), default=1,
                            validators=[Optional(), NumberRange(min=1, max=recurrence.MAX_INTERVAL)],
                            description=_l("1 means every day, week, month or year; 2 means every other."))
    weekdays = MultiCheckboxField(_l("On these days"), coerce=int, validators=[Optional()])
    monthly_mode = RadioField(_l("On"), default="day_of_month", choices=make_choices([
        ("day_of_month", _l("The same day of the month")),
        ("nth_weekday", _l("The same weekday of the month (for example the second Saturday)")),
    ]))
    nth = SelectField(_l("Which week of the month"), coerce=_optional_int, default=None, choices=make_choices([
        ("", _l("As on the first date")), (1, _l("First")), (2, _l("Second")), (3, _l("Third")),
        (4, _l("Fourth")), (-1, _l("Last")),
    ]), validators=[Optional()])
    end = RadioField(_l("Ends"), default="never", choices=make_choices([
        ("never", _l("Never")), ("until", _l("On a date")), ("count", _l("After a number of times")),
    ]))
    until = DateField(_l("Last date"), validators=[Optional()])
    count = IntegerField(_l("Number of times"),
                         validators=[Optional(), NumberRange(min=1, max=recurrence.MAX_COUNT)])

    SCHEDULE_FIELDS = ("date", "start_time", "end_time", "is_all_day", "all_day_days", "freq", "interval",
                       "weekdays", "monthly_mode", "nth", "end", "until", "count")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.weekdays.choices = weekday_choices()
        self.unexpressed_rule: str | None = None

    # -- validation across fields (run after the single-field checks; Optional() stops those early) --

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        self._check_times()
        self._check_end()
        self._errors = None
        return valid and not self.errors

    def _check_times(self) -> None:
        if self.is_all_day.data:
            return
        if self.start_time.data is None:
            _add_error(self.start_time, _l("Give a start time, or tick All day."))
        elif self.end_time.data is None:
            _add_error(self.end_time, _l("Give an end time."))
        elif self.end_time.data <= self.start_time.data:
            _add_error(self.end_time, _l("The end time must be after the start time."))

    def _check_end(self) -> None:
        if self.freq.data == "once":
            return
        if self.end.data == "until":
            if self.until.data is None:
                _add_error(self.until, _l("Choose the last date."))
            elif self.date.data and self.until.data < self.date.data:
                _add_error(self.until, _l("The last date must not be before the first date."))
        if self.end.data == "count" and self.count.data is None:
            _add_error(self.count, _l("Give the number of times."))

    def validate_age_max(self, field: IntegerField) -> None:
        if field.data is not None and self.age_min.data is not None and field.data < self.age_min.data:
            raise ValidationError(_l("The highest age must not be below the lowest."))

    def validate_registration_url(self, field: URLField) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Enter a web address starting with http:// or https://."))

    def validate_coorganisers(self, field: SelectMultipleField) -> None:
        if self.organisation.data is not None and self.organisation.data in (field.data or []):
            raise ValidationError(_l("The organiser cannot also be a co-organiser."))

    def keep_only_schedule_errors(self) -> None:
        """For a preview: the rest of the form may be unfinished, so only the schedule is judged."""
        for name, field in self._fields.items():
            if name not in self.SCHEDULE_FIELDS:
                field.errors = []
        self._errors = None

    def schedule_errors(self) -> dict[str, list[str]]:
        return {name: [str(e) for e in errors] for name, errors in self.errors.items()
                if name in self.SCHEDULE_FIELDS}

    # -- cleaned values ---------------------------------------------------------------------------

    def start_local(self) -> datetime:
        start_time = time() if self.is_all_day.data else (self.start_time.data or time())
        return datetime.combine(self.date.data, start_time)  # type: ignore[arg-type]  # a required field, validated

    def duration_minutes(self) -> int | None:
        if self.is_all_day.data or self.start_time.data is None or self.end_time.data is None:
            return None
        start = datetime.combine(date.min, self.start_time.data)
        return int((datetime.combine(date.min, self.end_time.data) - start).total_seconds() // 60)

    def duration(self) -> timedelta | None:
        minutes = self.duration_minutes()
        return None if minutes is None else timedelta(minutes=minutes)

    def recurrence(self) -> Recurrence:
        freq = self.freq.data or "once"
        if freq == "once":
            return Recurrence()
        return Recurrence(
            freq=freq,  # type: ignore[arg-type]
            interval=self.interval.data or 1,
            weekdays=tuple(sorted(set(self.weekdays.data or []))) if freq == "weekly" else (),
            monthly_mode=self.monthly_mode.data or "day_of_month",
            nth=self.nth.data if self.monthly_mode.data == "nth_weekday" else None,
            end=self.end.data or "never",
            until=self.until.data if self.end.data == "until" else None,
            count=self.count.data if self.end.data == "count" else None,
        )

    def fill_from(self, series: EventSeries) -> None:
        """Put a stored series into the form (for GET of the edit page)."""
        try:
            rec = recurrence.from_rrule(series.rrule, series.start_local, series.timezone)
        except RecurrenceError:
            # A rule the choices cannot express (imported later, say): shown, and replaced only on save.
            self.unexpressed_rule = series.rrule
            rec = Recurrence()
        self.title.data = series.title
        self.description.data = series.description_html
        self.organisation.data = series.organisation_id
        self.coorganisers.data = [org.id for org in series.coorganisers]
        self.venue.data = series.venue_id
        self.topics.data = [topic.id for topic in series.topics]
        self.languages.data = series.languages
        self.audiences.data = [audience.value for audience in series.audiences]
        self.audience_note.data = series.audience_note
        self.original_language.data = series.original_language
        self.age_min.data = series.age_min
        self.age_max.data = series.age_max
        self.is_drop_in.data = series.is_drop_in
        self.registration_url.data = series.registration_url or ""
        self.date.data = series.start_local.date()
        self.is_all_day.data = series.is_all_day
        self.all_day_days.data = series.all_day_days
        if not series.is_all_day:
            self.start_time.data = series.start_local.time()
            self.end_time.data = (series.start_local + series.duration).time()
        self.freq.data = rec.freq
        self.interval.data = rec.interval
        self.weekdays.data = list(rec.weekdays)
        self.monthly_mode.data = rec.monthly_mode
        self.nth.data = rec.nth
        self.end.data = rec.end
        self.until.data = rec.until
        self.count.data = rec.count


class CancelForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)],
                         description=_l("Shown to visitors, for example: The hall is closed for repairs."))


class MoveOccurrenceForm(BaseForm):
    date = DateField(_l("New date"), validators=[InputRequired()])
    start_time = TimeField(_l("Start time"), validators=[Optional()])
    end_time = TimeField(_l("End time"), validators=[Optional()])
    venue = SelectField(_l("Venue"), coerce=_optional_int, validators=[Optional()])
    note = TextAreaField(_l("Note for visitors"), validators=[Optional(), Length(max=1000)])

    def __init__(self, *args: Any, all_day: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.all_day = all_day

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.all_day:
            if self.start_time.data is None:
                _add_error(self.start_time, _l("Give a start time."))
            elif self.end_time.data is None:
                _add_error(self.end_time, _l("Give an end time."))
            elif self.end_time.data <= self.start_time.data:
                _add_error(self.end_time, _l("The end time must be after the start time."))
        self._errors = None
        return valid and not self.errors

    def fill_from(self, occ: Occurrence, start_local: datetime, end_local: datetime) -> None:
        self.date.data = start_local.date()
        self.start_time.data = start_local.time()
        self.end_time.data = end_local.time()
        self.venue.data = occ.venue_id
        self.note.data = occ.note


class VenueForm(VersionedForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=160)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    latitude = DecimalField(_l("Latitude"), places=None,
                            validators=[Optional(), NumberRange(min=-90, max=90)],
                            description=_l("Decimal degrees, for example 59.9139."))
    longitude = DecimalField(_l("Longitude"), places=None,
                             validators=[Optional(), NumberRange(min=-180, max=180)],
                             description=_l("Decimal degrees, for example 10.7522."))
    accessibility = TextAreaField(_l("Accessibility"), validators=[Optional(), Length(max=TEXT_MAX)],
                                  description=_l("Step-free access, toilets, hearing loop, parking…"))
    original_language = OriginalLanguageField(description=_l("The language of the accessibility notes."))
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])

    def validate_longitude(self, field: DecimalField) -> None:
        if (self.latitude.data is None) != (field.data is None) and not self.latitude.errors:
            raise ValidationError(_l("Give both latitude and longitude, or neither."))


class ApproveRequestForm(VersionedForm):
    """Approve a moderation request; ``version`` is the series' version the coordinator looked at."""


class ReturnRequestForm(VersionedForm):
    """Return a moderation request to the editors with a comment."""

    comment = TextAreaField(_l("Comment for the editors"), validators=[InputRequired(), Length(max=2000)],
                            description=_l("What should change before the event can be approved?"))


class SeriesTextForm(VersionedForm):
    """A version of an event's texts in another language (the same limits as the original's fields)."""

    language = SelectField(_l("Language"), validators=[InputRequired()], validate_choice=False)
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    description_html = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=_l("You may use paragraphs, bold, italics, lists and links; other markup is removed."),
    )
    audience_note = StringField(_l("About the audience"), validators=[Optional(), Length(max=200)])


class VenueTextForm(VersionedForm):
    """A version of a venue's accessibility notes in another language."""

    language = SelectField(_l("Language"), validators=[InputRequired()], validate_choice=False)
    accessibility = TextAreaField(_l("Accessibility"), validators=[InputRequired(), Length(max=TEXT_MAX)])
