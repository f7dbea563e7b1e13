"""Production: secrets and hosts must come from the environment; TLS behind the reverse proxy."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# Seals only with the communes' real sealing keys, trusted only by the configured authorities.
SEAL_DEV_CA = env.bool("SEAL_DEV_CA", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
COMMUNE_CONFIG_KEYS = env.list("COMMUNE_CONFIG_KEYS")  # no default: production sets its own
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
# Every commune is a subdomain of the portal's domain, all served over TLS only.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# The reverse proxy terminates TLS and says so in X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
PORTAL_SCHEME = "https"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The login service (AGOV) has no development defaults either: its discovery URL, client and
# secret, and AGOV's claim names and acr values (OIDC_CLAIMS, OIDC_LEVEL_BY_ACR) come from the
# environment (see README "Anmeldung mit AGOV / E-ID").
OIDC = {
    **OIDC,  # noqa: F405
    "discovery_url": env("OIDC_DISCOVERY_URL"),
    "client_id": env("OIDC_RP_CLIENT_ID"),
    "client_secret": env("OIDC_RP_CLIENT_SECRET"),
}

# Registers and the creditor account have no development defaults in production: what the
# environment does not set stays empty, and the "integrations" system check stops start-up.
INTEGRATIONS = {
    **INTEGRATIONS,  # noqa: F405
    "resident_register": {
        **INTEGRATIONS["resident_register"],  # noqa: F405
        "url": env("RESIDENT_REGISTER_URL", default=""),
        "api_key": env("RESIDENT_REGISTER_API_KEY", default=""),
        "sender_id": env("RESIDENT_REGISTER_SENDER_ID", default=""),
    },
    "dog_register": {
        **INTEGRATIONS["dog_register"],  # noqa: F405
        "url": env("DOG_REGISTER_URL", default=""),
        "api_key": env("DOG_REGISTER_API_KEY", default=""),
    },
    "billing": {"qr_iban": env("QR_IBAN", default="")},
}

# Personal data at rest: no development default (README "Datenschutz").
DATA_ENCRYPTION_KEYS = env.list("DATA_ENCRYPTION_KEYS")
DATA_SEARCH_KEY = env("DATA_SEARCH_KEY")
