from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from common.health import redis_ping
from tenants.townships.selectors import township_list_for_user

_NOT_FOUND = _("Not found.")
_SERVER_ERROR = _("Something went wrong on our side; it has been logged. Please try again later.")


@login_required
def home(request):
    """County entry page: county admins go to the county dashboard; others pick a township."""
    if request.access.is_county_admin:
        return redirect("townships:dashboard")
    townships = list(township_list_for_user(user=request.user))
    if len(townships) == 1:
        return redirect(townships[0].url_prefix())
    return render(request, "common/home.html", {"townships": townships})


@never_cache
def health(request):
    """Liveness and readiness: reports whether PostgreSQL and Redis answer. 503 if either does not."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    checks["redis"] = redis_ping()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _wants_api_error(request) -> bool:
    return "/api/" in request.path


def not_found(request, exception=None):
    """404: the API's error format under /api/ (for a URL no route matches, e.g. a non-numeric id),
    the site's page elsewhere."""
    from django.views.defaults import page_not_found

    if _wants_api_error(request):
        return JsonResponse({"error": {"code": "not_found", "message": str(_NOT_FOUND), "fields": {}}}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    """500: the API's error format under /api/, the site's page elsewhere."""
    from django.views.defaults import server_error as page_server_error

    if _wants_api_error(request):
        return JsonResponse({"error": {"code": "server_error", "message": str(_SERVER_ERROR), "fields": {}}},
                            status=500)
    return page_server_error(request)
