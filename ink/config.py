"""Configuration: these defaults, then ``instance/config.py``, then ``INK_*`` environment variables."""
from __future__ import annotations

from datetime import timedelta

# The database: SQLite in instance/ unless INK_DATABASE_URL says otherwise (set in create_app).
DATABASE_URL: str | None = None
SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
SECRET_KEY: str | None = None
TIMEZONE = "Europe/Oslo"
BASE_URL = "http://127.0.0.1:5000"
# The network's public contact address: the feeds' ORGANIZER for an organisation without its own.
NETWORK_EMAIL = "contact@ink-events.example"
# The ISO 3166-1 country of the network's venues: addressCountry in the event pages' schema.org data.
NETWORK_COUNTRY = "NO"

# Interface languages, the default first. None: English plus every catalogue in ink/translations
# (so adding a language needs only its catalogue).
LANGUAGES: tuple[str, ...] | None = None
BABEL_DEFAULT_LOCALE = "en"
# Where the catalogues live, relative to the ink package.
BABEL_TRANSLATION_DIRECTORIES = "translations"

# How far ahead occurrences are materialised; the scheduler extends it daily.
OCCURRENCE_HORIZON_DAYS = 730

# Argon2id parameters: RFC 9106's second recommended option (64 MiB, t=3, p=4).
PASSWORD_HASH_TIME_COST = 3
PASSWORD_HASH_MEMORY_KIB = 65536
PASSWORD_HASH_PARALLELISM = 4

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# None: the cookies are Secure (sent only over HTTPS) exactly when BASE_URL is https://; True/False forces it.
SESSION_COOKIE_SECURE: bool | None = None
REMEMBER_COOKIE_SECURE: bool | None = None
# Strict-Transport-Security max-age in seconds; 0 sends no header. Off by default (a development server
# on plain HTTP must not pin browsers to HTTPS); the README's production guide turns it on (31536000).
HSTS_SECONDS = 0
HSTS_INCLUDE_SUBDOMAINS = False
# Static files: versioned URLs (?v=<content hash>) are cached for a year; other requests this long.
STATIC_VERSIONED_MAX_AGE = 31536000
STATIC_UNVERSIONED_MAX_AGE = 300
PERMANENT_SESSION_LIFETIME = timedelta(days=14)
MAX_CONTENT_LENGTH = 2 * 1024 * 1024
WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session

# How many reverse proxies in front of the app to believe about the client address (X-Forwarded-For);
# 0: the peer's own address, whatever X-Forwarded-For says.
TRUSTED_PROXIES = 0
# Rate-limit counts: None keeps them in memory (one process); "redis://127.0.0.1:6379/0" shares them.
RATELIMIT_STORAGE_URL: str | None = None
RATELIMIT_ENABLED = True
RATELIMIT_KEY_PREFIX = "ink"
# Rate-limit rules (ink/ratelimit.py): name -> (attempts, window in seconds).
# Sign-in counts failures only; the others count every attempt.
RATELIMITS: dict[str, tuple[int, int]] = {
    "signin-account": (10, 15 * 60),
    "signin-client": (30, 15 * 60),
    "password-reset-address": (3, 3600),
    "password-reset-client": (20, 3600),
    "invitation-address": (3, 24 * 3600),
    "invitation-client": (60, 3600),
    "email-change-address": (3, 3600),
    "email-change-client": (10, 3600),
    "join-address": (3, 24 * 3600),
    "join-client": (5, 3600),
    # Unanswered confirmation emails, and manage-link emails, per address: counted in the outbox (sliding window).
    "subscribe-address": (3, 24 * 3600),
    "manage-link-address": (3, 24 * 3600),
    # Subscribe and manage-link requests per client address (both forms count together).
    "subscribe-client": (30, 3600),
}

# Joining (/join): hours an applicant's confirmation link stays valid.
JOIN_CONFIRM_HOURS = 72
# Joining: seconds a person needs at least to fill in the form; a faster submission is a bot's (ignored).
JOIN_MIN_FILL_SECONDS = 5
# Joining: hours a shown form may be sent; an older one is shown again to be sent anew.
JOIN_FORM_MAX_HOURS = 24
# Sign-in: after this many failed attempts (per account or client, within the signin-* windows) each
# further attempt is answered only after a growing delay of SIGNIN_SLOWDOWN_SECONDS per extra failure,
# at most SIGNIN_SLOWDOWN_MAX_SECONDS; at the signin-* limits attempts are refused (429).
SIGNIN_SLOWDOWN_AFTER = 3
SIGNIN_SLOWDOWN_SECONDS = 0.5
SIGNIN_SLOWDOWN_MAX_SECONDS = 5.0
# Invitations: whether an organisation's editors may invite people (coordinators always may).
EDITORS_MAY_INVITE = True
# Invitations: how many days an invitation link works.
INVITATION_EXPIRY_DAYS = 7
# Password reset: how many minutes a reset link works.
PASSWORD_RESET_MINUTES = 60
# Email change: how many hours the confirmation link sent to the new address works.
EMAIL_CHANGE_HOURS = 24

