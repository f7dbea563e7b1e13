from django.conf import settings


def commune(request) -> dict:
    """The commune of the host (None on the public host) and the portal's public address."""
    port = "" if settings.PORTAL_PORT in ("80", "443") else f":{settings.PORTAL_PORT}"
    return {
        "commune": getattr(request, "commune", None),
        "portal_url": f"{settings.PORTAL_SCHEME}://{settings.PORTAL_DOMAIN}{port}/",
    }
