"""County pages (public schema): the dashboard of all townships, creating, retrying and archiving.

Every view is for county admins only (403 for anyone else, whatever roles they hold in townships).
Provisioning runs in a Celery task after commit; pages showing a township that is still
provisioning poll themselves with htmx until it is ready or failed.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.decorators import access_required
from common.errors import DomainError, apply_to_form
from tenants.townships import forms, services
from tenants.townships.forms import TownshipCreateForm
from tenants.townships.models import Township
from tenants.townships.selectors import township_headline_for, township_list, township_rollup

TOWNSHIP_CREATED = _("Township %(name)s created; its database is being prepared.")
TOWNSHIP_RETRYING = _("Provisioning of %(name)s started again.")
TOWNSHIP_ARCHIVED_MESSAGE = _("Township %(name)s archived.")
TOWNSHIP_RESTORED_MESSAGE = _("Township %(name)s restored.")

# How often a page showing a provisioning township asks for news.
POLL_EVERY = "3s"


county_admin_required = access_required(lambda access: access.is_county_admin)


def _township_or_404(pk) -> Township:
    try:
        return township_list().get(pk=pk)
    except Township.DoesNotExist:
        raise Http404 from None


def _dashboard_context(request, form):
    rows, totals = township_rollup(access=request.access)
    return {"rows": rows, "totals": totals, "form": form, "poll_every": POLL_EVERY}


@county_admin_required
def dashboard(request):
    return render(request, "townships/dashboard.html", _dashboard_context(request, TownshipCreateForm()))


@county_admin_required
def township_create_view(request):
    form = TownshipCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            township = services.township_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, TOWNSHIP_CREATED % {"name": township.name})
            return redirect("townships:dashboard")
    return render(request, "townships/create.html", {"form": form})


@county_admin_required
def township_detail(request, pk):
    township = _township_or_404(pk)
    return render(request, "townships/detail.html", {
        "t": township,
        "headline": township_headline_for(access=request.access, township=township),
        "poll_every": POLL_EVERY,
    })


@county_admin_required
def township_row(request, pk):
    """One dashboard row (htmx polling target); it stops polling once provisioning has ended."""
    township = _township_or_404(pk)
    return render(request, "townships/_row.html", {
        "t": township,
        "headline": township_headline_for(access=request.access, township=township),
        "poll_every": POLL_EVERY,
    })


@county_admin_required
@require_POST
def township_retry(request, pk):
    township = _township_or_404(pk)
    try:
        services.township_retry_provisioning(actor=request.user, township=township)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, TOWNSHIP_RETRYING % {"name": township.name})
    return redirect("townships:detail", pk=township.pk)


@county_admin_required
def township_archive_view(request, pk):
    """GET asks for the reason and the code typed out; POST archives."""
    township = _township_or_404(pk)
    form = forms.TownshipArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.township_archive(actor=request.user, township=township, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, TOWNSHIP_ARCHIVED_MESSAGE % {"name": township.name})
            return redirect("townships:detail", pk=township.pk)
    return render(request, "townships/archive_confirm.html", {"t": township, "form": form},
                  status=400 if request.method == "POST" else 200)


@county_admin_required
def township_restore_view(request, pk):
    """GET asks for the reason; POST restores an archived township."""
    township = _township_or_404(pk)
    form = forms.TownshipRestoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.township_restore(actor=request.user, township=township, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, TOWNSHIP_RESTORED_MESSAGE % {"name": township.name})
            return redirect("townships:detail", pk=township.pk)
    return render(request, "townships/restore_confirm.html", {"t": township, "form": form},
                  status=400 if request.method == "POST" else 200)
