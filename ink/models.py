"""Imports every model module so the metadata (and Alembic) sees all tables."""
from ink.auth.models import User, UserSession  # noqa: F401
from ink.pictures.models import Picture  # noqa: F401
from ink.organisations.models import Invitation, Membership, Organisation, OrganisationApplication, OrganisationLanguage, OrganisationTextVersion, Topic  # noqa: F401
from ink.events.models import EventSeries, ModerationRequest, Occurrence, SeriesLanguage, SeriesTextVersion, Venue, VenueTextVersion  # noqa: F401
from ink.versions import FeedState  # noqa: F401
from ink.attendance.models import AttendanceCategory, AttendanceRecord, DoorLink  # noqa: F401
import ink.reminders.models  # noqa: F401,E402
from ink.audit.models import AuditEntry  # noqa: F401,E402
