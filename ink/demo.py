"""Demo data: the network's real programme, `flask --app ink seed-demo`.

Idempotent: every row is found by a stable key (venue and organisation slugs, series UIDs,
account emails) and only created when missing, so a second run changes nothing. Exceptions
(cancelled and moved occurrences) are applied only when their series is created.

Past dates carry attendance counts, so reports, charts and nudges show something true: made up
from a fixed seed per date (the same numbers on every machine), the language café's 100–110 with a
breakdown by language group. A series is counted once, when it has no count yet; dates that pass
after that wait for a real count, as they would in the network.

The member organisations are examples ("(example)" in their description, is_example=True);
the network itself and the public library are the real organisers of the real programme.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import random

import click
import sqlalchemy as sa

from ink.attendance.models import AttendanceCategory, AttendanceRecord, CountMethod
from ink.attendance.service import add_category, record_attendance, series_categories
from ink.audit.models import AuditEntry
from ink.audit.recorder import acting_as
from ink.auth.models import User
from ink.auth.service import create_user, find_user_by_email
from ink.core.time import utc_to_local
from ink.events.models import Audience as A
from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesStatus, SeriesTextVersion, Venue
from ink.events.models import VenueTextVersion
from ink.events.moderation import request_publish
from ink.events.recurrence import Recurrence
from ink.events.service import (
    SeriesData,
    VenueData,
    cancel_occurrence,
    cancel_series,
    create_series,
    create_venue,
    move_occurrence,
)
from ink.extensions import db, network_timezone, now
from ink.organisations.invitations import invite
from ink.organisations.models import OrganisationTextVersion
from ink.organisations.models import (
    ApplicationStatus,
    Invitation,
    Membership,
    Organisation,
    OrganisationApplication,
    OrganisationModeration,
    OrganisationStatus,
    Topic,
)
from ink.organisations.service import (
    OrganisationData,
    add_editor,
    create_organisation,
    ensure_topics,
    get_organisation_by_slug,
)
from ink.sources.demo import seed_demo_source

COORDINATOR_EMAIL = "coordinator@ink.example"
EDITOR_EMAIL = "editor@ink.example"
# Documented in the README: a demo database is not a place for secrets.
DEMO_PASSWORD = "ink-demo-password"
UID_SUFFIX = "@demo.ink-events"

# Topic names as in ink.organisations.service.NETWORK_TOPICS.
WELCOME = "Welcoming and social integration"
CULTURE = "Culture, Leisure and Heritage"
MULTILINGUAL = "Multilingualism"
EDUCATION = "Education"
FAMILY = "Health, Social care and Family support"
PARTICIPATION = "Political and public participation"
INTERCULTURAL = "Developing a culture of openness and Interculturality"
REFUGEES = "Refugees"
RELIGION = "Religion and Interfaith"
NEIGHBOURHOOD = "Neighbourhood"
GENDER = "Gender equality and Intersectionality"
EMPLOYMENT = "Business and Employment"
ANTI_RUMOUR = "Anti-rumour"
INTERNATIONAL = "International outlook"

VENUES = (
    # slug, name, address, latitude, longitude, accessibility, capacity
    ("solvberget", "Sølvberget – Stavanger public library", "Sølvberggata 2, 4006 Stavanger", 58.97066, 5.73176,
     "Step-free entrance from Torget, lifts to every floor, accessible toilets, hearing loop in the hall.", 150),
    ("tou-scene", "Tou Scene", "Kvitsøygata 25, 4014 Stavanger", 58.97800, 5.73900,
     "Step-free entrance; the upper hall is reached by lift.", 400),
    ("stavanger-konserthus", "Stavanger konserthus, foyer", "Sandvigå 1, 4007 Stavanger", 58.97560, 5.72620,
     "Step-free throughout; accessible toilets on every floor.", 500),
    ("mosvannsparken", "Mosvannsparken (the meadow by the lake)", "Mosvannsparken, 4021 Stavanger", 58.95950, 5.71800,
     "Level gravel paths; accessible toilet in the park café.", None),
    ("storhaug-bydelshus", "Storhaug community house", "Lervigsveien 32, 4014 Stavanger", 58.96950, 5.74850,
     "Step-free entrance; one accessible toilet.", 80),
    ("madla-bydelshus", "Madla community house", "Madlamarkveien 8, 4041 Hafrsfjord", 58.95000, 5.65900,
     "Step-free entrance and accessible toilet.", 120),
    ("hundvag-bydelshus", "Hundvåg community house", "Hundvåg ring 8, 4085 Hundvåg", 58.99100, 5.73200,
     "Two steps at the entrance; portable ramp on request.", 60),
    ("johannes-laeringssenter", "Johannes learning centre, hall", "Haugesundsgata 17, 4014 Stavanger", 58.97350, 5.74000,
     "Lift to the hall on the second floor.", 100),
)

# slug, name, languages, topics, description (examples: marked so in text and flag)
ORGANISATIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("polish-association-rogaland", "Polish Association in Rogaland", ("pl", "nb"), (CULTURE, MULTILINGUAL),
     "Saturday school, choir and cultural evenings for Polish families."),
    ("spanish-speaking-families", "Spanish-speaking Families Network", ("es", "nb"), (FAMILY, MULTILINGUAL),
     "Meeting place for families from Spain and Latin America."),
    ("lithuanian-community", "Lithuanian Community Stavanger", ("lt", "nb"), (CULTURE, MULTILINGUAL),
     "Lithuanian language lessons for children and cultural celebrations."),
    ("venezuelan-community", "Venezuelan Community in Stavanger", ("es",), (CULTURE, INTERCULTURAL),
     "Music, dance and the February carnival with piñata for the whole city."),
    ("syrian-cultural-association", "Syrian Cultural Association", ("ar", "nb"), (CULTURE, REFUGEES),
     "Cultural evenings and help for newly arrived Syrian families."),
    ("ukrainian-society", "Ukrainian Society Rogaland", ("uk", "nb", "en"), (REFUGEES, WELCOME),
     "Choir, children's activities and information for Ukrainians in Stavanger."),
    ("somali-womens-group", "Somali Women's Group", ("so", "nb"), (GENDER, FAMILY),
     "A fortnightly meeting place for Somali women: health, rights and friendship."),
    ("eritrean-community", "Eritrean Community Stavanger", ("ti", "nb"), (CULTURE, WELCOME),
     "Coffee ceremonies, festivals and mother-tongue classes in Tigrinya."),
    ("afghan-youth-club", "Afghan Youth Club", ("fa", "nb"), (EDUCATION, WELCOME),
     "Football, homework help and trips for young Afghans."),
    ("colombian-dance-group", "Colombian Dance Group", ("es", "nb"), (CULTURE,),
     "Cumbia and salsa classes open to everyone."),
    ("filipino-community", "Filipino Community Rogaland", ("tl", "en"), (CULTURE, RELIGION),
     "Celebrations, sports and mutual support for Filipinos in the region."),
    ("thai-association", "Thai Association Stavanger", ("th", "nb"), (CULTURE,),
     "Songkran festival, cooking classes and Thai language school."),
    ("vietnamese-parents", "Vietnamese Parents' Network", ("vi", "nb"), (FAMILY, EDUCATION),
     "Parents helping each other with school, kindergarten and language."),
    ("kurdish-culture-house", "Kurdish Culture House", ("ku", "nb"), (CULTURE, INTERCULTURAL),
     "Newroz celebration, music and language courses."),
    ("turkish-womens-association", "Turkish Women's Association", ("tr", "nb"), (GENDER, CULTURE),
     "Handicraft, cooking and a monthly women's café."),
    ("romanian-association", "Romanian Association Stavanger", ("ro", "nb"), (CULTURE, EMPLOYMENT),
     "Help with work life in Norway and Romanian cultural days."),
    ("iranian-culture-forum", "Iranian Culture Forum", ("fa", "nb", "en"), (CULTURE, INTERCULTURAL),
     "Poetry evenings, Yalda night and Nowruz."),
    ("sudanese-community", "Sudanese Community Stavanger", ("ar", "nb"), (WELCOME, REFUGEES),
     "Support for newcomers from Sudan and family gatherings."),
    ("chilean-folk-group", "Chilean Folk Music Group", ("es", "nb"), (CULTURE,),
     "Andean music workshops and concerts."),
    ("congolese-choir", "Congolese Choir Stavanger", ("fr", "ln", "nb"), (CULTURE, RELIGION),
     "Gospel and Congolese songs; rehearsals open to new singers."),
    ("indian-cultural-society", "Indian Cultural Society", ("hi", "en"), (CULTURE, RELIGION),
     "Diwali, Holi and classical dance for all ages."),
    ("pakistani-parents", "Pakistani Parents' Network", ("ur", "nb"), (FAMILY, EDUCATION),
     "Homework help and parent meetings in Urdu and Norwegian."),
    ("nepali-society", "Nepali Society Rogaland", ("ne", "en"), (CULTURE,),
     "Dashain and Tihar celebrations and trekking trips."),
    ("latvian-saturday-school", "Latvian Saturday School", ("lv", "nb"), (EDUCATION, MULTILINGUAL),
     "Latvian language and songs for children on Saturdays."),
    ("arabic-homework-help", "Arabic–Norwegian Homework Help", ("ar", "nb"), (EDUCATION,),
     "Volunteers help pupils with homework in Arabic and Norwegian."),
    ("stavanger-kite-flyers", "Stavanger Kite Flyers", ("nb", "en"), (CULTURE, NEIGHBOURHOOD),
     "Kite building and flying; the summer kite festival in Mosvannsparken."),
    ("international-church", "International Church Stavanger", ("en", "nb"), (RELIGION, WELCOME),
     "English-speaking congregation with a welcome café after the service."),
    ("mosque-community", "Stavanger Mosque Community", ("ar", "ur", "nb"), (RELIGION, INTERCULTURAL),
     "Open mosque days and interfaith dialogue."),
    ("refugee-guides", "Refugee Guides Stavanger", ("nb", "en", "ar", "uk"), (REFUGEES, WELCOME),
     "Volunteers who pair up with newly arrived refugees."),
    ("youth-council", "Intercultural Youth Council", ("nb", "en"), (PARTICIPATION, EDUCATION),
     "Young people from many backgrounds; organisers of the yearly youth seminar."),
    ("multilingual-storytellers", "Multilingual Storytellers", ("nb", "pl", "ar", "es", "uk"), (MULTILINGUAL, FAMILY),
     "Stories for children in their parents' languages."),
    ("newcomers-voice", "Newcomers' Voice", ("nb", "en", "ar", "pl"), (PARTICIPATION, ANTI_RUMOUR),
     "Information for newcomers about voting, rights and local democracy."),
    ("womens-football", "International Women's Football", ("nb", "en"), (GENDER, NEIGHBOURHOOD),
     "Football for women of all ages and backgrounds; no experience needed."),
)

# Texts in several languages (issue 12). The demo adds its versions as rows, whatever LANGUAGES is: a
# version in a language that is not switched on is kept and shown once it is (never offered before).
LANGUAGE_CAFE_TEXTS = {
    "nb": {"title": "Språkkafé på biblioteket",
           "description_html": "<p>Øv på norsk i små grupper sammen med frivillige, to ganger i uka. Vanligvis "
                               "kommer <strong>100–110 personer</strong>; de største gruppene snakker polsk, spansk "
                               "og litauisk, og ved bordene sitter frivillige som kan disse språkene.</p>"
                               "<p>Bare kom innom: ingen påmelding, ingen avgift, alle nivåer.</p>",
           "audience_note": "Voksne som vil øve på norsk, og alle som vil hjelpe til"},
    "en": {"title": "Language café at the library",
           "description_html": "<p>Practise Norwegian in small groups with volunteers, twice a week. Regularly "
                               "<strong>100–110 people</strong> come; the largest groups speak Polish, Spanish and "
                               "Lithuanian, and volunteers who speak these languages are at the tables.</p>"
                               "<p>Drop in: no registration, no fee, all levels.</p>",
           "audience_note": "Adults who want to practise Norwegian, and anyone who wants to help"},
    "pl": {"title": "Kawiarenka językowa w bibliotece",
           "description_html": "<p>Ćwicz norweski w małych grupach z wolontariuszami, dwa razy w tygodniu. "
                               "Regularnie przychodzi <strong>100–110 osób</strong>; największe grupy mówią po "
                               "polsku, hiszpańsku i litewsku, a przy stolikach siedzą wolontariusze, którzy znają "
                               "te języki.</p><p>Wpadnij bez zapisów: bez opłat, na każdym poziomie.</p>",
           "audience_note": "Dorośli, którzy chcą ćwiczyć norweski, i wszyscy, którzy chcą pomóc"},
    "es": {"title": "Café de idiomas en la biblioteca",
           "description_html": "<p>Practica noruego en grupos pequeños con voluntarios, dos veces por semana. "
                               "Suelen venir <strong>entre 100 y 110 personas</strong>; los grupos más grandes "
                               "hablan polaco, español y lituano, y en las mesas hay voluntarios que hablan estos "
                               "idiomas.</p><p>Ven cuando quieras: sin inscripción, gratis y para todos los "
                               "niveles.</p>",
           "audience_note": "Adultos que quieren practicar noruego y cualquiera que quiera ayudar"},
    "lt": {"title": "Kalbų kavinė bibliotekoje",
           "description_html": "<p>Du kartus per savaitę mažose grupėse su savanoriais praktikuokite norvegų "
                               "kalbą. Paprastai susirenka <strong>100–110 žmonių</strong>; didžiausios grupės "
                               "kalba lenkiškai, ispaniškai ir lietuviškai, o prie stalų sėdi šias kalbas "
                               "mokantys savanoriai.</p><p>Užeikite be registracijos: nemokamai, bet kokio "
                               "lygio.</p>",
           "audience_note": "Suaugusieji, norintys praktikuoti norvegų kalbą, ir visi, kurie nori padėti"},
}
CHILDRENS_DAY_TEXTS = {
    "nb": {"title": "Barnas verdensdag",
           "description_html": "<p>Hver mars blir hele biblioteket en verden for barn: leker, sanger og "
                               "fortellinger fra mange land, ansiktsmaling og mat. For barn fra 3 til 11 år og "
                               "familiene deres.</p>",
           "audience_note": "Barn og familiene deres"},
    "en": {"title": "Children's World Day",
           "description_html": "<p>Every March the whole library becomes a children's world: games, songs and "
                               "stories from many countries, face painting and food. For children aged 3–11 and "
                               "their families.</p>",
           "audience_note": "Children and their families"},
    "ar": {"title": "يوم الطفل العالمي",
           "description_html": "<p>في شهر مارس من كل عام تتحول المكتبة كلها إلى عالم للأطفال: ألعاب وأغانٍ "
                               "وحكايات من بلدان كثيرة، ورسم على الوجوه وطعام. للأطفال من سن 3 إلى 11 سنة "
                               "وعائلاتهم.</p>",
           "audience_note": "الأطفال وعائلاتهم"},
}


def voting_texts(election: int) -> dict[str, dict[str, str]]:
    """The voter-registration information in Norwegian (the original), English, Polish, Ukrainian and Arabic."""
    return {
        "nb": {"title": f"Nyankomne: slik stemmer du ved valget i {election}",
               "description_html": "<p>Hvem som kan stemme, hvordan du sjekker at du står i manntallet, og "
                                   "hvordan valget foregår – forklart på enkel norsk, med tolker.</p>",
               "audience_note": "Nyankomne og alle som har spørsmål om å stemme"},
        "en": {"title": f"Newcomers: how to vote in the {election} election",
               "description_html": "<p>Who may vote, how to check that you are in the electoral register and how "
                                   "voting works, explained in plain Norwegian with interpreters.</p>",
               "audience_note": "Newcomers and anyone with questions about voting"},
        "pl": {"title": f"Dla nowo przybyłych: jak głosować w wyborach w {election} roku",
               "description_html": "<p>Kto może głosować, jak sprawdzić, czy jesteś w spisie wyborców, i jak "
                                   "przebiega głosowanie – wyjaśniamy prostym norweskim, z pomocą tłumaczy.</p>",
               "audience_note": "Nowo przybyli i wszyscy, którzy mają pytania o głosowanie"},
        "uk": {"title": f"Для новоприбулих: як голосувати на виборах {election} року",
               "description_html": "<p>Хто має право голосувати, як перевірити, чи є ви у списку виборців, і як "
                                   "відбувається голосування – пояснюємо простою норвезькою за участі "
                                   "перекладачів.</p>",
               "audience_note": "Новоприбулі та всі, хто має запитання про голосування"},
        "ar": {"title": f"للقادمين الجدد: كيف تصوّت في انتخابات {election}",
               "description_html": "<p>من يحق له التصويت، وكيف تتأكد من أن اسمك مسجّل في سجل الناخبين، وكيف "
                                   "تجري عملية التصويت – نشرح ذلك بلغة نرويجية بسيطة وبمساعدة مترجمين.</p>",
               "audience_note": "القادمون الجدد وكل من لديه أسئلة عن التصويت"},
    }


# The library's profile and its accessibility notes (written in English) in Norwegian and Polish too.
LIBRARY_DESCRIPTION_VERSIONS = {
    "nb": "Folkebiblioteket og kulturhuset midt i Stavanger; vertskap for språkkafeen.",
    "pl": "Biblioteka publiczna i dom kultury w centrum Stavanger; gospodarz kawiarenki językowej.",
}
LIBRARY_ACCESSIBILITY_VERSIONS = {
    "nb": "Trinnfri inngang fra Torget, heis til alle etasjer, tilgjengelige toaletter og teleslynge i salen.",
    "pl": "Wejście bez schodów od strony Torget, winda na każde piętro, toalety dostępne dla osób z "
          "niepełnosprawnościami i pętla indukcyjna w sali.",
}


REAL_ORGANISATIONS = (
    ("ink-network", "INK – Intercultural Network Stavanger", ("nb", "en"), (INTERCULTURAL, WELCOME, ANTI_RUMOUR),
     "The network of member organisations that plans the city's intercultural programme together."),
    ("solvberget-library", "Sølvberget – Stavanger public library", ("nb", "en"), (MULTILINGUAL, EDUCATION),
     "The public library and culture house in the centre of Stavanger; host of the language café."),
)


# Attendance of past dates: (lowest, highest) people per date, and the breakdown categories with their
# usual shares (the rest of the total goes to the last category). Series not listed get DEFAULT_ATTENDANCE.
ATTENDANCE: dict[str, tuple[int, int]] = {
    "language-cafe-solvberget": (100, 110),
    "international-cultural-cafe": (45, 80),
    "childrens-world-day": (120, 150),
    "youth-seminar": (40, 70),
    "carnival": (250, 380),
    "kite-workshop": (14, 24),
    "polish-saturday-school": (25, 40),
    "arabic-homework-help": (12, 25),
    "somali-womens-meeting": (10, 20),
    "ukrainian-choir": (15, 28),
    "multilingual-storytime": (18, 35),
    "interfaith-dialogue": (20, 45),
    "womens-football": (12, 22),
    "salsa-class": (15, 30),
}
DEFAULT_ATTENDANCE = (20, 45)  # the voting information evenings, and any series added later
BREAKDOWNS: dict[str, tuple[tuple[str, float], ...]] = {
    "language-cafe-solvberget": (("Polish", 0.34), ("Spanish", 0.24), ("Lithuanian", 0.16),
                                 ("Other languages", 0.26)),
    "international-cultural-cafe": (("Adults", 0.8), ("Children", 0.2)),
}
ATTENDANCE_SEED = "ink-demo-attendance-1"


def demo_attendance(key: str, original_start: datetime) -> tuple[int, dict[str, int]]:
    """The made-up count of one past date: its total and its breakdown by category name (pure)."""
    rng = random.Random(f"{ATTENDANCE_SEED}|{key}|{original_start.isoformat()}")
    low, high = ATTENDANCE.get(key, DEFAULT_ATTENDANCE)
    total = rng.randint(low, high)
    shares = BREAKDOWNS.get(key, ())
    breakdown: dict[str, int] = {}
    for name, share in shares[:-1]:
        breakdown[name] = max(0, round(total * share * rng.uniform(0.85, 1.15)))
    if shares:
        breakdown[shares[-1][0]] = total - sum(breakdown.values())
        if breakdown[shares[-1][0]] < 0:  # cannot happen with shares below 1, but never store a negative
            return total, {}
    return total, breakdown


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=lambda: {"venues": 0, "organisations": 0, "series": 0, "users": 0,
                                                             "counts": 0, "invitations": 0})

    @property
    def changed(self) -> bool:
        return any(self.created.values())


class _Seeder:
    def __init__(self, moment: datetime) -> None:
        self.now = moment
        self.today = utc_to_local(moment, network_timezone()).date()
        self.year_ago = self.today - timedelta(days=365)
        self.report = SeedReport()
        self.topics: dict[str, Topic] = {}
        self.venues: dict[str, Venue] = {}
        self.orgs: dict[str, Organisation] = {}

    # --- reference data ---------------------------------------------------------------------
    def seed_reference(self) -> None:
        self.topics = {topic.name: topic for topic in ensure_topics()}
        for slug, name, address, lat, lon, access, capacity in VENUES:
            venue = db.session.scalar(sa.select(Venue).where(Venue.slug == slug))
            if venue is None:
                venue = create_venue(VenueData(name=name, address=address, latitude=lat, longitude=lon,
                                               accessibility=access, capacity=capacity))
                venue.slug = slug  # the stable key re-runs look for
                venue.original_language = "en"
                if slug == "solvberget":
                    for language, text in LIBRARY_ACCESSIBILITY_VERSIONS.items():
                        self._add_version(venue, VenueTextVersion(language=language, accessibility=text))
                self.report.created["venues"] += 1
            self.venues[slug] = venue
        for rows, is_example in ((REAL_ORGANISATIONS, False), (ORGANISATIONS, True)):
            for slug, name, languages, topics, description in rows:
                self.orgs[slug] = self._organisation(slug, name, languages, topics, description, is_example)
        db.session.flush()

    def _organisation(self, slug: str, name: str, languages: tuple[str, ...], topics: tuple[str, ...],
                      description: str, is_example: bool) -> Organisation:
        existing = get_organisation_by_slug(slug)
        if existing is not None:
            return existing
        domain = slug.replace("-", "") + ".example.org"
        data = OrganisationData(
            name=name, slug=slug,
            description=f"{description} (example)" if is_example else description,
            website=f"https://{domain}" if is_example else None,
            contact_email=f"post@{domain}" if is_example else "post@ink.example",
            languages=list(languages), topics=[self.topics[name] for name in topics],
        )
        self.report.created["organisations"] += 1
        # The network's existing members publish directly (trusted), as they did before moderation existed.
        organisation = create_organisation(data, now=self.now, status=OrganisationStatus.ACTIVE,
                                           is_example=is_example, moderation=OrganisationModeration.TRUSTED)
        organisation.original_language = "en"
        if slug == "solvberget-library":
            for language, text in LIBRARY_DESCRIPTION_VERSIONS.items():
                self._add_version(organisation, OrganisationTextVersion(language=language, description=text))
        return organisation

    # --- dates --------------------------------------------------------------------------------
    def weekday_after(self, day: date, weekday: int) -> date:
        return day + timedelta(days=(weekday - day.weekday()) % 7)

    def nth_weekday(self, year: int, month: int, weekday: int, nth: int) -> date:
        return self.weekday_after(date(year, month, 1), weekday) + timedelta(weeks=nth - 1)

    def last_year_nth(self, month: int, weekday: int, nth: int) -> date:
        """The nth weekday of ``month`` in the most recent year where it lies a year or less back."""
        day = self.nth_weekday(self.year_ago.year, month, weekday, nth)
        if day < self.year_ago:
            day = self.nth_weekday(self.year_ago.year + 1, month, weekday, nth)
        return day

    # --- series ---------------------------------------------------------------------------------
    def series(self, key: str, **fields: object) -> tuple[EventSeries, bool]:
        """The series with the stable UID for ``key``, created from ``fields`` when missing."""
        uid = key + UID_SUFFIX
        existing = db.session.scalar(sa.select(EventSeries).where(EventSeries.uid == uid))
        if existing is not None:
            return existing, False
        status = fields.pop("status", SeriesStatus.PUBLISHED)
        texts: dict[str, dict[str, str]] = fields.pop("texts", None) or {}  # type: ignore[assignment]
        original = str(fields.pop("original_language", "nb" if texts else "")) or None
        if texts and original:
            fields.update(texts[original])
        organisation = self.orgs[str(fields.pop("organisation"))]
        coorganisers = [self.orgs[slug] for slug in fields.pop("coorganisers", ())]  # type: ignore[attr-defined]
        venue_slug = fields.pop("venue", None)
        venue = self.venues[str(venue_slug)] if venue_slug else None
        topics = [self.topics[name] for name in fields.pop("topics", ())]  # type: ignore[attr-defined]
        # The demo's co-organisers agreed (as if a coordinator named them): accepted at once.
        data = SeriesData(organisation=organisation, coorganisers=coorganisers, venue=venue, topics=topics,
                          consenting=frozenset(org.id for org in coorganisers), **fields)  # type: ignore[arg-type]
        series = create_series(data, now=self.now, status=status)  # type: ignore[arg-type]
        series.uid = uid
        if texts and original:
            series.original_language = original
            for language, version in texts.items():
                if language != original:
                    self._add_version(series, SeriesTextVersion(language=language, **version))
        self.report.created["series"] += 1
        return series, True

    def _add_version(self, subject: EventSeries | Organisation | Venue, version: object) -> None:
        """A demo version, as a row (valid whatever LANGUAGES is; ink.organisations.text_versions checks editors')."""
        version.original_revision = subject.texts_revision  # type: ignore[attr-defined]
        version.created_at = version.updated_at = self.now  # type: ignore[attr-defined]
        subject.text_versions.append(version)  # type: ignore[arg-type]

    def upcoming(self, series: EventSeries, index: int) -> Occurrence | None:
        return db.session.scalar(
            sa.select(Occurrence).where(Occurrence.series_id == series.id, Occurrence.start_at > self.now)
            .order_by(Occurrence.start_at).offset(index).limit(1)
        )

    def past(self, series: EventSeries, index: int) -> Occurrence | None:
        return db.session.scalar(
            sa.select(Occurrence).where(Occurrence.series_id == series.id, Occurrence.end_at < self.now)
            .order_by(Occurrence.start_at.desc()).offset(index).limit(1)
        )

    def seed_programme(self) -> None:
        self._cultural_cafe()
        self._language_cafe()
        self._annual_days()
        self._voting_information()
        self._member_activities()

    def _cultural_cafe(self) -> None:
        series, created = self.series(
            "international-cultural-cafe", title="International Cultural Café", organisation="ink-network",
            coorganisers=("refugee-guides",), venue="tou-scene",
            start_local=datetime.combine(self.weekday_after(self.year_ago, 2), time(18)), duration_minutes=120,
            recurrence=Recurrence(freq="weekly"), topics=(WELCOME, INTERCULTURAL, CULTURE), languages=["nb", "en"],
            audiences=[A.EVERYONE, A.NEWCOMERS],
            audience_note="Everyone: newcomers and people who have lived here all their lives", is_drop_in=True,
            description_html=(
                "<p>Every Wednesday evening the network opens an <strong>international café</strong>: coffee, "
                "tea and food from the kitchens of our member organisations, music and conversation.</p>"
                "<p>Free, no registration. Children are welcome with an adult.</p>"
            ),
        )
        if not created:
            return
        for occ, reason in ((self.upcoming(series, 1), "The hall is booked for a private event this week."),
                            (self.past(series, 10), "Storm warning: the café was closed.")):
            if occ is not None:
                cancel_occurrence(occ, reason=reason, now=self.now)

    def _language_cafe(self) -> None:
        series, created = self.series(
            "language-cafe-solvberget", texts=LANGUAGE_CAFE_TEXTS, organisation="solvberget-library",
            coorganisers=("ink-network", "polish-association-rogaland", "spanish-speaking-families",
                          "lithuanian-community"),
            venue="solvberget",
            start_local=datetime.combine(self.weekday_after(self.year_ago, 1), time(17)), duration_minutes=120,
            recurrence=Recurrence(freq="weekly", weekdays=(1, 3)),
            topics=(MULTILINGUAL, WELCOME, EDUCATION), languages=["nb", "pl", "es", "lt", "en"],
            audiences=[A.ADULTS, A.NEWCOMERS], is_drop_in=True,
        )
        if not created:
            return
        moved = self.upcoming(series, 2)
        if moved is not None:
            move_occurrence(
                moved, start_at=moved.start_at - timedelta(hours=1), end_at=moved.end_at - timedelta(hours=1),
                venue=self.venues["johannes-laeringssenter"],
                note="The library hall is being repainted: this time we meet an hour earlier at Johannes learning centre.",
                now=self.now,
            )
        holiday = self.upcoming(series, 6)
        if holiday is not None:
            cancel_occurrence(holiday, reason="The library is closed.", now=self.now)

    def _annual_days(self) -> None:
        saturday, sunday = 5, 6
        self.series(
            "childrens-world-day", texts=CHILDRENS_DAY_TEXTS, organisation="ink-network",
            coorganisers=("multilingual-storytellers", "spanish-speaking-families", "ukrainian-society"),
            venue="solvberget",
            start_local=datetime.combine(self.last_year_nth(3, saturday, 2), time(11)), duration_minutes=300,
            recurrence=Recurrence(freq="yearly", monthly_mode="nth_weekday", nth=2),
            topics=(FAMILY, INTERCULTURAL, CULTURE), languages=["nb", "en", "pl", "es", "ar", "uk"],
            audiences=[A.CHILDREN, A.FAMILIES], age_min=3, age_max=11, is_drop_in=True,
        )
        self.series(
            "youth-seminar", title="Youth seminar", organisation="youth-council", coorganisers=("ink-network",),
            venue="tou-scene",
            start_local=datetime.combine(self.last_year_nth(10, saturday, 2), time(10)), duration_minutes=360,
            recurrence=Recurrence(freq="yearly", monthly_mode="nth_weekday", nth=2),
            topics=(PARTICIPATION, EDUCATION, ANTI_RUMOUR), languages=["nb", "en"],
            audiences=[A.YOUTH], age_min=15, age_max=25,
            registration_url="https://youthcouncil.example.org/seminar",
            description_html="<p>A day of workshops and debate by and for young people: belonging, "
                             "rumours and how to take part in local democracy. Lunch included.</p>",
        )
        self.series(
            "carnival", title="Carnival with the Venezuelan community", organisation="ink-network",
            coorganisers=("venezuelan-community", "colombian-dance-group", "chilean-folk-group"),
            venue="stavanger-konserthus",
            start_local=datetime.combine(self.last_year_nth(2, saturday, 2), time(14)), duration_minutes=240,
            recurrence=Recurrence(freq="yearly", monthly_mode="nth_weekday", nth=2),
            topics=(CULTURE, INTERCULTURAL), languages=["es", "nb"], audiences=[A.EVERYONE, A.FAMILIES],
            audience_note="Everyone, especially families",
            is_drop_in=True,
            description_html="<p>Costumes, Venezuelan music and dance, and a <em>piñata</em> for the children. "
                             "Come dressed up!</p>",
        )
        festival, created = self.series(
            "kite-festival", title="Kite festival", organisation="stavanger-kite-flyers",
            coorganisers=("ink-network",), venue="mosvannsparken",
            start_local=datetime.combine(self.last_year_nth(6, sunday, 2), time(0)), is_all_day=True,
            duration_minutes=None, recurrence=Recurrence(freq="yearly", monthly_mode="nth_weekday", nth=2),
            topics=(CULTURE, NEIGHBOURHOOD), languages=["nb", "en"], audiences=[A.EVERYONE], is_drop_in=True,
            description_html="<p>Hundreds of kites over Mosvannet: bring your own or make one at the workshop "
                             "the week before. Food stalls from the member organisations.</p>",
        )
        if created:
            last_year = self.past(festival, 0)
            if last_year is not None:
                cancel_occurrence(last_year, reason="Strong wind warning.", now=self.now)
        self.series(
            "kite-workshop", title="Kite workshop", organisation="stavanger-kite-flyers",
            venue="storhaug-bydelshus",
            start_local=datetime.combine(self.last_year_nth(6, saturday, 1), time(12)), duration_minutes=180,
            recurrence=Recurrence(freq="yearly", monthly_mode="nth_weekday", nth=1),
            topics=(CULTURE, FAMILY), languages=["nb", "en"], audiences=[A.CHILDREN, A.FAMILIES],
            audience_note="Children with an adult", age_min=6,
            registration_url="https://stavangerkiteflyers.example.org/workshop",
            description_html="<p>Build your own kite for the festival. Materials are free; places are limited.</p>",
        )

    def _voting_information(self) -> None:
        """Sessions on registering and voting before the next election and, for history, the last one."""
        year = self.today.year + (1 if self.today.year % 2 == 0 else 0)
        if year == self.today.year and self.today.month >= 9:
            year += 2
        for election in (year - 2, year):
            first = self.weekday_after(date(election, 8, 1), 2)
            self.series(
                f"voting-information-{election}", texts=voting_texts(election),
                organisation="newcomers-voice", coorganisers=("ink-network", "solvberget-library"), venue="solvberget",
                start_local=datetime.combine(first, time(18)), duration_minutes=90,
                recurrence=Recurrence(freq="weekly", end="count", count=3),
                topics=(PARTICIPATION, WELCOME), languages=["nb", "en", "ar", "pl", "uk"],
                audiences=[A.NEWCOMERS], is_drop_in=True,
            )

    def _member_activities(self) -> None:
        start = self.year_ago
        activities = (
            ("polish-saturday-school", "Polish Saturday school", "polish-association-rogaland", "storhaug-bydelshus",
             5, time(10), 180, Recurrence(freq="weekly"), (EDUCATION, MULTILINGUAL), ["pl"], 6, 14),
            ("arabic-homework-help", "Homework help in Arabic and Norwegian", "arabic-homework-help",
             "solvberget", 0, time(17), 120, Recurrence(freq="weekly"), (EDUCATION,), ["ar", "nb"], 8, 16),
            ("somali-womens-meeting", "Women's meeting", "somali-womens-group", "hundvag-bydelshus", 4, time(11),
             120, Recurrence(freq="weekly", interval=2), (GENDER, FAMILY), ["so", "nb"], None, None),
            ("ukrainian-choir", "Ukrainian choir rehearsal", "ukrainian-society", "madla-bydelshus", 3, time(19),
             90, Recurrence(freq="weekly"), (CULTURE,), ["uk"], None, None),
            ("multilingual-storytime", "Multilingual story time", "multilingual-storytellers", "solvberget", 5,
             time(12), 60, Recurrence(freq="monthly", monthly_mode="nth_weekday", nth=1), (MULTILINGUAL, FAMILY),
             ["nb", "pl", "ar", "es", "uk"], 3, 8),
            ("interfaith-dialogue", "Interfaith dialogue evening", "mosque-community", "johannes-laeringssenter", 1,
             time(19), 120, Recurrence(freq="monthly", monthly_mode="nth_weekday", nth=-1),
             (RELIGION, INTERCULTURAL), ["nb"], None, None),
            ("womens-football", "Football for women", "womens-football", "madla-bydelshus", 6, time(16), 90,
             Recurrence(freq="weekly"), (GENDER, NEIGHBOURHOOD), ["nb", "en"], 16, None),
            ("salsa-class", "Salsa and cumbia for beginners", "colombian-dance-group", "tou-scene", 4, time(19), 90,
             Recurrence(freq="weekly", end="until", until=self.today + timedelta(days=120)), (CULTURE,),
             ["es", "nb"], None, None),
        )
        for key, title, org, venue, weekday, at, minutes, rec, topics, languages, age_min, age_max in activities:
            day = self.weekday_after(start, weekday)
            if rec.monthly_mode == "nth_weekday" and rec.nth == -1:
                day = self._last_weekday_of_month_from(day)
            elif rec.monthly_mode == "nth_weekday":
                day = self._nth_weekday_from(day, rec.nth or 1)
            self.series(
                key, title=title, organisation=org, venue=venue, start_local=datetime.combine(day, at),
                duration_minutes=minutes, recurrence=rec, topics=topics, languages=languages, age_min=age_min,
                age_max=age_max, is_drop_in=True, audiences=[A.EVERYONE],
                description_html=f"<p>{title}, run by volunteers. This is an example activity.</p>",
            )
        # A cancelled one-off and a draft the public never sees.
        tournament, created = self.series(
            "winter-football-tournament", title="Winter football tournament", organisation="afghan-youth-club",
            venue="madla-bydelshus",
            start_local=datetime.combine(self.weekday_after(self.today + timedelta(days=10), 5), time(10)),
            duration_minutes=360, topics=(NEIGHBOURHOOD,), languages=["nb", "fa"], audiences=[A.YOUTH],
            age_min=12, age_max=19, description_html="<p>Indoor tournament for mixed teams (example).</p>",
        )
        if created:
            cancel_series(tournament, reason="The sports hall is closed for repairs.", now=self.now)
        self.series(
            "spring-clean-up-draft", title="Neighbourhood clean-up day", organisation="refugee-guides",
            venue="storhaug-bydelshus", status=SeriesStatus.DRAFT,
            start_local=datetime.combine(self.weekday_after(self.today + timedelta(days=5), 5), time(11)),
            duration_minutes=180, topics=(NEIGHBOURHOOD,), languages=["nb"],
            description_html="<p>Still being planned (example draft).</p>",
        )

    def _nth_weekday_from(self, day: date, nth: int) -> date:
        """The first day on or after ``day`` that is the ``nth`` of its weekday in its month."""
        candidate = day
        while (candidate.day - 1) // 7 + 1 != nth:
            candidate += timedelta(days=7)
        return candidate

    def _last_weekday_of_month_from(self, day: date) -> date:
        candidate = day
        while (candidate + timedelta(days=7)).month == candidate.month:
            candidate += timedelta(days=7)
        return candidate

    # --- accounts -------------------------------------------------------------------------------
    def seed_accounts(self) -> None:
        self._user(COORDINATOR_EMAIL, "Demo Coordinator", coordinator=True)
        editor = self._user(EDITOR_EMAIL, "Demo Editor", coordinator=False)
        add_editor(self.orgs["polish-association-rogaland"], editor)
        add_editor(self.orgs["solvberget-library"], editor)

    # --- attendance -----------------------------------------------------------------------------
    def seed_attendance(self) -> None:
        """Counts for the past dates of every demo series that has none yet."""
        counter = find_user_by_email(COORDINATOR_EMAIL)
        published = sa.select(EventSeries).where(
            EventSeries.uid.endswith(UID_SUFFIX), EventSeries.status == SeriesStatus.PUBLISHED
        ).order_by(EventSeries.uid)
        for series in db.session.scalars(published):
            if self._has_counts(series):
                continue
            key = series.uid.removesuffix(UID_SUFFIX)
            categories = self._categories(series, key)
            for occ in self._held(series):
                total, by_name = demo_attendance(key, occ.original_start_at)
                matches = by_name and {category.name for category in categories} == set(by_name)
                breakdown = {category.id: by_name[category.name] for category in categories} if matches else None
                record_attendance(occ, total=total, breakdown=breakdown, method=self._method(key), user=counter,
                                  confirm_over_capacity=True, now=min(occ.end_at + timedelta(hours=1), self.now))
                self.report.created["counts"] += 1

    def _has_counts(self, series: EventSeries) -> bool:
        return db.session.scalar(
            sa.select(AttendanceRecord.id).join(AttendanceRecord.occurrence)
            .where(Occurrence.series_id == series.id).limit(1)
        ) is not None

    def _categories(self, series: EventSeries, key: str) -> list[AttendanceCategory]:
        categories = series_categories(series.id)
        if not categories:
            categories = [add_category(series, name) for name, _share in BREAKDOWNS.get(key, ())]
        return categories

    def _held(self, series: EventSeries) -> list[Occurrence]:
        return list(db.session.scalars(
            sa.select(Occurrence).where(Occurrence.series_id == series.id, Occurrence.end_at <= self.now,
                                        Occurrence.status == OccurrenceStatus.SCHEDULED)
            .order_by(Occurrence.start_at)
        ))

    def _method(self, key: str) -> CountMethod:
        # The library counts at the door; the big days estimate; the small groups count heads.
        if key in ("language-cafe-solvberget", "international-cultural-cafe"):
            return CountMethod.DOOR_COUNTER
        if key in ("carnival", "childrens-world-day"):
            return CountMethod.ESTIMATE
        return CountMethod.HEAD_COUNT

    def _user(self, email: str, name: str, *, coordinator: bool) -> User:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(email, DEMO_PASSWORD, name=name, is_coordinator=coordinator, now=self.now)
            self.report.created["users"] += 1
        return user


def seed_demo(*, moment: datetime | None = None) -> SeedReport:
    """Create whatever part of the demo data is missing. Flushes; the caller commits."""
    seeder = _Seeder(moment or now())
    seeder.seed_reference()
    seeder.seed_programme()
    seeder.seed_accounts()
    seeder.seed_attendance()
    seed_audit_examples()
    seed_invitations(seeder.report, seeder.now)
    _seed_moderation(seeder)
    _seed_join_application(seeder.now, seeder.report)
    seeder.report.created["series"] += seed_demo_source(now=seeder.now)
    db.session.flush()
    return seeder.report


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the network's real programme, example organisations and demo accounts (idempotent)."""
    report = seed_demo()
    db.session.commit()
    if report.changed:
        parts = ", ".join(f"{count} {name}" for name, count in report.created.items())
        click.echo(f"Demo data loaded: created {parts}.")
    else:
        click.echo("Demo data already present: nothing changed.")
    click.echo(f"Demo coordinator login: {COORDINATOR_EMAIL} / {DEMO_PASSWORD}")
    click.echo(f"Demo editor login: {EDITOR_EMAIL} / {DEMO_PASSWORD}")


# --- the audit log: a few changes by the demo staff (everything above is logged as the system) -----

VENUE_NOTE = "A hearing loop in the main hall."
COUNT_NOTE = "Counted at the door by two volunteers."


def seed_audit_examples() -> None:
    """As the demo coordinator and editor, make two small corrections once, so /manage/audit shows
    changes by people (with before and after) beside the seeding's own entries."""
    coordinator, editor = find_user_by_email(COORDINATOR_EMAIL), find_user_by_email(EDITOR_EMAIL)
    if coordinator is None or editor is None or db.session.scalar(
            sa.select(AuditEntry.id).where(AuditEntry.actor_id.in_([coordinator.id, editor.id])).limit(1)):
        return
    venue = db.session.scalar(sa.select(Venue).order_by(Venue.slug).limit(1))
    if venue is not None and VENUE_NOTE not in venue.accessibility:
        with acting_as(coordinator):
            venue.accessibility = f"{venue.accessibility} {VENUE_NOTE}".strip()
            db.session.flush()
    record = db.session.scalar(
        sa.select(AttendanceRecord).join(AttendanceRecord.occurrence).join(Occurrence.series)
        .join(Membership, Membership.organisation_id == EventSeries.organisation_id)
        .where(Membership.user_id == editor.id).order_by(Occurrence.start_at.desc()).limit(1))
    if record is not None and record.note != COUNT_NOTE:
        with acting_as(editor):
            record.note = COUNT_NOTE
            db.session.flush()


# --- joining and invitations: an application waiting, an invitation waiting to be accepted ----------


DEMO_APPLICATION_NAME = "Fjellsiden Sanglag"


def _seed_join_application(moment: datetime, report: SeedReport) -> None:
    """One confirmed application to join, waiting in the coordinators' queue (no email: it is data, not news)."""
    exists = db.session.scalar(sa.select(OrganisationApplication.id)
                               .where(OrganisationApplication.name == DEMO_APPLICATION_NAME))
    if exists is not None:
        return
    db.session.add(OrganisationApplication(
        name=DEMO_APPLICATION_NAME, applicant_name="Solveig Nilsen", applicant_email="solveig@fjellsiden.example",
        description="A neighbourhood choir singing songs from the many countries our members come from.",
        website="https://fjellsiden.example", contact_email="post@fjellsiden.example", languages=["nb", "en", "ar"],
        topic_ids=[], locale="nb", status=ApplicationStatus.WAITING, nonce=None,
        created_at=moment - timedelta(days=2), confirmed_at=moment - timedelta(days=2, minutes=-5),
        decline_message="",
    ))
    report.created["applications"] = report.created.get("applications", 0) + 1


DEMO_INVITEE = "new.volunteer@ink.example"


def seed_invitations(report: SeedReport, moment: datetime) -> None:
    """A pending invitation on one demo organisation (sent by the demo coordinator), once."""
    organisation = get_organisation_by_slug("solvberget-library")
    if organisation is None or db.session.scalar(sa.select(Invitation.id).where(Invitation.email == DEMO_INVITEE)):
        return
    invite(organisation, DEMO_INVITEE, invited_by=find_user_by_email(COORDINATOR_EMAIL), now=moment, locale="en")
    report.created["invitations"] += 1


# --- moderation: a reviewed organisation with an event waiting ---------------------------------------

def _seed_moderation(seeder: _Seeder) -> None:
    """A reviewed member organisation (new in the network) whose first event waits in /manage/moderation.

    The demo editor edits it, so signing in as the editor shows "Waiting for review" and signing in as the
    coordinator shows the request in the queue. Created once: a re-run finds the organisation and stops.
    """
    slug = "newcomers-choir"
    if get_organisation_by_slug(slug) is not None:
        return
    data = OrganisationData(
        name="Newcomers' Choir", slug=slug, website="https://newcomerschoir.example.org",
        contact_email="post@newcomerschoir.example.org", languages=["nb", "en", "uk"],
        description="A choir for people new in Stavanger: songs from everywhere, no audition (example).",
        topics=[seeder.topics[CULTURE], seeder.topics[MULTILINGUAL]],
    )
    seeder.orgs[slug] = create_organisation(data, now=seeder.now, status=OrganisationStatus.ACTIVE, is_example=True,
                                            moderation=OrganisationModeration.REVIEWED)
    seeder.report.created["organisations"] += 1
    editor = find_user_by_email(EDITOR_EMAIL)
    if editor is None:
        return
    add_editor(seeder.orgs[slug], editor)
    first_rehearsal = datetime.combine(seeder.weekday_after(seeder.today + timedelta(days=8), 3), time(18, 30))
    series, _ = seeder.series(
        "newcomers-choir-rehearsal", title="Open choir rehearsal", organisation=slug, venue="solvberget",
        status=SeriesStatus.DRAFT, start_local=first_rehearsal, duration_minutes=90,
        recurrence=Recurrence(freq="weekly"), topics=(CULTURE, MULTILINGUAL), languages=["nb", "en", "uk"],
        audiences=[A.EVERYONE], is_drop_in=True,
        description_html="<p>Sing with us: songs in many languages, no audition, no experience needed (example).</p>",
    )
    request_publish(series, by=editor, now=seeder.now)
