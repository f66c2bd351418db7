"""Pages of the scoring periods: month closes and summaries, rankings, quarterly notices (with an
A4 print page) and objections, democratic appraisal and annual rating.

Every view needs a role in the township (403) and reads through the scoped selectors: a branch
secretary sees their branch, a clerk their villages, the township office everything, a member
only their own row. Writes need `access.runs_scoring` (township office), except objections
(the member or their branch secretary) and appraisals (also the branch secretary).
"""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from common import clock
from common.decorators import township_access_required, township_required
from common.errors import DomainError, apply_to_form
from common.tables import export_bound, export_refused, page_of, search_term, wants_xlsx, xlsx_download
from scoring.choices import Rating
from scoring.periods import exports, forms, selectors, services
from scoring.periods.calendar import last_ended_month, local_today
from scoring.periods.models import Appraisal, MonthClose, Objection, Publication, RatingOutcome
from tenants.organisation.selectors import branch_scope, member_scope

MONTH_CLOSED = _("Month %(month)s closed and sealed.")
PUBLICATION_OPENED = _("Notice %(publication)s is open for objections.")
OBJECTION_RAISED = _("Objection recorded; the township office will answer by %(due)s.")
OBJECTION_ANSWERED = _("Objection answered.")
APPRAISALS_SAVED = _("%(count)s appraisal result(s) recorded.")
APPRAISAL_CORRECTED = _("Appraisal corrected.")
RATINGS_DONE = _("%(count)s members rated.")


scoring_office_required = township_access_required(lambda access: access.runs_scoring)


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _error(request, error: DomainError):
    messages.error(request, str(error.message))


def _branch_param(request) -> int | None:
    """The `branch` filter; a branch outside the asker's scope is a 404."""
    branch_id = _int(request.GET.get("branch"))
    if branch_id is not None and not branch_scope(request.access).filter(pk=branch_id).exists():
        raise Http404
    return branch_id


def _branch_choices(access):
    return branch_scope(access).order_by("name") if access.sees_branches else []


