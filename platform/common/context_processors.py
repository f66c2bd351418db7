from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import get_language


@lru_cache(maxsize=512)
def _public_url(urlconf: str, name: str, args: tuple, script_prefix: str, language: str | None) -> str:
    # `script_prefix` and `language` are not passed on: they are what `reverse` reads from the
    # request's thread, and part of the key so a URL is never served under another one.
    try:
        return reverse(name, urlconf=urlconf, args=args)
    except NoReverseMatch:
        return "/"


def public_url(name: str, *args) -> str:
    """A county-level URL, usable from township pages (whose URL conf lacks these names).

    Every page asks for the same few (home, log out, change password, language), so each is
    reversed once per process, script prefix and language rather than on every request; the
    public URL configuration does not change while the process runs."""
    return _public_url(settings.PUBLIC_SCHEMA_URLCONF, name, args, get_script_prefix(), get_language())


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
