"""County scoring pages (public schema): policy, template catalogues and townships' localisations.

County admins only (`access.can_manage_templates`); anyone else gets 403.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.decorators import access_required
from common.errors import DomainError, NotFound, apply_to_form
from scoring.county import forms, selectors, services
from scoring.county.models import meeting_frequencies

POLICY_SAVED = _("Scoring policy saved.")
TEMPLATE_CREATED = _("Template catalogue created.")
TEMPLATE_COPIED = _("Template copied to scoring year %(year)s.")
TEMPLATE_PUBLISHED_MESSAGE = _("Template published to the townships.")
ITEM_SAVED = _("Item saved.")
ITEM_DELETED = _("Item deleted.")


templates_manager_required = access_required(lambda access: access.can_manage_templates)


def _catalogue_or_404(pk):
    try:
        return selectors.template_catalogue_get(catalogue_id=pk)
    except NotFound:
        raise Http404 from None


@templates_manager_required
def policy_view(request):
    policy = selectors.county_policy_get()
    form = forms.CountyPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.county_policy_update(actor=request.user, **{f: form.cleaned_data[f] for f in form.fields})
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, POLICY_SAVED)
            return redirect("scoring_county:template_list")
    return render(request, "scoring_county/form.html", {"form": form, "title": _("County scoring policy")})


@templates_manager_required
def template_list_view(request):
    form = forms.TemplateCatalogueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue = services.template_catalogue_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, TEMPLATE_CREATED)
            return redirect("scoring_county:template_detail", pk=catalogue.pk)
    return render(request, "scoring_county/template_list.html", {
        "catalogues": selectors.template_catalogue_list(), "policy": selectors.county_policy_get(), "form": form,
    })


@templates_manager_required
def template_detail(request, pk):
    catalogue = _catalogue_or_404(pk)
    return render(request, "scoring_county/template_detail.html", {
        "catalogue": catalogue, "items": selectors.template_item_list(catalogue=catalogue),
        "copy_form": forms.TemplateCopyForm(initial={"year": catalogue.year + 1}),
    })


def _item_form_view(request, catalogue, item=None):
    initial = None
    if item is not None:
        initial = {name: getattr(item, name) for name in forms.TemplateItemForm.base_fields}
    form = forms.TemplateItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                services.template_item_create(actor=request.user, catalogue=catalogue, **form.cleaned_for_service())
            else:
                services.template_item_update(actor=request.user, item=item, **form.cleaned_for_service())
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, ITEM_SAVED)
            return redirect("scoring_county:template_detail", pk=catalogue.pk)
    return render(request, "scoring_county/form.html", {
        "form": form, "title": _("Edit item") if item else _("New item"), "catalogue": catalogue,
    })


@templates_manager_required
def item_create(request, pk):
    return _item_form_view(request, _catalogue_or_404(pk))


@templates_manager_required
def item_update(request, pk, item_pk):
    catalogue = _catalogue_or_404(pk)
    try:
        item = selectors.template_item_get(catalogue=catalogue, item_id=item_pk)
    except NotFound:
        raise Http404 from None
    return _item_form_view(request, catalogue, item)


@require_POST
@templates_manager_required
def item_delete(request, pk, item_pk):
    catalogue = _catalogue_or_404(pk)
    try:
        item = selectors.template_item_get(catalogue=catalogue, item_id=item_pk)
        services.template_item_delete(actor=request.user, item=item)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ITEM_DELETED)
    return redirect("scoring_county:template_detail", pk=catalogue.pk)


@require_POST
@templates_manager_required
def template_copy(request, pk):
    catalogue = _catalogue_or_404(pk)
    form = forms.TemplateCopyForm(request.POST)
    if form.is_valid():
        try:
            new = services.template_catalogue_copy(actor=request.user, source=catalogue, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, TEMPLATE_COPIED % {"year": new.year})
            return redirect("scoring_county:template_detail", pk=new.pk)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("scoring_county:template_detail", pk=catalogue.pk)


@require_POST
@templates_manager_required
def template_publish(request, pk):
    catalogue = _catalogue_or_404(pk)
    try:
        services.template_catalogue_publish(actor=request.user, catalogue=catalogue)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, TEMPLATE_PUBLISHED_MESSAGE)
    return redirect("scoring_county:template_detail", pk=catalogue.pk)


@templates_manager_required
def template_localisations(request, pk):
    catalogue = _catalogue_or_404(pk)
    return render(request, "scoring_county/localisations.html", {
        "catalogue": catalogue, "rows": selectors.template_localisations(catalogue=catalogue),
    })


# --- the county's scoring dashboard -----------------------------------------------------------------
county_admin_required = access_required(lambda access: access.is_county_admin)

DASHBOARD_HEADERS = [_("Township"), _("Active members"), _("Members with points"), _("Average points"),
                     _("Median"), _("Lowest"), _("Highest"), _("Entries in review"), _("Late entries waiting"),
                     _("Open objections"), _("Months sealed"), _("Last sealed month"), _("Latest notice")]


def _dashboard_row(f) -> list:
    if f.unavailable:
        return [f.name, str(_("Figures unavailable: the township's data could not be read."))]
    return [f.name, f.members, f.scored, f.avg_points, f.median, f.min_points, f.max_points, f.in_review,
            f.late_waiting, f.objections_open, f.sealed_months, f.last_sealed, f.notice]


@county_admin_required
def dashboard_view(request):
    """Points, reviews, seals and notices of every township, as charts, a table and Excel."""
    from common.excel import ExportWorkbook
    from common.tables import page_of, search_term
    from scoring.county.dashboard import county_dashboard

    year = request.GET.get("year", "")
    board = county_dashboard(year=int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None)
    if request.GET.get("format") == "xlsx":
        book = ExportWorkbook().sheet(str(_("Townships")), [str(h) for h in DASHBOARD_HEADERS])
        for figure in board.townships:
            book.append(_dashboard_row(figure))
        book.sheet(str(_("By month")), [str(_("Month")), str(_("Entries")), str(_("Review decisions"))])
        for month, entries, reviews in zip(board.months, board.entries_by_month, board.reviews_by_month, strict=True):
            book.append([month, entries, reviews])
        response = HttpResponse(book.to_bytes(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="county-dashboard-{board.year}.xlsx"'
        return response
    names = [f.name for f in board.townships]
    charts = {
        "points": {"labels": names, "datasets": [
            {"label": str(_("Average points")), "data": [float(f.avg_points or 0) for f in board.townships]},
            {"label": str(_("Median")), "data": [float(f.median or 0) for f in board.townships]}]},
        "months": {"labels": board.months, "datasets": [
            {"label": str(_("Entries")), "data": board.entries_by_month},
            {"label": str(_("Review decisions")), "data": board.reviews_by_month}]},
        "backlog": {"labels": names, "datasets": [
            {"label": str(_("Entries in review")), "data": [f.in_review for f in board.townships]},
            {"label": str(_("Late entries waiting")), "data": [f.late_waiting for f in board.townships]},
            {"label": str(_("Open objections")), "data": [f.objections_open for f in board.townships]}]},
    }
    month_rows = list(zip(board.months, board.entries_by_month, board.reviews_by_month, strict=True))
    # The table is paged and searched (a province has hundreds of townships); charts, cards and
    # Excel keep every township.
    q = search_term(request.GET)
    rows = [f for f in board.townships if q.casefold() in f.name.casefold() or q.casefold() in f.code] if q \
        else board.townships
    return render(request, "scoring_county/dashboard.html", {
        "board": board, "charts": charts, "headers": DASHBOARD_HEADERS, "month_rows": month_rows,
        "q": q, "page_obj": page_of(request, rows)})


@templates_manager_required
def meeting_frequencies_view(request):
    """How often the county requires each kind of branch meeting (shown per branch as done/due/overdue)."""
    form = forms.MeetingFrequencyForm(request.POST or None, initial=meeting_frequencies())
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_frequencies_set(actor=request.user, frequencies=form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, POLICY_SAVED)
            return redirect("scoring_county:meeting_frequencies")
    return render(request, "scoring_county/form.html", {"form": form, "title": _("Required meeting frequencies")})