# Mail (used by reminders): "file" writes messages under instance/mail; "smtp" sends them.
MAIL_BACKEND = "file"
MAIL_HOST = "127.0.0.1"
MAIL_PORT = 25
MAIL_SECURITY = "none"  # none | starttls | tls
MAIL_USERNAME: str | None = None
MAIL_PASSWORD: str | None = None
MAIL_FROM = "INK Events <no-reply@ink-events.example>"
# Seconds before each further attempt to reach the mail server after a reconnect at once failed.
MAIL_RECONNECT_DELAYS: tuple[float, ...] = (1.0, 3.0)
# Where the "file" backend writes .eml files. None: instance/mail (resolved in create_app).
MAIL_DIRECTORY: str | None = None

# Reminders: the lock file that keeps the scheduler to one process. None: instance/scheduler.lock
# (resolved in create_app).
SCHEDULER_LOCK_FILE: str | None = None
# The local hour (0-23) at which the weekly digest goes out.
DIGEST_HOUR = 7

# Attendance: hours after an occurrence ends during which its door-counter link still works.
DOOR_LINK_GRACE_HOURS = 4

# Feeds: how far back a calendar feed reaches, in days (or a timedelta).
FEED_PAST_WINDOW = 183
# Feeds: rendered feeds kept in memory (entries), how long one is served (seconds), and how often
# the data's version is checked to invalidate them early (seconds).
FEED_CACHE_SIZE = 256
FEED_CACHE_SECONDS = 300
FEED_VERSION_CHECK_SECONDS = 1.0
# Public pages (ink.page_cache): rendered pages kept in memory per process (entries; 0 turns the
# cache off), the longest an entry is served (seconds; also ends at local midnight), and how often
# the data's version is checked so that other workers' changes show (seconds).
PAGE_CACHE_SIZE = 256
PAGE_CACHE_SECONDS = 60
PAGE_VERSION_CHECK_SECONDS = 1.0
# The widget (/embed): the sites whose pages may show it in an <iframe>, as a CSP frame-ancestors
# source list ("*": any site; e.g. "https://polish-association.example https://*.kommune.no").
EMBED_FRAME_ANCESTORS = "*"

# Pictures (event images, organisation logos): where renditions are written and served from. None:
# instance/pictures (resolved in create_app); in production any directory the web server may also serve.
PICTURES_DIR: str | None = None
# Pictures: the largest upload accepted, in bytes (requests to upload views may be twice this, so a
# bigger file gets a field error rather than a 413).
PICTURE_MAX_BYTES = 10_000_000
# Pictures: the most pixels (width × height) an upload may have; more is refused before decoding
# (a decompression bomb).
PICTURE_MAX_PIXELS = 40_000_000
# Pictures: the fewest pixels on each side of an upload.
PICTURE_MIN_SIDE = 200

# Calendar sources (ink/sources): how often each member's calendar is fetched (minutes), the largest
# file read (bytes, counted while reading), the timeout of a whole fetch (seconds), the redirects
# followed, and how many failures in a row before the organisation's editors are told (once).
SYNC_INTERVAL_MINUTES = 15
SYNC_MAX_BYTES = 5_000_000
SYNC_TIMEOUT_SECONDS = 20
SYNC_MAX_REDIRECTS = 5
SYNC_FAILURES_BEFORE_NOTICE = 3
# Calendar sources: allow private, loopback and link-local addresses (tests; never in production), and
# plain http:// addresses (tests).
SYNC_ALLOW_PRIVATE = False
SYNC_ALLOW_HTTP = False

# Tests only: a clock object (ink.core.clock) the app uses instead of the system clock.
CLOCK = None
# Tests only: False renders the 500 page for an unexpected error instead of raising it into the test.
PROPAGATE_TEST_ERRORS = True
