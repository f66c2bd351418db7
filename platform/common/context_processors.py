from django.conf import settings
from django.urls import NoReverseMatch, reverse


def public_url(name: str, *args) -> str:
    """A county-level URL, usable from township pages (whose URL conf lacks these names)."""
    try:
        return reverse(name, urlconf=settings.PUBLIC_SCHEMA_URLCONF, args=args)
    except NoReverseMatch:
        return "/"


def navigation(request):
    tenant = getattr(request, "tenant", None)
    township = tenant if tenant is not None and not tenant.is_county else None
    return {
        "township": township,
        "access": getattr(request, "access", None),
        "home_url": public_url("home"),
        "login_url": public_url("accounts:login"),
        "logout_url": public_url("accounts:logout"),
        "password_url": public_url("accounts:password_change"),
        "set_language_url": public_url("set_language"),
        "LANGUAGES": settings.LANGUAGES,
    }
