"""Notification pages (public URLs): the inbox, preferences, failed deliveries and their retry
(township office of that township, or county admin), and delivery health (county admins)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.errors import DomainError, NotFound, apply_to_form
from notifications import selectors, services
from notifications.forms import CHANNEL_CHOICES, FailedFilterForm, InboxFilterForm, PreferenceForm
from tenants.townships.selectors import township_list

PAGE_SIZE = 30
MARKED_ALL_READ = _("All notifications marked as read.")
PREFERENCES_SAVED = _("Notification preferences saved.")
DELIVERY_REQUEUED = _("The delivery has been queued again.")


def _back(request, default: str):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
def inbox(request):
    form = InboxFilterForm(request.GET, townships=selectors.inbox_townships(user=request.user))
    items = selectors.inbox_list(user=request.user, filters=request.GET)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_messages(page.object_list, language=request.LANGUAGE_CODE, recipient=request.user)
    return render(request, "notifications/inbox.html", {
        "form": form, "page_obj": page, "unread": selectors.inbox_unread_count(user=request.user),
    })


@login_required
@require_POST
def mark_read(request, pk: int):
    try:
        services.inbox_mark_read(user=request.user, delivery_id=pk)
    except NotFound:
        raise Http404 from None
    return _back(request, "notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.inbox_mark_all_read(user=request.user)
    messages.success(request, MARKED_ALL_READ)
    return _back(request, "notifications:inbox")


@login_required
def preferences(request):
    preference = selectors.preference_get(user=request.user)
    form = PreferenceForm(request.POST or None, preference=preference)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(
                actor=request.user, user=request.user, channels=form.channels(),
                quiet_hours=form.cleaned_data["quiet_hours"], quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"], daily_digest=form.cleaned_data["daily_digest"],
            )
        except DomainError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, PREFERENCES_SAVED)
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "channel_choices": CHANNEL_CHOICES})


def _office_or_403(request) -> set[int] | None:
    allowed = selectors.office_township_ids(user=request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied
    return allowed


@login_required
def failed_deliveries(request):
    allowed = _office_or_403(request)
    townships = township_list() if allowed is None else township_list().filter(pk__in=allowed)
    form = FailedFilterForm(request.GET, townships=townships)
    items = selectors.failed_delivery_list(user=request.user, filters=request.GET)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_messages(page.object_list, language=request.LANGUAGE_CODE)
    return render(request, "notifications/failed.html", {"form": form, "page_obj": page})


@login_required
@require_POST
def retry_delivery(request, pk: int):
    _office_or_403(request)
    try:
        services.delivery_retry(actor=request.user, delivery_id=pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, DELIVERY_REQUEUED)
    return _back(request, "notifications:failed")


@login_required
def health(request):
    if not selectors.is_county_admin(request.user):
        raise PermissionDenied
    return render(request, "notifications/health.html", {"rows": selectors.delivery_health()})
