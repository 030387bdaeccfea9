"""A realistic synthetic network for benchmarks: `flask --app ink generate-data`.

About 700 occurrences a year (the network's real size): a language café twice a week and a
weekly cultural café that run throughout, annual days, terms of weekly and fortnightly
groups that end, monthly meetings with a count, and many one-off events; some drafts, a few
cancelled series, cancelled and moved occurrences. Everything derives from the seed and the
day of ``now``, so the same seed on the same day gives the same rows.

Series and organisations go through the ORM in one flush each; occurrences and association
rows are inserted in bulk (executemany), which keeps ten years under a few seconds.
"""
from __future__ import annotations

import random
import time as timer
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app

from ink.core.errors import Conflict
from ink.core.time import local_to_utc, utc_to_local
from ink.events import recurrence
from ink.events.models import (
    Audience,
    CoorganiserStatus,
    EventSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAudience,
    SeriesLanguage,
    SeriesStatus,
    Venue,
    series_coorganiser,
    series_topic,
)
from ink.events.recurrence import Recurrence
from ink.events.search import indexing_deferred, reindex_series
from ink.events.service import default_end
from ink.extensions import db, network_timezone, now
from ink.organisations.models import (
    Organisation,
    OrganisationLanguage,
    OrganisationModeration,
    OrganisationStatus,
    Topic,
    organisation_topic,
)
from ink.organisations.service import ensure_topics

SLUG_PREFIX = "gen-"
# The network's languages, roughly by how often they are spoken at events.
LANGUAGES = ("nb", "en", "pl", "es", "lt", "ar", "uk", "so", "ti", "fa", "tr", "fr", "de", "ro", "ur", "vi", "th")
KINDS = (
    "Association", "Cultural Association", "Community", "Women's Group", "Youth Club", "Sports Club",
    "Church", "Mosque", "Friends of", "Choir", "Dance Group", "Parents' Network", "Homework Help",
)
PEOPLES = (
    "Polish", "Spanish-speaking", "Lithuanian", "Syrian", "Ukrainian", "Somali", "Eritrean", "Afghan",
    "Venezuelan", "Colombian", "Filipino", "Thai", "Vietnamese", "Kurdish", "Turkish", "Romanian",
    "Iranian", "Sudanese", "Chilean", "Congolese", "Indian", "Pakistani", "Nepali", "Latvian",
)
ACTIVITIES = (
    "Conversation group", "Homework help", "Sewing circle", "Football training", "Choir rehearsal",
    "Cooking evening", "Women's meeting", "Parents' café", "Folk dance", "Chess club", "Job-seeking workshop",
    "Bicycle repair", "Knitting café", "Children's theatre", "Reading circle", "Walk and talk", "Board games",
    "Computer help", "Mother tongue class", "Yoga for beginners",
)
ONE_OFFS = (
    "Concert", "Film evening", "Open day", "Lecture", "Information meeting", "Exhibition opening",
    "Storytelling", "Food festival", "Workshop", "Panel debate", "Quiz night", "Day trip", "Clean-up day",
    "Celebration", "Book launch",
)
ANNUAL = (
    "Children's World Day", "Carnival", "Kite festival", "Youth seminar", "International Women's Day",
    "World Refugee Day", "Mother Language Day", "Diwali celebration", "Eid celebration", "Christmas market",
    "Independence Day celebration", "Summer party",
)
STREETS = (
    "Kirkegata", "Breigata", "Pedersgata", "Klubbgata", "Løkkeveien", "Madlaveien", "Hillevågsveien",
    "Tjensvollveien", "Lagårdsveien", "Kannikgata", "Bergelandsgata", "Haugesundsgata", "Storhaugveien",
)
VENUE_KINDS = ("Community House", "School Hall", "Library Branch", "Youth Centre", "Parish Hall", "Culture House")
CANCEL_REASONS = ("Illness", "The venue is unavailable", "Bad weather", "Too few volunteers", "Public holiday")


@dataclass
class GenerationReport:
    organisations: int = 0
    venues: int = 0
    series: int = 0
    occurrences: int = 0
    cancelled_occurrences: int = 0
    moved_occurrences: int = 0
    seconds: float = 0.0
    per_year: dict[int, int] = field(default_factory=dict)


@dataclass
class _Plan:
    title: str
    organisation: Organisation
    start_local: datetime
    rec: Recurrence
    duration_minutes: int | None
    is_all_day: bool = False
    window_end: datetime | None = None


