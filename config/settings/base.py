"""Settings shared by every environment; everything configurable through the environment."""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

from config.broker import JOB_MIDDLEWARE, broker_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# The portal's own domain: the public (cantonal) host; communes live on <slug>.<PORTAL_DOMAIN>.
PORTAL_DOMAIN = env("PORTAL_DOMAIN", default="localhost")
PORTAL_SCHEME = env("PORTAL_SCHEME", default="http")
PORTAL_PORT = env("PORT", default="8000")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[PORTAL_DOMAIN, f".{PORTAL_DOMAIN}"])

# --- Applications -------------------------------------------------------------------------------
DJANGO_SHARED = [
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.postgres",
]
THIRD_PARTY_SHARED = [
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_dramatiq",
    "guardian",
    "axes",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
]
# Public schema: communes, cantonal catalogue, Fünfliber ledger, cantonal staff.
SHARED_APPS = [
    *DJANGO_SHARED,
    *THIRD_PARTY_SHARED,
    "accounts",
    "tenants",
    "integrations",
    "catalog",
    "billing",
]
# Each commune schema: its users, permissions, sessions and cases.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "accounts",
    "catalog.offers",
    "cases",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Commune"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_commune"
TENANT_LIMIT_SET_CALLS = True
# The migrated schema every new commune is cloned from (tenants.schema_clone).
TENANT_TEMPLATE_SCHEMA = env("TENANT_TEMPLATE_SCHEMA", default="commune_template")
# How long one web process trusts its host → commune cache before looking again.
TENANT_CACHE_SECONDS = env.int("TENANT_CACHE_SECONDS", default=60)
# The public Fünfliber report (pages, downloads, API) is computed at most this often per year,
# kind and language (billing.selectors.kept); 0 computes it on every request.
PROGRAMME_REPORT_CACHE_SECONDS = env.int("PROGRAMME_REPORT_CACHE_SECONDS", default=60)

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "config.api_input.RequestSizeMiddleware",
    "tenants.middleware.CommuneMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.GermanFirstLocaleMiddleware",
    "config.api_input.InputSanityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LoginContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.second_factor.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.security.PortalCSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.commune",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/einwohnerportal"
    )
}
# django-tenants' backend; the SET search_path travels with the next statement (tenants/db_backend).
DATABASES["default"]["ENGINE"] = "tenants.db_backend"
# Bounded connection lifetime: each schema a backend touches keeps catalog cache in PostgreSQL.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=300)
# A web connection serves at most this many commune schemas, then reconnects: bounds the
# PostgreSQL catalog cache of each backend (tenants/catalog_budget.py, docs/scaling.md).
DB_SCHEMAS_PER_CONNECTION = env.int("DB_SCHEMAS_PER_CONNECTION", default=100)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: tenant-aware keys by default, a separate alias for public data -----------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    _cache_backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
else:
    _cache_backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {
    "default": {**_cache_backend, "KEY_FUNCTION": "django_tenants.cache.make_key"},
    "public": {
        **_cache_backend,
        "KEY_PREFIX": "public",
        "LOCATION": _cache_backend.get("LOCATION", "public"),
    },
}

# --- Auth ---------------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_ANONYMOUS_USER_NAME = None
ANONYMOUS_USER_NAME = None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# Clerks and commune administrators land in the back office after logging in.
BACKOFFICE_HOME_URL = "/backoffice/"
LOGOUT_REDIRECT_URL = "/"