# --- overview and monthly close -------------------------------------------------------------------
@township_required
def periods_home(request):
    today = local_today()
    year, month = last_ended_month(today)
    return render(request, "periods/home.html", {
        "closes": selectors.month_close_list()[:24],
        "publications": selectors.publication_list()[:12],
        "close_form": forms.MonthCloseForm(initial={"year": year, "month": month}),
        "publish_form": forms.PublicationOpenForm(initial={"year": year, "quarter": (month - 1) // 3 + 1}),
        "rating_form": forms.RatingRunForm(initial={"scoring_year": today.year}),
        "this_year": today.year,
        "branches": branch_scope(request.access).order_by("name") if request.access.sees_branches else [],
        "open_objections": selectors.objections_open(access=request.access) if request.access.runs_scoring else [],
        "now": clock.now(),
    })


@require_POST
@scoring_office_required
def month_close_view(request):
    form = forms.MonthCloseForm(request.POST)
    if form.is_valid():
        try:
            close = services.month_close(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _error(request, error)
        else:
            messages.success(request, MONTH_CLOSED % {"month": str(close)})
            return redirect("scoring_periods:month_detail", year=close.year, month=close.month)
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("scoring_periods:home")


@township_required
def month_detail(request, year, month):
    try:
        close = selectors.month_close_get(year=year, month=month)
    except MonthClose.DoesNotExist:
        raise Http404 from None
    access = request.access
    query, branch_id = search_term(request.GET), _branch_param(request)
    scores = selectors.month_member_scores(access=access, close=close, query=query, branch_id=branch_id)
    totals = selectors.month_branch_totals(access=access, close=close)
    if branch_id is not None:
        totals = totals.filter(branch_id=branch_id)
    if wants_xlsx(request):
        try:
            export_bound(scores.count())
        except DomainError as error:
            return export_refused(request, error)
        return xlsx_download(exports.month_filename(close), *exports.month_sheets(scores=scores, totals=totals))
    page_obj = page_of(request, scores)
    return render(request, "periods/month_detail.html", {
        "close": close, "scores": page_obj.object_list, "page_obj": page_obj, "totals": totals,
        "q": query, "branch_id": branch_id, "branches": _branch_choices(access),
    })


# --- rankings -------------------------------------------------------------------------------------
RANKING_PAGE_SIZE = 50


@township_required
def ranking_view(request):
    access = request.access
    years = selectors.ranking_years() or [local_today().year]
    year = _int(request.GET.get("year"), years[0])
    branch_id = _branch_param(request)
    query = search_term(request.GET)
    # Ranks stay township-wide: the branch and the search only pick the rows to show. The page
    # ranks in the database and fetches only its own rows; the Excel file reads them all once.
    rows = selectors.RankingPageSource(access=access, scoring_year=year, branch_id=branch_id, name=query)
    if wants_xlsx(request):
        try:
            export_bound(len(rows))
        except DomainError as error:
            return export_refused(request, error)
        return xlsx_download(f"ranking-{year}.xlsx", exports.ranking_sheet(year=year, rows=rows[:]))
    page_obj = page_of(request, rows, per_page=RANKING_PAGE_SIZE)
    return render(request, "periods/ranking.html", {
        "rows": page_obj.object_list, "page_obj": page_obj, "q": query, "year": year, "years": years,
        "branches": _branch_choices(access), "branch_id": branch_id,
    })


# --- publications and objections ------------------------------------------------------------------
def _publication_or_404(pk) -> Publication:
    try:
        return selectors.publication_get(pk=pk)
    except Publication.DoesNotExist:
        raise Http404 from None


def _publication_context(request, publication: Publication, *, branch_id: int | None = None,
                         query: str = "") -> dict:
    """The notice as the asker may see it; the detail page narrows it by branch and name, the A4
    print page and the PDF always show every row in scope."""
    zone = request.tenant.time_zone_info()
    return {
        "publication": publication,
        "title": services.publication_title(township_name=publication.data.get("township", request.tenant.name),
                                            year=publication.year, quarter=publication.quarter),
        "branches": selectors.publication_branches(access=request.access, publication=publication,
                                                   branch_id=branch_id, query=query),
        "opened_on": clock.today(at=publication.opened_at, zone=zone),
        "closes_on": clock.today(at=publication.objections_close_at, zone=zone),
        "window_open": publication.status == Publication.Status.OPEN
        and clock.now() <= publication.objections_close_at,
    }


def _objectable_members(request, publication: Publication) -> list[dict]:
    """Rows of the notice the asker may object about: their own, or their branch's (secretary)."""
    access = request.access
    mine = []
    secretary_branches = set(branch_scope(access).values_list("pk", flat=True)) \
        if access.has_role(Role.BRANCH_SECRETARY) else set()
    for branch in publication.data.get("branches", []):
        for member in branch["members"]:
            if member["id"] == access.member_id or branch["id"] in secretary_branches:
                mine.append(member)
    return mine


@township_required
def publication_list_view(request):
    page_obj = page_of(request, selectors.publication_list())
    return render(request, "periods/publication_list.html", {"publications": page_obj.object_list,
                                                             "page_obj": page_obj})


def _notice_branch_param(request, publication: Publication) -> int | None:
    """The notice's `branch` filter: a branch of the notice the asker may see, else a 404."""
    branch_id = _int(request.GET.get("branch"))
    if branch_id is not None and branch_id not in {
            b["id"] for b in selectors.publication_branches(access=request.access, publication=publication)}:
        raise Http404
    return branch_id


@township_required
def publication_detail(request, pk):
    publication = _publication_or_404(pk)
    query, branch_id = search_term(request.GET), _notice_branch_param(request, publication)
    context = _publication_context(request, publication, branch_id=branch_id, query=query)
    if wants_xlsx(request):
        try:
            export_bound(sum(len(branch["members"]) for branch in context["branches"]))
        except DomainError as error:
            return export_refused(request, error)
        return xlsx_download(exports.notice_filename(publication),
                             exports.notice_sheet(publication=publication, branches=context["branches"]))
    context.update(q=query, branch_id=branch_id, branch_choices=[
        (b["id"], b["name"]) for b in selectors.publication_branches(access=request.access, publication=publication)])
    members = _objectable_members(request, publication) if context["window_open"] else []
    form = forms.ObjectionForm(request.POST or None, members=members) if members else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            objection = services.objection_raise(
                actor=request.user, access=request.access, publication_id=publication.pk,
                member_id=form.cleaned_data["member"], reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            due = clock.today(request.tenant, at=objection.answer_due_at)
            messages.success(request, OBJECTION_RAISED % {"due": due.isoformat()})
            return redirect("scoring_periods:publication_detail", pk=publication.pk)
    context.update(form=form, objections=selectors.objection_list(access=request.access, publication=publication),
                   versions=Publication.objects.filter(year=publication.year, quarter=publication.quarter))
    return render(request, "periods/publication_detail.html", context)


@township_required
def publication_print(request, pk):
    publication = _publication_or_404(pk)
    return render(request, "periods/publication_print.html", _publication_context(request, publication))


@township_required
def publication_pdf(request, pk):
    """The A4 notice as a PDF file, laid out from the same print page."""
    from django.template.loader import render_to_string

    from common.pdf import html_to_pdf

    publication = _publication_or_404(pk)
    html = render_to_string("periods/publication_print.html", _publication_context(request, publication),
                            request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="notice-{publication.year}-Q{publication.quarter}-v{publication.version}.pdf"')
    return response


@require_POST
@scoring_office_required
def publication_open_view(request):
    form = forms.PublicationOpenForm(request.POST)
    if form.is_valid():
        try:
            publication = services.publication_open(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _error(request, error)
        else:
            messages.success(request, PUBLICATION_OPENED % {"publication": str(publication)})
            return redirect("scoring_periods:publication_detail", pk=publication.pk)
    return redirect("scoring_periods:home")


@scoring_office_required
def objection_answer_view(request, pk):
    try:
        objection = selectors.objection_list(access=request.access).get(pk=pk)
    except Objection.DoesNotExist:
        raise Http404 from None
    form = forms.ObjectionAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_answer(actor=request.user, access=request.access, objection_id=objection.pk,
                                      **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, OBJECTION_ANSWERED)
            return redirect("scoring_periods:publication_detail", pk=objection.publication_id)
    return render(request, "periods/objection_answer.html", {"objection": objection, "form": form})


# --- democratic appraisal -------------------------------------------------------------------------
@township_required
def appraisal_branch(request, year, half, branch_id):
    access = request.access
    if half not in (1, 2):
        raise Http404
    try:
        branch = branch_scope(access).get(pk=branch_id)
    except branch_scope(access).model.DoesNotExist:
        raise Http404 from None
    may_record = access.runs_scoring or access.has_role(Role.BRANCH_SECRETARY)
    recorded = {a.member_id: a for a in selectors.appraisal_list(access=access, year=year, half=half,
                                                                  branch_id=branch.pk)}
    pending = list(member_scope(access).filter(branch=branch, status="active").exclude(pk__in=recorded)
                   .order_by("name", "pk"))
    names = {m.pk: m.name for m in pending}
    formset = None
    if may_record and pending:
        initial = [{"member_id": m.pk} for m in pending]
        formset = forms.AppraisalFormSet(request.POST or None, initial=initial)
        if request.method == "POST" and formset.is_valid():
            count, failed = 0, False
            for row in formset.cleaned_data:
                if not row.get("result"):
                    continue
                try:
                    services.appraisal_record(actor=request.user, access=access, year=year, half=half, **row)
                    count += 1
                except DomainError as error:
                    failed = True
                    messages.error(request, f"{names.get(row['member_id'], '')}: {error.message}")
            messages.success(request, APPRAISALS_SAVED % {"count": count})
            if not failed:
                return redirect("scoring_periods:appraisal_branch", year=year, half=half, branch_id=branch.pk)
        for form in formset:
            form.member_name = names.get(_int(form["member_id"].value()), "")
    return render(request, "periods/appraisal_branch.html", {
        "branch": branch, "year": year, "half": half, "recorded": list(recorded.values()), "formset": formset,
    })


@scoring_office_required
def appraisal_correct_view(request, pk):
    try:
        appraisal = Appraisal.objects.select_related("member").get(pk=pk)
    except Appraisal.DoesNotExist:
        raise Http404 from None
    initial = {f: getattr(appraisal, f) for f in ("result", *services.VOTE_FIELDS)}
    form = forms.AppraisalCorrectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.appraisal_correct(actor=request.user, access=request.access, appraisal_id=appraisal.pk,
                                       **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, APPRAISAL_CORRECTED)
            return redirect("scoring_periods:appraisal_branch", year=appraisal.year, half=appraisal.half,
                            branch_id=appraisal.member.branch_id)
    return render(request, "periods/appraisal_correct.html", {"appraisal": appraisal, "form": form})


# --- annual rating --------------------------------------------------------------------------------
RATING_FINALISED_DONE = _("The %(year)s rating is finalised.")
OUTCOME_DECIDED = _("Document recorded.")
AMENDMENT_RECORDED = _("Amendment recorded.")


@township_required
def rating_list(request, year):
    access = request.access
    state = selectors.rating_year_get(year=year)
    readiness, missing = None, []
    if access.runs_scoring and (state is None or state.finalised_at is None):
        readiness = selectors.annual_rating_readiness(scoring_year=year, today=local_today())
        missing = services.rating_missing_text(readiness)
    query, branch_id = search_term(request.GET), _branch_param(request)
    rating = request.GET.get("rating") if request.GET.get("rating") in Rating.values else ""
    rows = selectors.annual_rating_rows(access=access, year=year, query=query, branch_id=branch_id, rating=rating)
    if wants_xlsx(request):
        try:
            export_bound(rows.count())
        except DomainError as error:
            return export_refused(request, error)
        return xlsx_download(exports.rating_filename(year), exports.rating_sheet(year=year, ratings=rows))
    page_obj = page_of(request, rows)
    return render(request, "periods/rating_list.html", {
        "year": year, "ratings": selectors.with_amendments(access=access, year=year, rows=page_obj.object_list),
        "page_obj": page_obj, "state": state, "readiness": readiness, "missing": missing,
        "outcomes": selectors.rating_outcomes(access=access, year=year),
        "form": forms.RatingRunForm(initial={"scoring_year": year}),
        "labels": dict(Rating.choices), "q": query, "branch_id": branch_id, "rating": rating,
        "branches": _branch_choices(access), "any_ratings": state is not None,
    })


@require_POST
@scoring_office_required
def rating_run_view(request):
    form = forms.RatingRunForm(request.POST)
    if not form.is_valid():
        raise Http404
    year = form.cleaned_data["scoring_year"]
    try:
        count = services.annual_rating_run(actor=request.user, scoring_year=year,
                                           override_reason=form.cleaned_data["override_reason"])
    except DomainError as error:
        _error(request, error)
    else:
        messages.success(request, RATINGS_DONE % {"count": count})
    return redirect("scoring_periods:rating_list", year=year)


@require_POST
@scoring_office_required
def rating_finalise_view(request, year):
    try:
        services.annual_rating_finalise(actor=request.user, access=request.access, scoring_year=year)
    except DomainError as error:
        _error(request, error)
    else:
        messages.success(request, RATING_FINALISED_DONE % {"year": year})
    return redirect("scoring_periods:rating_list", year=year)


@scoring_office_required
def rating_outcome_decide_view(request, pk):
    try:
        outcome = RatingOutcome.objects.select_related("member").get(pk=pk)
    except RatingOutcome.DoesNotExist:
        raise Http404 from None
    measures = [(m, RatingOutcome.Measure(m).label) for m in (
        services.COMMENDATION_MEASURES if outcome.kind == RatingOutcome.Kind.COMMENDATION
        else services.SANCTION_MEASURES)]
    measures.sort(key=lambda choice: list(RatingOutcome.Measure.values).index(choice[0]))
    initial = {"measure": outcome.measure, "document_number": outcome.document_number,
               "decided_on": outcome.decided_on or local_today(), "decided_by": outcome.decided_by}
    form = forms.OutcomeDecideForm(request.POST or None, initial=initial, measures=measures)
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_outcome_decide(actor=request.user, access=request.access, outcome_id=outcome.pk,
                                           **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, OUTCOME_DECIDED)
            return redirect("scoring_periods:rating_list", year=outcome.year)
    return render(request, "periods/rating_outcome.html", {"outcome": outcome, "form": form})


@scoring_office_required
def rating_amend_view(request, year):
    ratings = selectors.annual_rating_list(access=request.access, year=year).filter(finalised_at__isnull=False)
    members = [(r.member_id, f"{r.member.name}（{r.member.branch.name}）") for r in ratings]
    if not members:
        raise Http404
    initial = {"member_id": _int(request.GET.get("member")), "decided_on": local_today()}
    form = forms.RatingAmendForm(request.POST or None, initial=initial, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            services.annual_rating_amend(actor=request.user, access=request.access, scoring_year=year,
                                         **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, AMENDMENT_RECORDED)
            return redirect("scoring_periods:rating_list", year=year)
    return render(request, "periods/rating_amend.html", {"year": year, "form": form})


# --- township dashboard ---------------------------------------------------------------------------
# The office runs it; the supervision office and discipline commission (also township-wide) read it.
# Clerks, reviewers and members see only part of the township, so they are not shown these totals.
dashboard_required = township_access_required(lambda access: access.is_township_wide)

DASHBOARD_BRANCH_HEADERS = [_("Village"), _("Branch"), _("Active members"), _("Members with points"),
                            _("Total points"), _("Average points"), _("Points added"), _("Points deducted")]
DASHBOARD_CATEGORY_HEADERS = [_("Catalogue category"), _("Ledger entries"), _("Total points"), _("Points added"),
                              _("Points deducted")]
DASHBOARD_MONTH_HEADERS = [_("Month"), _("Entries recorded"), _("Entries approved"), _("Entries returned"),
                           _("Points added"), _("Points deducted")]


def _dashboard_xlsx(board):
    from common.excel import ExportWorkbook, xlsx_response

    book = ExportWorkbook().sheet(str(_("By branch")), [str(h) for h in DASHBOARD_BRANCH_HEADERS])
    for b in board.branches:
        book.append([b.village, b.name, b.members, b.scored, b.total, b.average, b.added, b.deducted])
    book.sheet(str(_("By category")), [str(h) for h in DASHBOARD_CATEGORY_HEADERS])
    for c in board.categories:
        book.append([c.label, c.rows, c.total, c.added, c.deducted])
    book.sheet(str(_("By month")), [str(h) for h in DASHBOARD_MONTH_HEADERS])
    for m in board.months:
        book.append([m.month, m.recorded, m.approved, m.returned, m.added, m.deducted])
    return xlsx_response(book.to_bytes(), f"dashboard-{board.scoring_year}.xlsx")


def _chart(labels, *datasets) -> dict:
    return {"labels": [str(label) for label in labels],
            "datasets": [{"label": str(name), "data": [float(v) if v is not None else 0 for v in values]}
                         for name, values in datasets]}


@dashboard_required
def dashboard_view(request):
    """Points by branch and by category for a scoring year and the last twelve months' entries and
    points, as charts (the same Chart.js path as the county's dashboard), tables and Excel."""
    from scoring.periods.dashboard import township_dashboard

    year = _int(request.GET.get("year"))
    board = township_dashboard(scoring_year=year if year is not None and 2000 <= year <= 2100 else None)
    if request.GET.get("format") == "xlsx":
        return _dashboard_xlsx(board)
    branches, categories, months = board.branches, board.categories, board.months
    charts = {
        "branches": _chart([b.name for b in branches], (_("Average points"), [b.average for b in branches]),
                           (_("Points added"), [b.added for b in branches]),
                           (_("Points deducted"), [b.deducted for b in branches])),
        "categories": _chart([c.label for c in categories], (_("Total points"), [c.total for c in categories])),
        "entries": _chart([m.month for m in months], (_("Entries recorded"), [m.recorded for m in months]),
                          (_("Entries approved"), [m.approved for m in months]),
                          (_("Entries returned"), [m.returned for m in months])),
        "points": _chart([m.month for m in months], (_("Points added"), [m.added for m in months]),
                         (_("Points deducted"), [m.deducted for m in months])),
    }
    years = sorted(set(selectors.ranking_years()) | {board.scoring_year}, reverse=True)
    return render(request, "periods/dashboard.html", {"board": board, "charts": charts, "years": years})