class _Generator:
    def __init__(self, rng: random.Random, moment: datetime, years: int, horizon: timedelta) -> None:
        self.rng = rng
        self.tz = network_timezone()
        self.today = utc_to_local(moment, self.tz).date()
        # Everything hangs on the day, not the instant, so a seed gives the same rows all day.
        self.now = local_to_utc(datetime.combine(self.today, time()), self.tz)
        self.first_day = self.today.replace(year=self.today.year - years, day=1)
        self.horizon_end = self.now + horizon
        self.last_day = utc_to_local(self.horizon_end, self.tz).date()

    # --- helpers -------------------------------------------------------------------------------
    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange(max(1, (last - first).days)))

    def wall_time(self, earliest: int = 10, latest: int = 19) -> time:
        return time(self.rng.randint(earliest, latest), self.rng.choice((0, 0, 30)))


def generate_network(*, organisations: int = 80, years: int = 10, seed: int = 1,
                     moment: datetime | None = None, horizon: timedelta | None = None) -> GenerationReport:
    """Fill the database with a synthetic network. Flushes; the caller commits."""
    started = timer.perf_counter()
    if organisations < 1 or years < 1:
        raise ValueError("Need at least one organisation and one year.")
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.slug.like(f"{SLUG_PREFIX}%")).limit(1)):
        raise Conflict("This database already holds generated data (organisations named gen-…).")
    moment = moment or now()
    horizon = horizon or timedelta(days=int(current_app.config["OCCURRENCE_HORIZON_DAYS"]))
    gen = _Generator(random.Random(seed), moment, years, horizon)
    report = GenerationReport()

    topics = ensure_topics()
    venues = _venues(gen, max(4, organisations // 3))
    orgs = _organisations(gen, organisations, topics)
    report.venues, report.organisations = len(venues), len(orgs)

    plans = _plans(gen, orgs)
    with indexing_deferred(db.session()):  # indexed once, with the topics and co-organisers inserted in bulk
        series_rows = _series(gen, plans, venues)
        report.series = len(series_rows)
        _associations(gen, series_rows, orgs, topics)
    reindex_series(db.session.connection(), [row.id for row in series_rows])
    _occurrences(gen, series_rows, plans, report)
    report.seconds = timer.perf_counter() - started
    return report


def _venues(gen: _Generator, count: int) -> list[Venue]:
    venues = []
    for n in range(1, count + 1):
        street = gen.rng.choice(STREETS)
        venue = Venue(
            name=f"{street.removesuffix('gata').removesuffix('veien')} {gen.rng.choice(VENUE_KINDS)}",
            slug=f"{SLUG_PREFIX}venue-{n}",
            address=f"{street} {gen.rng.randint(1, 80)}, {gen.rng.randint(4006, 4049)} Stavanger",
            latitude=round(58.97 + gen.rng.uniform(-0.03, 0.03), 5),
            longitude=round(5.73 + gen.rng.uniform(-0.05, 0.05), 5),
            accessibility=gen.rng.choice(("Step-free entrance and accessible toilet.", "Lift to all floors.",
                                          "Two steps at the entrance; ramp on request.", "")),
            capacity=gen.rng.choice((30, 50, 80, 120, 200)),
        )
        venues.append(venue)
    db.session.add_all(venues)
    db.session.flush()
    return venues


def _organisations(gen: _Generator, count: int, topics: list[Topic]) -> list[Organisation]:
    orgs = []
    created = local_to_utc(datetime.combine(gen.first_day, time(9)), gen.tz)
    for n in range(1, count + 1):
        people = gen.rng.choice(PEOPLES)
        name = f"{people} {gen.rng.choice(KINDS)} {n}"
        status = OrganisationStatus.ACTIVE if gen.rng.random() < 0.93 else gen.rng.choice(
            (OrganisationStatus.PENDING, OrganisationStatus.ARCHIVED))
        orgs.append(Organisation(
            name=name, slug=f"{SLUG_PREFIX}org-{n}", status=status, is_example=True,
            moderation=OrganisationModeration.TRUSTED,  # a network as it runs today: editors publish directly
            description=f"A generated member organisation for benchmarks (example). {name} meets in Stavanger.",
            website=f"https://org-{n}.example.org", contact_email=f"contact@org-{n}.example.org",
            created_at=created, updated_at=created,
        ))
    db.session.add_all(orgs)
    db.session.flush()
    db.session.execute(sa.insert(organisation_topic), [
        {"organisation_id": org.id, "topic_id": topic.id}
        for org in orgs for topic in gen.rng.sample(topics, gen.rng.randint(1, 3))
    ])
    db.session.execute(sa.insert(OrganisationLanguage), [
        {"organisation_id": org.id, "code": code}
        for org in orgs for code in sorted(set(("nb", *gen.rng.sample(LANGUAGES, gen.rng.randint(1, 3)))))
    ])
    return orgs


def _plans(gen: _Generator, orgs: list[Organisation]) -> list[_Plan]:
    rng, first = gen.rng, gen.first_day
    live = [org for org in orgs if org.status == OrganisationStatus.ACTIVE] or orgs
    start_of = datetime.combine
    plans = [
        # Throughout: the language café twice a week and the weekly cultural café.
        _Plan("Language café", live[0], start_of(_next_weekday(first, 1), time(17)),
              Recurrence(freq="weekly", weekdays=(1, 3)), 120),
        _Plan("International Cultural Café", live[min(1, len(live) - 1)],
              start_of(_next_weekday(first, 2), time(18)), Recurrence(freq="weekly"), 120),
    ]
    for title in ANNUAL:  # annual days on the nth weekday of their month
        month = rng.randint(1, 12)
        day = _nth_weekday(first.year, month, rng.choice((5, 6)), rng.randint(1, 3))
        if day < first:
            day = _nth_weekday(first.year + 1, month, day.weekday(), (day.day - 1) // 7 + 1)
        all_day = rng.random() < 0.4
        plans.append(_Plan(title, rng.choice(live), start_of(day, time(0) if all_day else time(11)),
                           Recurrence(freq="yearly", monthly_mode="nth_weekday"),
                           None if all_day else rng.choice((240, 300, 360)), is_all_day=all_day))
    year_start = first
    while year_start <= gen.last_day:
        year_end = year_start.replace(year=year_start.year + 1)
        plans.extend(_year_plans(gen, live, year_start, min(year_end, gen.last_day)))
        year_start = year_end
    return plans


def _year_plans(gen: _Generator, live: list[Organisation], first: date, last: date) -> list[_Plan]:
    rng = gen.rng
    share = max(1, (last - first).days) / 365
    plans = []
    for _ in range(round(12 * share)):  # terms of weekly groups, 8-20 weeks
        day = gen.day_between(first, last)
        plans.append(_Plan(rng.choice(ACTIVITIES), rng.choice(live), datetime.combine(day, gen.wall_time()),
                           Recurrence(freq="weekly", end="until", until=day + timedelta(weeks=rng.randint(8, 20))),
                           rng.choice((60, 90, 120, 150))))
    for _ in range(round(6 * share)):  # fortnightly, 10-26 weeks
        day = gen.day_between(first, last)
        plans.append(_Plan(rng.choice(ACTIVITIES), rng.choice(live), datetime.combine(day, gen.wall_time()),
                           Recurrence(freq="weekly", interval=2, end="until",
                                      until=day + timedelta(weeks=rng.randint(10, 26))),
                           rng.choice((90, 120))))
    for _ in range(round(5 * share)):  # monthly meetings, 6-12 times
        day = gen.day_between(first, last)
        mode: recurrence.MonthlyMode = rng.choice(("day_of_month", "nth_weekday"))
        if mode == "day_of_month" and day.day > 28:
            day = day.replace(day=28)
        if mode == "nth_weekday" and day.day > 28:
            day -= timedelta(days=7)
        plans.append(_Plan(f"Monthly meeting: {rng.choice(ACTIVITIES).lower()}", rng.choice(live),
                           datetime.combine(day, gen.wall_time(17, 19)),
                           Recurrence(freq="monthly", monthly_mode=mode, end="count", count=rng.randint(6, 12)),
                           120))
    for _ in range(round(260 * share)):  # one-off events
        day = gen.day_between(first, last)
        plans.append(_Plan(rng.choice(ONE_OFFS), rng.choice(live), datetime.combine(day, gen.wall_time()),
                           Recurrence(), rng.choice((60, 90, 120, 180, 240))))
    return plans


def _series(gen: _Generator, plans: list[_Plan], venues: list[Venue]) -> list[EventSeries]:
    rng = gen.rng
    rows = []
    for plan in plans:
        created = min(local_to_utc(plan.start_local, gen.tz) - timedelta(days=rng.randint(7, 60)), gen.now)
        roll = rng.random()
        status = SeriesStatus.PUBLISHED if roll < 0.95 else (SeriesStatus.DRAFT if roll < 0.98 else SeriesStatus.CANCELLED)
        age_min, age_max = (None, None)
        if "Children" in plan.title or "Homework" in plan.title:
            age_min, age_max = 6, 12
        rows.append(EventSeries(
            uid=gen.uid(), title=plan.title, organisation=plan.organisation, venue=rng.choice(venues),
            description_html=f"<p>{plan.title} organised by {plan.organisation.name}. Everyone is welcome.</p>",
            audience_rows=[SeriesAudience(audience=rng.choice((Audience.EVERYONE, Audience.FAMILIES, Audience.ADULTS,
                                                               Audience.YOUTH, Audience.WOMEN, Audience.NEWCOMERS)))],
            age_min=age_min, age_max=age_max, is_drop_in=rng.random() < 0.6,
            registration_url=None if rng.random() < 0.8 else "https://example.org/register",
            start_local=plan.start_local, duration_minutes=plan.duration_minutes, is_all_day=plan.is_all_day,
            all_day_days=1, timezone=gen.tz,
            rrule=recurrence.to_rrule(plan.rec, plan.start_local, gen.tz, all_day=plan.is_all_day),
            status=status, cancel_reason="Cancelled by the organiser" if status == SeriesStatus.CANCELLED else "",
            sequence=0, created_at=created, updated_at=created, materialised_until=gen.horizon_end,
        ))
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _associations(gen: _Generator, rows: list[EventSeries], orgs: list[Organisation], topics: list[Topic]) -> None:
    rng = gen.rng
    topic_rows, language_rows, coorganiser_rows = [], [], []
    for series in rows:
        for topic in rng.sample(topics, rng.randint(1, 2)):
            topic_rows.append({"series_id": series.id, "topic_id": topic.id})
        for code in sorted(set(("nb", *rng.sample(LANGUAGES, rng.randint(0, 2))))):
            language_rows.append({"series_id": series.id, "code": code})
        if rng.random() < 0.1:
            partner = rng.choice(orgs)
            if partner.id != series.organisation_id:
                coorganiser_rows.append({"series_id": series.id, "organisation_id": partner.id,
                                         "status": CoorganiserStatus.ACCEPTED.value})
    db.session.execute(sa.insert(series_topic), topic_rows)
    db.session.execute(sa.insert(SeriesLanguage), language_rows)
    if coorganiser_rows:
        db.session.execute(sa.insert(series_coorganiser), coorganiser_rows)


def _occurrences(gen: _Generator, rows: list[EventSeries], plans: list[_Plan], report: GenerationReport) -> None:
    rng = gen.rng
    window_start = local_to_utc(datetime.combine(gen.first_day, time()), gen.tz)
    batch: list[dict[str, Any]] = []
    for series in rows:
        for start_at in recurrence.expand(series.rrule, series.start_local, gen.tz, window_start,
                                          gen.horizon_end, all_day=series.is_all_day, limit=100_000):
            end_at = default_end(series, start_at)
            row: dict[str, Any] = {
                "series_id": series.id, "original_start_at": start_at, "start_at": start_at, "end_at": end_at,
                "is_moved": False, "status": OccurrenceStatus.SCHEDULED, "cancel_reason": "", "note": "",
                "updated_at": None,
            }
            roll = rng.random()
            if series.rrule and roll < 0.03:
                row.update(status=OccurrenceStatus.CANCELLED, cancel_reason=rng.choice(CANCEL_REASONS),
                           updated_at=min(start_at - timedelta(days=2), gen.now))
                report.cancelled_occurrences += 1
            elif series.rrule and not series.is_all_day and roll < 0.04:
                shift = timedelta(hours=rng.choice((-1, 1, 24)))
                row.update(start_at=start_at + shift, end_at=end_at + shift, is_moved=True,
                           note="Moved this time only.", updated_at=min(start_at - timedelta(days=3), gen.now))
                report.moved_occurrences += 1
            batch.append(row)
            year = utc_to_local(start_at, gen.tz).year
            report.per_year[year] = report.per_year.get(year, 0) + 1
    for offset in range(0, len(batch), 5000):
        db.session.execute(sa.insert(Occurrence), batch[offset:offset + 5000])
    report.occurrences = len(batch)


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    return _next_weekday(date(year, month, 1), weekday) + timedelta(weeks=nth - 1)


@click.command("generate-data")
@click.option("--organisations", default=80, show_default=True, help="Member organisations to create.")
@click.option("--years", default=10, show_default=True, help="Years of history before today.")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same day: same data).")
def generate_data_command(organisations: int, years: int, seed: int) -> None:
    """Fill the database with a synthetic network for benchmarks (about 700 events a year)."""
    if organisations < 1 or years < 1:
        raise click.BadParameter("--organisations and --years must be at least 1.")
    try:
        report = generate_network(organisations=organisations, years=years, seed=seed)
    except Conflict as error:
        raise click.ClickException(error.message) from error
    started = timer.perf_counter()
    db.session.commit()
    seconds = report.seconds + (timer.perf_counter() - started)
    click.echo(
        f"Generated {report.organisations} organisations, {report.venues} venues, {report.series} series, "
        f"{report.occurrences} occurrences ({report.cancelled_occurrences} cancelled, "
        f"{report.moved_occurrences} moved) in {seconds:.2f} s."
    )
    full_years = sorted(report.per_year.items())[1:-1]
    if full_years:
        average = sum(count for _, count in full_years) / len(full_years)
        click.echo(f"Occurrences per full year: about {average:.0f}.")
