"""All settings, read from the environment in this one module.

Two run modes share it:
- embedded default: nothing set; SQLite under ./var, Celery tasks run in process;
- service mode: DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL or REDIS_URL (Redis) set.

REGISTRY_MODE=production turns on the deployment guards: the process refuses to start
without a real SECRET_KEY, a key-encryption key, ALLOWED_HOSTS and an https REGISTRY_BASE_URL,
and says which is missing.
Every variable is explained in docs/operators/environment.md, generated from this module's
env_* calls (docs/_ext/registry_docs/environment.py; a test fails on one left unexplained).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc


# --- Mode -----------------------------------------------------------------------------------
REGISTRY_MODE = env_str("REGISTRY_MODE", "development").lower()
if REGISTRY_MODE not in {"development", "production"}:
    raise ImproperlyConfigured(f"REGISTRY_MODE={REGISTRY_MODE!r} is not known; use 'development' or 'production'.")
PRODUCTION = REGISTRY_MODE == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when REGISTRY_MODE=production.")

# --- Secrets --------------------------------------------------------------------------------
_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY")
if PRODUCTION:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production the registry signs sessions, CSRF tokens and "
            "password-reset links with it; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
    if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak for production: it must be at least 50 characters with at "
            "least 5 distinct characters and must not start with 'django-insecure'."
        )
elif not SECRET_KEY:
    SECRET_KEY = _DEV_SECRET_KEY

# Encrypts signing keys at rest (Fernet). Comma-separated: the first encrypts, all decrypt, so a
# key-encryption key can be rotated. Development derives one from SECRET_KEY.
REGISTRY_KEY_ENCRYPTION_KEYS = env_list("REGISTRY_KEY_ENCRYPTION_KEY")
if PRODUCTION and not REGISTRY_KEY_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "REGISTRY_KEY_ENCRYPTION_KEY is not set. In production the registry's token-signing keys are "
        "stored encrypted with it; generate one with "
        "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
    )
if PRODUCTION:
    # A key Fernet refuses would otherwise pass start-up and fail the first token signed.
    from registry.core.encryption import key_encryption_key_problems

    if _kek_problems := key_encryption_key_problems(REGISTRY_KEY_ENCRYPTION_KEYS):
        raise ImproperlyConfigured(" ".join(_kek_problems))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. In production list the host names the registry answers to, "
        "comma-separated (e.g. ALLOWED_HOSTS=registry.example.org)."
    )
if PRODUCTION and any("*" in host for host in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must not contain '*' in production: any Host header would be accepted. List "
        "the host names the registry answers to (a leading dot, as in .example.org, allows subdomains)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# How many proxies of ours stand in front of the registry, each appending to X-Forwarded-For:
# the client's address is the entry that many places from the right (registry/core/addresses.py).
# 0: no proxy, the socket's peer is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} must be 0 or more.")
# Its predecessor trusted the leftmost X-Forwarded-For entry, which the client writes; it is
# refused rather than mapped, so that whoever set it states how many proxies there are.
if env_bool("TRUST_X_FORWARDED_FOR", default=False):
    raise ImproperlyConfigured(
        "TRUST_X_FORWARDED_FOR is no longer read: it trusted an address the client can forge. Remove it "
        "and set TRUSTED_PROXY_COUNT to the number of proxies in front of the registry (1 for one "
        "load balancer or reverse proxy)."
    )

# The public address of this registry: token `iss`, status-list URIs and links in emails.
REGISTRY_BASE_URL = env_str("REGISTRY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
if PRODUCTION and not REGISTRY_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "REGISTRY_BASE_URL must be an https:// URL in production: tokens and status lists "
        "carry it and verifiers fetch from it."
    )

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Two-factor sign-in for union staff (TOTP); enforced by registry.console's middleware.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "registry.core",
    "registry.tlog",
    "registry.terms",
    "registry.parties",
    "registry.audit",
    "registry.consent",
    "registry.tokens",
    "registry.cases",
    "registry.usage",
    "registry.billing",
    "registry.residuals",
    "registry.webhooks",
    "registry.media",
    "registry.privacy",
    "registry.outbox",
    "registry.api",
    "registry.portal",
    "registry.console",
    "registry.site",
    "registry.demo",
]

# Each domain's privacy module (registry/core/personal_data.py PerformerDataModule): erasure runs
# them in this order inside one transaction, and the export lists their sections in this order.
# Parties come first so representatives lose their authority before anything else changes. Named
# here, not imported by registry.privacy, because the API and the portal sit above privacy.
PERFORMER_DATA_MODULES = [
    "registry.parties.privacy",
    "registry.consent.privacy",
    "registry.usage.privacy",
    "registry.billing.privacy",
    "registry.residuals.privacy",
    "registry.cases.privacy",
    "registry.portal.privacy",
    "registry.api.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Around everything that makes pages (inside the CSP header): in development it replaces
    # Django's debug pages with the styled ones (registry/site/middleware.py).
    "registry.site.middleware.StyledErrorPages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "registry.core.middleware.RefuseNulCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # With a replica: a caller who just changed something reads the primary for a while.
    "registry.core.replica.PinAfterWrites",
    "django_otp.middleware.OTPMiddleware",
    "registry.console.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
# A form refused for its CSRF token gets the styled page of its area, in both modes.
CSRF_FAILURE_VIEW = "registry.site.views.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "registry" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR = Path(env_str("REGISTRY_VAR_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env_str("DATABASE_URL")
# A streaming replica of the PostgreSQL primary, for the reads that tolerate a bounded staleness
# (consent checks, token fetches, status lists, API lists): registry/core/replica.py routes them
# there while the replica is reachable and at most REPLICA_MAX_LAG_SECONDS behind, and to the
# primary otherwise, and for a caller who wrote in the last REPLICA_MAX_LAG_SECONDS.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 2)


def _postgres(url: str, *, connect_timeout: int) -> dict:
    database = dj_database_url.parse(url, conn_max_age=60)
    database.setdefault("OPTIONS", {})
    if database["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, with a health check that asks the server only when the socket says
        # something happened (registry/core/postgresql/base.py).
        database["ENGINE"] = "registry.core.postgresql"
        # Fail fast when PostgreSQL is down instead of hanging a worker for minutes.
        database["OPTIONS"].setdefault("connect_timeout", connect_timeout)
        # Prepared statements only where the code asks for them (the consent check's statement,
        # `prepare=True`): Django's own queries bind parameters client-side and are never prepared.
        # Django's default (None) turns preparation off altogether, which made that request a no-op.
        database["OPTIONS"].setdefault("prepare_threshold", 2**31 - 1)
        database["CONN_HEALTH_CHECKS"] = True
    return database


if DATABASE_URL:
    DATABASES = {"default": _postgres(DATABASE_URL, connect_timeout=5)}
    if DATABASE_REPLICA_URL:
        # A replica that does not answer within a second is passed over (the primary answers).
        DATABASES["replica"] = _postgres(DATABASE_REPLICA_URL, connect_timeout=1)
        # Tests run against the primary alone; tests/core/test_replica.py starts a real standby.
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "registry.sqlite3",
            # IMMEDIATE transactions avoid "database is locked" upgrades under concurrent writes.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
READ_REPLICA = "replica" in DATABASES
DATABASE_ROUTERS = ["registry.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or env_str("REDIS_URL")
# Without a broker (embedded default) tasks run in the calling process, after commit.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers unacknowledged tasks after the visibility timeout; keep it above the
# longest task so acks_late tasks are not run twice while still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": 3,
    # A Redis that hangs (rather than refuses) must not hold a request that publishes a task:
    # the outbox keeps the work, so give up on the broker after a few seconds.
    "socket_timeout": 5,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's fixup closes a worker's database connections every 2 x this many tasks (every task
# when unset); registry.core.worker_connections checks them around each task instead, honouring
# CONN_MAX_AGE and the health check as a web request does.
CELERY_DB_REUSE_MAX = 1000
# A worker whose consumer stalls exits for its supervisor to restart (registry.core.worker_liveness):
# a heartbeat every INTERVAL seconds; none answered for TIMEOUT seconds while idle means stalled.
# 0 turns the watchdog off.
WORKER_WATCHDOG_INTERVAL = env_int("WORKER_WATCHDOG_INTERVAL", 15)
WORKER_WATCHDOG_TIMEOUT = env_int("WORKER_WATCHDOG_TIMEOUT", 90)
# Seconds the stalled worker's warm shutdown may take before the watchdog ends the process itself.
WORKER_WATCHDOG_GRACE = env_int("WORKER_WATCHDOG_GRACE", 30)
# --- Transparency log (registry/tlog; docs/concepts/transparency-log.md) ---------------------------------
# The checkpoint origin (and log key name): by default REGISTRY_BASE_URL's host and path + "/log".
# Fixed by the first log key: changing it later does not rename the log.
TLOG_ORIGIN = env_str("TLOG_ORIGIN")
# Seconds between beat's sequencer runs (service mode), and leaves per batch (one checkpoint each).
TLOG_SEQUENCE_INTERVAL = env_int("TLOG_SEQUENCE_INTERVAL", 2)
TLOG_BATCH_SIZE = env_int("TLOG_BATCH_SIZE", 5000)
# Without a broker nothing sequences in the background: readers of the log sequence what is
# pending first (the checkpoint, tiles, proofs, the token endpoint).
TLOG_SEQUENCE_ON_DEMAND = env_bool("TLOG_SEQUENCE_ON_DEMAND", default=CELERY_TASK_ALWAYS_EAGER)
# A rotated-out log key co-signs checkpoints this many days more, for verifiers to take the new one.
TLOG_KEY_OVERLAP_DAYS = env_int("TLOG_KEY_OVERLAP_DAYS", 30)
TLOG_WITNESS_TIMEOUT = env_int("TLOG_WITNESS_TIMEOUT", 10)

CELERY_BEAT_SCHEDULE = {
    "consent-expire-requests": {"task": "consent.expire_requests", "schedule": 300.0},
    "consent-expire-grants": {"task": "consent.expire_grants", "schedule": 3600.0},
    "consent-apply-due-strikes": {"task": "consent.apply_due_strikes", "schedule": 60.0},
    "tokens-refresh-status-lists": {"task": "tokens.refresh_status_lists", "schedule": 60.0},
    "webhooks-retry-due": {"task": "webhooks.retry_due", "schedule": 10.0},
    # Publishes tasks the on_commit relay could not (broker down): an outage delays, never loses.
    "outbox-relay": {"task": "outbox.relay", "schedule": 5.0},
    "billing-monthly": {"task": "billing.monthly", "schedule": crontab(minute=0, hour=2, day_of_month=1)},
    # Receivables: the month's late interest on the 1st (after the run), overdue reminders daily.
    "billing-late-interest": {"task": "billing.late_interest", "schedule": crontab(minute=30, hour=3, day_of_month=1)},
    "billing-overdue-reminders": {"task": "billing.overdue_reminders", "schedule": crontab(minute=0, hour=8)},
    "console-sweep-exports": {"task": "console.sweep_exports", "schedule": 300.0},
    "console-sweep-chain-checks": {"task": "console.sweep_chain_checks", "schedule": 120.0},
    # The transparency log's sequencer (registry/tlog/services.py), and a retry of witness
    # submissions that failed (each checkpoint also asks for one through the outbox).
    "tlog-sequence": {"task": "tlog.sequence", "schedule": float(TLOG_SEQUENCE_INTERVAL)},
    "tlog-submit-to-witnesses": {"task": "tlog.submit_to_witnesses", "schedule": 300.0},
    # Every consent check is kept (DOMAIN.md 2.14): buffered in Redis, moved to the table in bulk.
    "consent-flush-check-log": {"task": "consent.flush_check_log", "schedule": 5.0},
    # Monthly partitions on PostgreSQL (usage lines, kept checks), created ahead (registry/core/partitions.py).
    "core-ensure-partitions": {"task": "core.ensure_partitions", "schedule": crontab(minute=15, hour=0)},
}
# Where consent checks wait to be written (registry/consent/check_log.py); empty: written at once.
CHECK_LOG_REDIS_URL = env_str("CHECK_LOG_REDIS_URL") or env_str("REDIS_URL")
CHECK_LOG_KEY = env_str("CHECK_LOG_KEY", "registry:consent:check-log")
# Checks a process gathers before one RPUSH (pushed within a second anyway; see check_log.py).
CHECK_LOG_PROCESS_BATCH = int(env_str("CHECK_LOG_PROCESS_BATCH", "50"))

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:sign-in"
# Union staff confirm their password with a TOTP code: always in production, optional (off) in
# development unless STAFF_OTP_REQUIRED=true.
STAFF_OTP_REQUIRED = PRODUCTION or env_bool("STAFF_OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Performer Consent Registry")
# TOTP secrets are never shown back in the admin once a device exists.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- I18N / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (served by WhiteNoise: no CDN, no separate web server needed) -------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Development (and tests) serve app static files straight from the apps, no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "registry@localhost")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for the filebased backend

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp): only this origin's scripts, styles,
# images and forms; no inline script or style, no plugins, never framed. Pages keep their CSS
# and JS in static files; the one exception (Redoc's injected styles) is made in config/urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The TLS-terminating proxy in front of gunicorn sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Health probes come from the orchestrator over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.api.authentication.ApiKeyAuthentication",
        "registry.api.authentication.PortalSessionAuthentication",
    ],
    # Deny by default: every view names who may call it.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["registry.api.parsers.JSONParser"],  # nesting bounded
    "EXCEPTION_HANDLER": "registry.api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "registry.api.schema.RegistryAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Per API key, counted in the "throttle" cache (Redis in service mode); see registry/api/throttling.py.
    "DEFAULT_THROTTLE_CLASSES": ["registry.api.throttling.ApiKeyRateThrottle"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Performer Consent Registry API",
    "DESCRIPTION": (
        "Consent for AI uses of a performer's likeness and voice: requests, grants, checks, "
        "signed consent tokens, usage and invoices. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "registry.api.schema.complete_operations",
    ],
    # One schema name per vocabulary, however many fields use it (by its choices: value and label).
    "ENUM_NAME_OVERRIDES": {
        "UseTypeEnum": "registry.core.vocabulary.consent.UseType.choices",
        "ContentCategoryEnum": "registry.core.vocabulary.consent.ContentCategory.choices",
        "CompensationUnitEnum": "registry.core.vocabulary.consent.CompensationUnit.choices",
        "MediumEnum": "registry.core.vocabulary.consent.Medium.choices",
        "ProjectKindEnum": "registry.core.vocabulary.consent.ProjectKind.choices",
        "GrantStatusEnum": "registry.core.vocabulary.consent.GrantStatus.choices",
        "RequestStatusEnum": "registry.core.vocabulary.consent.RequestStatus.choices",
        "SignerRoleEnum": "registry.core.vocabulary.consent.SignerRole.choices",
        "UsageKindEnum": "registry.core.vocabulary.usage.UsageKind.choices",
        "UsageUnitEnum": "registry.core.vocabulary.usage.UsageUnit.choices",
        "CaseKindEnum": "registry.core.vocabulary.cases.CaseKind.choices",
        "RoleCategoryEnum": "registry.core.vocabulary.terms.RoleCategory.choices",
        "SectorEnum": "registry.core.vocabulary.terms.Sector.choices",
        "InvoiceStatusEnum": "registry.core.vocabulary.billing.InvoiceStatus.choices",
        "DocumentTypeEnum": "registry.core.vocabulary.billing.DocumentType.choices",
        "LineStatusEnum": "registry.core.vocabulary.usage.LineStatus.choices",
        "CaseStatusEnum": "registry.core.vocabulary.cases.CaseStatus.choices",
        "WebhookEventTypeEnum": "registry.core.vocabulary.webhooks.EventType.choices",
        "WebhookEndpointStatusEnum": "registry.core.vocabulary.webhooks.EndpointStatus.choices",
        "WebhookDeliveryStatusEnum": "registry.core.vocabulary.webhooks.DeliveryStatus.choices",
        "TokenStatusEnum": "registry.tokens.verifier.RESULT_STATUSES",
    },
}

# Token status lists: verifiers may cache a list for TTL seconds; it is re-signed when a token's
# status changed, and at the latest when half its lifetime has passed.
STATUS_LIST_TTL = env_int("STATUS_LIST_TTL", 300)
STATUS_LIST_LIFETIME = env_int("STATUS_LIST_LIFETIME", 86400)
STATUS_LIST_SIZE = env_int("STATUS_LIST_SIZE", 131072)
JWKS_MAX_AGE = 300
# Selective disclosure (SD-JWT): how long a presentation link made in the portal answers, and the
# oldest key binding a verifier of such a link accepts (the link is its freshness: the performer
# made the presentation for that recipient when they created it).
PRESENTATION_LINK_DAYS = env_int("PRESENTATION_LINK_DAYS", 30)

# Content credentials (C2PA): the registry's signing certificate chain (PEM, leaf first) and its
# private key (PEM), and the trust anchors a manifest's chain must end at to be believed (PEM; by
# default the last certificate of the registry's own chain). Media signing answers 503 until the
# chain and key are set; `manage.py c2pa_certificate` makes a development pair.
C2PA_CERT_CHAIN_FILE = env_str("C2PA_CERT_CHAIN_FILE", str(VAR_DIR / "c2pa" / "chain.pem"))
C2PA_PRIVATE_KEY_FILE = env_str("C2PA_PRIVATE_KEY_FILE", str(VAR_DIR / "c2pa" / "key.pem"))
C2PA_TRUST_ANCHORS_FILE = env_str("C2PA_TRUST_ANCHORS_FILE", "")

# A usage report of 10,000 lines is about 4 MB of JSON; allow that with room, and no more.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

# How long an Idempotency-Key is remembered.
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
# last_used_at on API keys is written at most this often, to keep reads write-free.
API_KEY_LAST_USED_RESOLUTION = timedelta(minutes=1)
# A key that authenticated is trusted by the process that saw it for this long without reading it
# again; revoking a key or suspending a studio reaches the other processes within it (0: never cache).
API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 5)

# --- Caches ---------------------------------------------------------------------------------
# The default cache stays per process; API throttling counts in its own alias, shared through
# Redis in service mode so every gunicorn worker and machine counts against the same limit.
THROTTLE_REDIS_URL = env_str("THROTTLE_REDIS_URL") or env_str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": THROTTLE_REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if THROTTLE_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
    # What every web process must agree on: which callers read the primary for a while after a
    # change (registry/core/replica.py). Redis in service mode; one process needs no more.
    "shared": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"}
    ),
}
# Requests per API key: "<n>/<second|minute|hour|day>". Generous by default: a studio checking
# consent before every render runs thousands of checks a minute.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "6000/min")

# --- Staff console exports ------------------------------------------------------------------
# An export reading more records than this is written to a file by a worker instead of streamed
# (a million usage lines stream for longer than gunicorn's worker timeout).
EXPORT_STREAM_MAX_ROWS = env_int("EXPORT_STREAM_MAX_ROWS", 100_000)
# Where the files go: a directory the workers write and the web processes read (the same volume
# for both in Docker, whose root is read-only). Created on first use.
EXPORT_DIR = Path(env_str("REGISTRY_EXPORT_DIR", str(VAR_DIR / "exports")))
# Files are deleted this many days after they were written (the record of the export stays).
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7)

# --- Webhooks -------------------------------------------------------------------------------
# Seconds to wait after each failed automatic attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
# 20 h, 20.5 h; the last attempt comes three days after the first.
WEBHOOK_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 73800]
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# An endpoint failing every attempt for this long is disabled and its studio's contacts emailed.
WEBHOOK_DISABLE_AFTER = timedelta(seconds=env_int("WEBHOOK_DISABLE_AFTER_SECONDS", 3 * 86400))
# Webhooks never reach private, loopback, link-local or reserved addresses, except in these
# networks (CIDR, comma-separated), e.g. a receiver on the same private network.
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS")
WEBHOOK_REQUIRE_HTTPS = env_bool("WEBHOOK_REQUIRE_HTTPS", default=PRODUCTION)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