# --- Login through the identity provider (AGOV / e-ID over OpenID Connect) ----------------------
# Everything provider-specific is configuration: the discovery URL, the client, the scopes, the
# claim names and how the provider's ``acr`` values map onto the portal's quality levels
# (accounts.levels). Development and tests use the reference provider
# (python -m integrations.reference.serve --register identity, port 8103).
OIDC = {
    "name": env("OIDC_PROVIDER_NAME", default="AGOV (Referenz-Login-Dienst)"),
    "discovery_url": env(
        "OIDC_DISCOVERY_URL", default="http://127.0.0.1:8103/.well-known/openid-configuration"
    ),
    "client_id": env("OIDC_RP_CLIENT_ID", default="einwohnerportal"),
    "client_secret": env("OIDC_RP_CLIENT_SECRET", default="dev-oidc-secret"),
    "scopes": env("OIDC_SCOPES", default="openid profile email ahv"),
    # Our name → the provider's claim name.
    "claims": env.json(
        "OIDC_CLAIMS",
        default={
            "first_name": "given_name",
            "last_name": "family_name",
            "date_of_birth": "birthdate",
            "ahv_number": "ahvn13",
            "email": "email",
            "email_verified": "email_verified",
        },
    ),
    # The provider's acr → our level; the first acr of a level is what a step-up asks for.
    "level_by_acr": env.json(
        "OIDC_LEVEL_BY_ACR",
        default={
            "urn:reference-idp:qoa:email": "email",
            "urn:reference-idp:qoa:verified": "verified",
            "urn:reference-idp:qoa:eid": "eid",
        },
    ),
    "timeout": env.float("OIDC_TIMEOUT", default=5.0),
    # Seconds of clock skew accepted on exp/iat of the ID token.
    "leeway": env.int("OIDC_LEEWAY", default=30),
}

# Called with ``user=`` when an e-mail account is linked to a provider identity (dotted paths:
# apps above accounts catch up, e.g. the cross-commune case index).
ACCOUNT_LINKED_HOOKS = ["cases.services.index.case_index_backfill_for_user"]

# Staff second factor (django-otp): the issuer shown in authenticator apps; failures until the
# code page says the factor is locked (django-otp also slows every further try down).
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Einwohnerportal Luzern")
SECOND_FACTOR_MAX_FAILURES = env.int("SECOND_FACTOR_MAX_FAILURES", default=5)
# Passkeys (WebAuthn, django-otp-webauthn) as the other second factor: bound to the host they
# were registered on (each commune its own relying party), never a login without password.
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.second_factor.webauthn_rp_id"
OTP_WEBAUTHN_RP_NAME = env("OTP_WEBAUTHN_RP_NAME", default="Einwohnerportal Luzern")
OTP_WEBAUTHN_HELPER_CLASS = "accounts.second_factor.PortalWebAuthnHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# The helper checks each request's own origin; this list only satisfies the package's check.
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"{PORTAL_SCHEME}://{PORTAL_DOMAIN}"]

# API tokens expire (hours): staff tokens soon, residents' after a month.
API_TOKEN_HOURS_STAFF = env.int("API_TOKEN_HOURS_STAFF", default=8)
API_TOKEN_HOURS_RESIDENT = env.int("API_TOKEN_HOURS_RESIDENT", default=24 * 30)

# Login throttling (django-axes): per e-mail and address, in the schema of the host.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Days the axes records (attempts, failures, logins with their IP addresses) are kept; the
# retention job deletes older ones (accounts.lockout.login_records_expire).
AXES_RETENTION_DAYS = env.int("AXES_RETENTION_DAYS", default=30)
# Hours a built "Meine Daten" export can be downloaded (tenants.data_exports), then deleted.
PERSONAL_DATA_EXPORT_HOURS = env.int("PERSONAL_DATA_EXPORT_HOURS", default=24)
# Per account, across all addresses (accounts.lockout): after this many failures within the
# cool-off every further attempt waits 1, 2, 4 … s (at most the maximum) after the last one;
# browsers that logged into the account before (device cookie) are not slowed down.
LOGIN_SLOWDOWN_AFTER = env.int("LOGIN_SLOWDOWN_AFTER", default=10)
LOGIN_SLOWDOWN_MAX_SECONDS = env.int("LOGIN_SLOWDOWN_MAX_SECONDS", default=60)
LOGIN_DEVICE_COOKIE_DAYS = env.int("LOGIN_DEVICE_COOKIE_DAYS", default=180)
# The client address of every throttle (axes, API, mail counters): accounts.throttle.client_ip.
# REMOTE_ADDR unless the portal runs behind reverse proxies of its own that set this header
# (e.g. HTTP_X_REAL_IP, or HTTP_X_FORWARDED_FOR with TRUSTED_PROXY_COUNT proxies appending to
# it). A header sent by the client itself is never believed by default.
TRUSTED_PROXY_HEADER = env("TRUSTED_PROXY_HEADER", default="")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"

