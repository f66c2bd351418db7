"""Scoring periods over the API (/t/<code>/api/v1/scoring/periods/): month closes and summaries,
rankings, quarterly notices and objections, democratic appraisal and annual rating.

Reads go through the scoped selectors (a member sees only their own rows); writes call the
services, which check the asker's rights (township office for closes, notices, answers and
ratings; the member or their branch secretary for objections).
"""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from common.api import xlsx_schema_responses
from common.errors import PermissionDenied
from common.tables import export_bound, search_term, xlsx_download
from scoring.choices import Rating
from scoring.periods import exports, selectors, services
from scoring.periods.models import (
    AnnualRating,
    Appraisal,
    BranchMonthTotal,
    MemberMonthScore,
    MonthClose,
    Objection,
    Publication,
    RatingAmendment,
    RatingOutcome,
    RatingYear,
)
from tenants.organisation.selectors import branch_scope

TAGS = ["scoring periods"]


# --- serializers -----------------------------------------------------------------------------------
class MonthCloseSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonthClose
        fields = ["id", "year", "month", "scoring_year", "head_seq", "head_hash", "entry_count", "closed_at"]


class MonthCloseRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)


class MemberMonthScoreSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)

    class Meta:
        model = MemberMonthScore
        fields = ["member", "member_name", "branch", "branch_name", "points", "year_to_date", "rank_in_branch"]


class BranchMonthTotalSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)

    class Meta:
        model = BranchMonthTotal
        fields = ["branch", "branch_name", "points", "members"]


class MonthSummarySerializer(serializers.Serializer):
    close = MonthCloseSerializer()
    members = MemberMonthScoreSerializer(many=True)
    branches = BranchMonthTotalSerializer(many=True)


class RankingRowSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    name = serializers.CharField()
    branch_id = serializers.IntegerField()
    branch_name = serializers.CharField()
    total = serializers.DecimalField(max_digits=9, decimal_places=2)
    rank = serializers.IntegerField()
    branch_rank = serializers.IntegerField()


class PublicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Publication
        fields = ["id", "year", "quarter", "version", "status", "opened_at", "objections_close_at", "head_seq",
                  "supersedes"]


class PublicationDetailSerializer(PublicationSerializer):
    title = serializers.CharField()
    branches = serializers.ListField(child=serializers.DictField())

    class Meta(PublicationSerializer.Meta):
        fields = [*PublicationSerializer.Meta.fields, "title", "branches"]


class PublicationRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)


class ObjectionSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    correction_points = serializers.DecimalField(source="correction.points", max_digits=7, decimal_places=2,
                                                 read_only=True, allow_null=True, default=None)

    class Meta:
        model = Objection
        fields = ["id", "publication", "member", "member_name", "reason", "status", "answer_due_at", "answer",
                  "answered_at", "correction", "correction_points", "created_at"]


class ObjectionRequestSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)


class ObjectionAnswerSerializer(serializers.Serializer):
    uphold = serializers.BooleanField()
    answer = serializers.CharField(max_length=2000)
    correction_points = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)


class AppraisalSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Appraisal
        fields = ["id", "year", "half", "member", "member_name", "result", "votes_excellent", "votes_qualified",
                  "votes_basic", "votes_unqualified", "recorded_at"]


class AppraisalRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    half = serializers.IntegerField(min_value=1, max_value=2)
    member = serializers.IntegerField()
    result = serializers.ChoiceField(choices=Rating.choices)
    votes_excellent = serializers.IntegerField(default=0)
    votes_qualified = serializers.IntegerField(default=0)
    votes_basic = serializers.IntegerField(default=0)
    votes_unqualified = serializers.IntegerField(default=0)


class AppraisalCorrectSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=Rating.choices)
    votes_excellent = serializers.IntegerField(default=0)
    votes_qualified = serializers.IntegerField(default=0)
    votes_basic = serializers.IntegerField(default=0)
    votes_unqualified = serializers.IntegerField(default=0)


class RatingAmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatingAmendment
        fields = ["id", "year", "member", "before", "after", "reason", "document_number", "decided_on", "actor_id",
                  "created_at"]


class AnnualRatingSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    effective_rating = serializers.ChoiceField(choices=Rating.choices, read_only=True, source="effective",
                                              help_text="The rating with amendments applied.")
    amendments = RatingAmendmentSerializer(many=True, read_only=True, source="amendment_list")

    class Meta:
        model = AnnualRating
        fields = ["year", "member", "member_name", "total_points", "appraisal_result", "vetoed", "rating",
                  "effective_rating", "reasons", "rated_at", "finalised_at", "amendments"]


class RatingYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatingYear
        fields = ["year", "rated_at", "members_rated", "override_reason", "override_missing", "finalised_at"]


class RatingReadinessSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    ready = serializers.BooleanField()
    blocking = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    state = RatingYearSerializer(allow_null=True)


class RatingOutcomeSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = RatingOutcome
        fields = ["id", "year", "member", "member_name", "kind", "measure", "document_number", "decided_on",
                  "decided_by"]


class RatingOutcomeDecideSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=RatingOutcome.Measure.choices)
    document_number = serializers.CharField(max_length=60)
    decided_on = serializers.DateField()
    decided_by = serializers.CharField(max_length=100)


class RatingAmendRequestSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    rating = serializers.ChoiceField(choices=Rating.choices)
    reason = serializers.CharField(max_length=2000)
    document_number = serializers.CharField(max_length=60)
    decided_on = serializers.DateField()


class RatingRunSerializer(serializers.Serializer):
    scoring_year = serializers.IntegerField(min_value=2000, max_value=2100)
    override_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RatingRunResultSerializer(serializers.Serializer):
    rated = serializers.IntegerField()


