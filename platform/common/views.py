from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from common.health import redis_ping
from tenants.townships.selectors import township_list_for_user

_NOT_FOUND = _("Not found.")
_NOT_ALLOWED = _("You may not do this.")
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


def _error_page(request, template: str, status: int, detail: str = ""):
    """The product's own error page (its layout, the reader's language, a way back home and,
    inside a township, the township's menu). Rendering with the request runs the context
    processors; should that fail too (a 500 from a broken database, say), the page is rendered
    without them rather than not at all."""
    from django.template import loader

    template = loader.get_template(template)
    try:
        body = template.render({"error_detail": detail}, request)
    except Exception:
        body = template.render({"error_detail": detail})
    return HttpResponse(body, status=status)


def permission_denied(request, exception=None):
    """403: the API's error format under /api/, the site's page elsewhere (with the refusal's
    message when it has one)."""
    message = str(exception or "") if exception is not None else ""
    if _wants_api_error(request):
        return JsonResponse({"error": {"code": "permission_denied", "message": message or str(_NOT_ALLOWED),
                                       "fields": {}}}, status=403)
    return _error_page(request, "403.html", 403, message)


def not_found(request, exception=None):
    """404: the API's error format under /api/ (for a URL no route matches, e.g. a non-numeric id),
    the site's page elsewhere."""
    if _wants_api_error(request):
        return JsonResponse({"error": {"code": "not_found", "message": str(_NOT_FOUND), "fields": {}}}, status=404)
    return _error_page(request, "404.html", 404)


def server_error(request):
    """500: the API's error format under /api/, the site's page elsewhere."""
    if _wants_api_error(request):
        return JsonResponse({"error": {"code": "server_error", "message": str(_SERVER_ERROR), "fields": {}}},
                            status=500)
    return _error_page(request, "500.html", 500)