# Session and CSRF cookies are host-only: a commune's cookie is never sent to another host.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
# The language choice is the only cookie shared by the public host and every commune host
# (<slug>.<PORTAL_DOMAIN>): English chosen on one is English on all (issue 15).
# Browsers refuse a cookie for a domain without a dot ("localhost"): there it stays per host.
LANGUAGE_COOKIE_DOMAIN = PORTAL_DOMAIN if "." in PORTAL_DOMAIN else None
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): nothing inline without the request's nonce, nothing from
# other origins (config.security adds the identity provider as a form target).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Permissions-Policy (django-permissions-policy): no camera, microphone, location, payment or
# sensors for anyone; passkeys (WebAuthn) for the portal itself.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}

# Request bodies: refused from their Content-Length above this (MB), before they are read; the
# reverse proxy in front should have the same limit (nginx: client_max_body_size).
REQUEST_BODY_MAX_MB = env.float("REQUEST_BODY_MAX_MB", default=50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # form fields without files: 2.5 MB (Django's default)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- I18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "de-ch"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Zurich"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.PortalAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.PortalTokenAuthentication",
        "accounts.authentication.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": [
        "config.api_input.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": env("LOGIN_THROTTLE_RATE", default="10/min")},
    # Any throttle that does not use accounts.throttle.client_ip ignores X-Forwarded-For.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Einwohnerportal Luzern API",
    "DESCRIPTION": "Communes, service catalogue, cases and the Digitalisierungsfünfliber.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.CaseStatus",
        "StepStatusEnum": "cases.models.StepStatus",
    },
}

# --- Jobs ---------------------------------------------------------------------------------------
BROKER_URL = env("BROKER_URL", default="")
DRAMATIQ_BROKER = broker_settings(BROKER_URL, DATABASES["default"])
DRAMATIQ_AUTODISCOVER_MODULES = ["actors"]
# Tests use the stub broker without DbConnectionsMiddleware (it would close the test's connection).
# Nor the heartbeat: its thread would commit rows beside the test's transaction.
JOB_MIDDLEWARE_FOR_TESTS = [
    m
    for m in JOB_MIDDLEWARE
    if "DbConnections" not in m and "Heartbeat" not in m and "OutboxRelay" not in m
]
# Seconds between two ticks of the public scheduler (tenants.scheduler).
SCHEDULER_TICK_SECONDS = env.int("SCHEDULER_TICK_SECONDS", default=20)