# --- views -------------------------------------------------------------------------------------------
class PeriodsAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def _office(self):
        if not self.request.access.runs_scoring:
            raise PermissionDenied()

    def _valid(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _int_param(request, name):
    value = request.query_params.get(name)
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        raise Http404 from None


def _branch_param(request) -> int | None:
    """The `branch` filter; a branch outside the asker's scope is a 404 (as on the pages)."""
    branch_id = _int_param(request, "branch")
    if branch_id is not None and not branch_scope(request.access).filter(pk=branch_id).exists():
        raise Http404
    return branch_id


def _year_param(request) -> int:
    year = _int_param(request, "year")
    if year is None:
        raise Http404
    return year


Q_PARAM = OpenApiParameter("q", str, description="Only members whose name contains this (at most 50 characters)")
BRANCH_PARAM = OpenApiParameter("branch", int, description="Only this branch (in your scope)")
RATING_PARAM = OpenApiParameter("rating", str, enum=Rating.values, description="Only this (effective) rating")


def _month(year, month) -> MonthClose:
    try:
        return selectors.month_close_get(year=year, month=month)
    except MonthClose.DoesNotExist:
        raise Http404 from None


def _month_rows(request, close):
    access, branch_id = request.access, _branch_param(request)
    scores = selectors.month_member_scores(access=access, close=close, query=search_term(request.query_params),
                                           branch_id=branch_id)
    totals = selectors.month_branch_totals(access=access, close=close)
    return scores, totals.filter(branch_id=branch_id) if branch_id is not None else totals


class MonthCloseListView(PeriodsAPIView):
    @extend_schema(responses={200: MonthCloseSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="periods_months_list", summary="Closed months")
    def get(self, request):
        return Response(MonthCloseSerializer(selectors.month_close_list(), many=True).data)

    @extend_schema(request=MonthCloseRequestSerializer, responses={201: MonthCloseSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_months_close",
                   summary="Close and seal a month (idempotent; township office)")
    def post(self, request):
        self._office()
        close = services.month_close(actor=request.user, **self._valid(MonthCloseRequestSerializer))
        return Response(MonthCloseSerializer(close).data, status=status.HTTP_201_CREATED)


class MonthSummaryView(PeriodsAPIView):
    @extend_schema(parameters=[Q_PARAM, BRANCH_PARAM], responses={200: MonthSummarySerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_month_summary",
                   summary="Monthly summary: member scores and branch totals")
    def get(self, request, year, month):
        close = _month(year, month)
        scores, totals = _month_rows(request, close)
        return Response(MonthSummarySerializer({"close": close, "members": scores, "branches": totals}).data)


class MonthExportView(PeriodsAPIView):
    @extend_schema(parameters=[Q_PARAM, BRANCH_PARAM], responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS,
                   operation_id="periods_month_export",
                   summary="Monthly summary as .xlsx: member scores and branch totals (the summary's filters apply)")
    def get(self, request, year, month):
        close = _month(year, month)
        scores, totals = _month_rows(request, close)
        export_bound(scores.count())
        return xlsx_download(exports.month_filename(close), *exports.month_sheets(scores=scores, totals=totals))


class RankingView(PeriodsAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True), BRANCH_PARAM, Q_PARAM],
        responses={200: RankingRowSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
        operation_id="periods_ranking", summary="Members ranked by points for the scoring year",
    )
    def get(self, request):
        return Response(RankingRowSerializer(_ranking_rows(request), many=True).data)


def _ranking_rows(request):
    year = _year_param(request)
    rows = selectors.ranking_for(access=request.access, scoring_year=year, branch_id=_branch_param(request))
    query = search_term(request.query_params)
    return [row for row in rows if query in row.name] if query else rows  # ranks stay township-wide


class RankingExportView(PeriodsAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True), BRANCH_PARAM, Q_PARAM],
        responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS,
        operation_id="periods_ranking_export", summary="The ranking as .xlsx (every row; the ranking's filters apply)",
    )
    def get(self, request):
        rows = _ranking_rows(request)
        year = _year_param(request)
        export_bound(len(rows))
        return xlsx_download(f"ranking-{year}.xlsx", exports.ranking_sheet(year=year, rows=rows))


class PublicationListView(PeriodsAPIView):
    @extend_schema(responses={200: PublicationSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="periods_publications_list", summary="Quarterly notices, every version")
    def get(self, request):
        return Response(PublicationSerializer(selectors.publication_list(), many=True).data)

    @extend_schema(request=PublicationRequestSerializer, responses={201: PublicationSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_publications_open",
                   summary="Publish a quarter (idempotent; township office)")
    def post(self, request):
        self._office()
        publication = services.publication_open(actor=request.user, **self._valid(PublicationRequestSerializer))
        return Response(PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)


def _notice(request, pk) -> tuple[Publication, list[dict]]:
    """The notice and its branch lists in scope, narrowed by `branch` (a branch of the notice the
    asker may see, else 404) and `q`."""
    try:
        publication = selectors.publication_get(pk=pk)
    except Publication.DoesNotExist:
        raise Http404 from None
    access, branch_id = request.access, _int_param(request, "branch")
    if branch_id is not None and branch_id not in {
            b["id"] for b in selectors.publication_branches(access=access, publication=publication)}:
        raise Http404
    return publication, selectors.publication_branches(access=access, publication=publication, branch_id=branch_id,
                                                       query=search_term(request.query_params))


class PublicationDetailView(PeriodsAPIView):
    @extend_schema(parameters=[BRANCH_PARAM, Q_PARAM], responses={200: PublicationDetailSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_publication_retrieve", summary="One notice version with its lists")
    def get(self, request, pk):
        publication, branches = _notice(request, pk)
        publication.title = services.publication_title(township_name=publication.data.get("township", ""),
                                                       year=publication.year, quarter=publication.quarter)
        publication.branches = branches
        return Response(PublicationDetailSerializer(publication).data)


class PublicationExportView(PeriodsAPIView):
    @extend_schema(parameters=[BRANCH_PARAM, Q_PARAM], responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS,
                   operation_id="periods_publication_export",
                   summary="One notice version as .xlsx (the detail's filters apply)")
    def get(self, request, pk):
        publication, branches = _notice(request, pk)
        export_bound(sum(len(branch["members"]) for branch in branches))
        return xlsx_download(exports.notice_filename(publication),
                             exports.notice_sheet(publication=publication, branches=branches))


class ObjectionListView(PeriodsAPIView):
    @extend_schema(responses={200: ObjectionSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="periods_objections_list", summary="Objections in your scope")
    def get(self, request):
        return Response(ObjectionSerializer(selectors.objection_list(access=request.access), many=True).data)


class ObjectionRaiseView(PeriodsAPIView):
    @extend_schema(request=ObjectionRequestSerializer, responses={201: ObjectionSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_objection_raise",
                   summary="Object to a notice (the member, or their branch secretary)")
    def post(self, request, pk):
        data = self._valid(ObjectionRequestSerializer)
        objection = services.objection_raise(actor=request.user, access=request.access, publication_id=pk,
                                             member_id=data["member"], reason=data["reason"])
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


class ObjectionAnswerView(PeriodsAPIView):
    @extend_schema(request=ObjectionAnswerSerializer, responses={200: ObjectionSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_objection_answer",
                   summary="Answer an objection (township office); upheld with points makes a new version")
    def post(self, request, pk):
        objection = services.objection_answer(actor=request.user, access=request.access, objection_id=pk,
                                              **self._valid(ObjectionAnswerSerializer))
        return Response(ObjectionSerializer(objection).data)


class AppraisalListView(PeriodsAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=True), OpenApiParameter("half", int, required=True),
                    OpenApiParameter("branch", int)],
        responses={200: AppraisalSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
        operation_id="periods_appraisals_list", summary="Democratic appraisal results in your scope",
    )
    def get(self, request):
        year, half = _int_param(request, "year"), _int_param(request, "half")
        if year is None or half is None:
            raise Http404
        qs = selectors.appraisal_list(access=request.access, year=year, half=half,
                                      branch_id=_int_param(request, "branch"))
        return Response(AppraisalSerializer(qs, many=True).data)

    @extend_schema(request=AppraisalRequestSerializer, responses={201: AppraisalSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_appraisal_record",
                   summary="Record a member's appraisal once (township office or branch secretary)")
    def post(self, request):
        data = self._valid(AppraisalRequestSerializer)
        appraisal = services.appraisal_record(actor=request.user, access=request.access,
                                              member_id=data.pop("member"), **data)
        return Response(AppraisalSerializer(appraisal).data, status=status.HTTP_201_CREATED)


class AppraisalCorrectView(PeriodsAPIView):
    @extend_schema(request=AppraisalCorrectSerializer, responses={200: AppraisalSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_appraisal_correct",
                   summary="Correct a recorded appraisal (township office, audited)")
    def post(self, request, pk):
        appraisal = services.appraisal_correct(actor=request.user, access=request.access, appraisal_id=pk,
                                               **self._valid(AppraisalCorrectSerializer))
        return Response(AppraisalSerializer(appraisal).data)


def _rating_filters(request) -> dict:
    rating = request.query_params.get("rating")
    return {"query": search_term(request.query_params), "branch_id": _branch_param(request),
            "rating": rating if rating in Rating.values else ""}


RATING_PARAMS = [OpenApiParameter("year", int, required=True), Q_PARAM, BRANCH_PARAM, RATING_PARAM]


class RatingListView(PeriodsAPIView):
    @extend_schema(parameters=RATING_PARAMS,
                   responses={200: AnnualRatingSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="periods_ratings_list", summary="Annual ratings with their reasons")
    def get(self, request):
        year = _year_param(request)
        rows = selectors.annual_ratings_effective(access=request.access, year=year, **_rating_filters(request))
        return Response(AnnualRatingSerializer(rows, many=True).data)


class RatingExportView(PeriodsAPIView):
    @extend_schema(parameters=RATING_PARAMS, responses=xlsx_schema_responses(ERROR_RESPONSES), tags=TAGS,
                   operation_id="periods_ratings_export",
                   summary="Annual ratings as .xlsx (every row; the list's filters apply)")
    def get(self, request):
        year = _year_param(request)
        rows = selectors.annual_rating_rows(access=request.access, year=year, **_rating_filters(request))
        export_bound(rows.count())
        return xlsx_download(exports.rating_filename(year), exports.rating_sheet(year=year, ratings=rows))


class RatingRunView(PeriodsAPIView):
    @extend_schema(request=RatingRunSerializer, responses={200: RatingRunResultSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_ratings_run",
                   summary="Run the annual rating once the year is over, every month closed and the appraisals "
                           "recorded (or with an override reason); re-running replaces results until finalised")
    def post(self, request):
        self._office()
        count = services.annual_rating_run(actor=request.user, **self._valid(RatingRunSerializer))
        return Response({"rated": count})


class RatingStatusView(PeriodsAPIView):
    @extend_schema(responses={200: RatingReadinessSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="periods_rating_status",
                   summary="Whether the year can be rated, what is missing, and whether it is finalised")
    def get(self, request, year):
        from common import clock

        self._office()
        readiness = selectors.annual_rating_readiness(scoring_year=year, today=clock.today())
        return Response(RatingReadinessSerializer({
            "year": year, "ready": readiness.ready, "blocking": readiness.blocking,
            "missing": services.rating_missing_text(readiness), "state": selectors.rating_year_get(year=year),
        }).data)


class RatingFinaliseView(PeriodsAPIView):
    @extend_schema(request=None, responses={200: RatingYearSerializer, **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="periods_rating_finalise",
                   summary="Finalise (lock) the year's rating; every outcome needs its document (township office)")
    def post(self, request, year):
        state = services.annual_rating_finalise(actor=request.user, access=request.access, scoring_year=year)
        return Response(RatingYearSerializer(state).data)


class RatingOutcomeListView(PeriodsAPIView):
    @extend_schema(parameters=[OpenApiParameter("year", int, required=True)],
                   responses={200: RatingOutcomeSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="periods_rating_outcomes", summary="Commendations and disposal proposals of a year")
    def get(self, request):
        year = _int_param(request, "year")
        if year is None:
            raise Http404
        return Response(RatingOutcomeSerializer(selectors.rating_outcomes(access=request.access, year=year),
                                                many=True).data)


class RatingOutcomeDecideView(PeriodsAPIView):
    @extend_schema(request=RatingOutcomeDecideSerializer, responses={200: RatingOutcomeSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_rating_outcome_decide",
                   summary="Record the document of a commendation or disposal (township office, before finalising)")
    def post(self, request, pk):
        outcome = services.rating_outcome_decide(actor=request.user, access=request.access, outcome_id=pk,
                                                 **self._valid(RatingOutcomeDecideSerializer))
        return Response(RatingOutcomeSerializer(outcome).data)


class RatingAmendView(PeriodsAPIView):
    @extend_schema(request=RatingAmendRequestSerializer, responses={201: RatingAmendmentSerializer, **ERROR_RESPONSES},
                   tags=TAGS, operation_id="periods_rating_amend",
                   summary="Amend a finalised rating by a recorded amendment (township office)")
    def post(self, request, year):
        data = self._valid(RatingAmendRequestSerializer)
        amendment = services.annual_rating_amend(actor=request.user, access=request.access, scoring_year=year,
                                                 member_id=data.pop("member"), **data)
        return Response(RatingAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)