# --- Integrations: adapters (integrations/adapters/) and their endpoints per environment ---------
# Each adapter class registers under a key (the catalogue's StepDefinition.adapter_key); the
# system check "integrations" fails start-up when a listed adapter lacks its configuration.
INTEGRATION_ADAPTERS = [
    "integrations.adapters.resident_register.adapters.IdentifyAdapter",
    "integrations.adapters.resident_register.adapters.ResidenceAdapter",
    "integrations.adapters.resident_register.adapters.MoveInAdapter",
    "integrations.adapters.resident_register.adapters.MoveOutAdapter",
    "integrations.adapters.resident_register.adapters.AddressChangeAdapter",
    "integrations.adapters.dog_register.adapters.DogRegisterAdapter",
    "integrations.adapters.qr_invoice.adapters.QrInvoiceAdapter",
    "integrations.adapters.qr_invoice.adapters.InvoicePdfAdapter",
    "integrations.adapters.payment.adapters.PaymentInitAdapter",
    "integrations.adapters.payment.adapters.PaymentStatusAdapter",
    "integrations.adapters.payment.adapters.PaymentRefundAdapter",
    "integrations.adapters.documents.adapters.ResidenceCertificateAdapter",
    "integrations.adapters.documents.seal.SealAdapter",
    "integrations.adapters.documents.seal.SealCheckAdapter",
    "integrations.adapters.documents.personal_data.PersonalDataAdapter",
]
INTEGRATIONS = {
    "resident_register": {
        "url": env("RESIDENT_REGISTER_URL", default="http://127.0.0.1:8101"),
        "api_key": env("RESIDENT_REGISTER_API_KEY", default="dev-resident-register-key"),
        # Our eCH-0058 participant id (sedex-like) as sender of eCH-0020 messages.
        "sender_id": env("RESIDENT_REGISTER_SENDER_ID", default="3-LU-1"),
        "timeout": env.float("RESIDENT_REGISTER_TIMEOUT", default=5.0),
    },
    "dog_register": {
        "url": env("DOG_REGISTER_URL", default="http://127.0.0.1:8102"),
        "api_key": env("DOG_REGISTER_API_KEY", default="dev-dog-register-key"),
        "timeout": env.float("DOG_REGISTER_TIMEOUT", default=5.0),
    },
    # Creditor account of the fee invoices (QR-bill); default: the SIX example QR-IBAN.
    "billing": {"qr_iban": env("QR_IBAN", default="CH4431999123000889012")},
    # The commune's sealing key and certificate (PEM) for the electronic seal on documents
    # (integrations/adapters/documents/seal.py); empty: the test authority below, if allowed.
    "sealing": {},
    # Online payment (Datatrans-like); development: the reference provider on port 8104.
    "payment": {
        "url": env("PAYMENT_URL", default="http://127.0.0.1:8104"),
        # Where residents' browsers go (the hosted payment page); default: url.
        "pay_url": env("PAYMENT_PAY_URL", default=""),
        "api_key": env("PAYMENT_API_KEY", default="dev-payment-key"),
        # Hex-encoded HMAC-SHA256 key of the notifications (Datatrans: "Sign key").
        "hmac_key": env("PAYMENT_HMAC_KEY", default="6465762d7061796d656e742d686d61632d6b6579"),
        "currency": "CHF",
        "timeout": env.float("PAYMENT_TIMEOUT", default=5.0),
    },
}
# Electronic seals: trusted sealing authorities (PEM files) for the public seal check, and the
# local test authority that issues each commune a test sealing certificate when none is
# configured (development and tests only; production.py turns it off).
SEAL_TRUST_ROOTS = env.list("SEAL_TRUST_ROOTS", default=[])
SEAL_DEV_CA = env.bool("SEAL_DEV_CA", default=True)
SEAL_DEV_DIR = env("SEAL_DEV_DIR", default=str(BASE_DIR / "var" / "seal"))

# Keys (Fernet, url-safe base64, 32 bytes) that encrypt the secrets of the per-commune
# configuration (tenants.CommuneConfig): the first encrypts, all decrypt (rotation: README
# "Konfiguration pro Gemeinde"). The default is for development only; production sets its own.
COMMUNE_CONFIG_KEYS = env.list(
    "COMMUNE_CONFIG_KEYS", default=["ZGV2LW9ubHktY29tbXVuZS1jb25maWcta2V5LTMyYiE="]
)

# Where automated steps take the applicant's identity from (a function user -> dict, see
# cases/services/identity.py); the residents' profile by default.
CASES_APPLICANT_PROFILE = env("CASES_APPLICANT_PROFILE", default="accounts.selectors.profile_for")

# Fee invoices also as printable A4 PDF with the payment part (≈ 0.16 s per invoice); off: the
# QR payment part (SVG) only.
CASES_INVOICE_PDF = env.bool("CASES_INVOICE_PDF", default=True)

# --- Logging: JSON lines that carry the commune -------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"commune": {"()": "tenants.logging.CommuneFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(commune)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["commune"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One INFO line per outbound request / PDF rendering step is noise in the workers.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pika logs every connection at INFO (each scheduler tick).
        "pika": {"level": "WARNING"},
    },
}

DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Einwohnerportal Luzern <noreply@portal.lu.ch>"
)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

# Personal data at rest (tenants.crypto): Fernet keys, the first encrypts, all decrypt (rotation:
# put the new key first, run `manage.py rotate_data_keys`, then drop the old one); the HMAC key
# of the keyed hash that finds AHV numbers. The defaults are for development only: production
# reads both from the environment (config/settings/production.py).
DATA_ENCRYPTION_KEYS = env.list(
    "DATA_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktaW5zZWN1cmUtZGF0YS1rZXktMDAwMCE="]
)
DATA_SEARCH_KEY = env("DATA_SEARCH_KEY", default="dev-only-insecure-search-key")
