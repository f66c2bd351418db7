"""Entries over the API (/t/<code>/api/v1/scoring/): record (multipart with evidence), list,
read, review and late-entry decisions, queues, evidence files and members' points cards.

Querysets come from the scoped selectors (an entry about a member outside the asker's scope is a
404); writes go through the services with `actor=request.user, access=request.access`;
serializers only check types and shape output.
"""
from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship, StableOrderingFilter
from common.api import SafeJSONParser, xlsx_schema_responses
from common.errors import NotFound, PermissionDenied
from common.tables import export_bound, xlsx_download
from scoring.ledger import services
from scoring.ledger.evidence import evidence_response
from scoring.ledger.exports import entries_filename, entries_sheet
from scoring.ledger.models import Entry, Evidence, LedgerEntry, Review
from scoring.ledger.selectors import (
    EntryFilter,
    entry_export_rows,
    entry_list,
    entry_people,
    evidence_get,
    late_queue,
    member_points_card,
    review_queue,
    township_today,
)


# --- serializers --------------------------------------------------------------------------------------
class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Download through the API (access is checked).")

    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        return reverse("api:scoring-entry-evidence", kwargs={"pk": obj.entry_id, "evidence_pk": obj.pk})


class ReviewSerializer(serializers.ModelSerializer):
    reviewer_name = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = ["level", "reviewer_id", "reviewer_name", "decision", "score", "reason", "decided_at"]

    def get_reviewer_name(self, obj) -> str:
        return self.context.get("people", {}).get(obj.reviewer_id, "")


class EntryListSerializer(serializers.ListSerializer):
    """Entries in bulk: the names of everyone who recorded or reviewed them are looked up once for
    the whole page (one query), not once per entry."""

    def to_representation(self, data):
        entries = list(data.all() if hasattr(data, "all") else data)
        if self.root is self and "people" not in self._context:
            self._context = {**self._context, "people": entry_people(entries)}
        return super().to_representation(entries)


class EntrySerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch = serializers.IntegerField(source="member.branch_id", read_only=True)
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    category = serializers.CharField(source="rule.category", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    reviews = serializers.SerializerMethodField()

    class Meta:
        model = Entry
        fields = ["id", "member", "member_name", "branch", "rule", "rule_code", "rule_name", "category",
                  "occurred_on", "points", "note", "status", "status_label", "is_late", "late_reason",
                  "late_decided_by_id", "late_decided_at", "late_decision_note", "entered_by_id", "entered_at",
                  "lag_days", "review_levels", "review_weights", "current_level", "final_points", "decided_at",
                  "source", "evidence", "reviews"]
        list_serializer_class = EntryListSerializer

    @extend_schema_field(ReviewSerializer(many=True))
    def get_reviews(self, obj):
        people = self.context.get("people")
        if people is None:
            people = entry_people([obj])
        return ReviewSerializer(obj.reviews.all(), many=True, context={"people": people}).data


class EntryCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="Member id (in your scope).")
    rule = serializers.CharField(max_length=20, help_text="Item code, e.g. B01; the version in force on the date.")
    occurred_on = serializers.DateField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    late_reason = serializers.CharField(required=False, allow_blank=True, default="",
                                        help_text="Needed for a late entry (补录).")
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                     help_text="Photos (JPEG, PNG, WebP, HEIC) or PDF, at most 10 MB each.")


class ReviewDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    score = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    level = serializers.CharField(required=False, allow_null=True, default=None,
                                  help_text="The level you are deciding; refused (409) if it was decided meanwhile.")


class LateDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CardRowSerializer(serializers.ModelSerializer):
    rule_code = serializers.CharField(source="rule.code", allow_null=True, read_only=True)
    rule_name = serializers.CharField(source="rule.name", allow_null=True, read_only=True)
    running_total = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True)
    source = serializers.CharField(source="entry.source", allow_null=True, read_only=True,
                                   help_text="What proposed the entry, e.g. meeting:12 (a meeting record)")
    evidence = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = ["seq", "kind", "rule", "rule_code", "rule_name", "entry", "reverses", "points", "running_total",
                  "occurred_on", "booked_year", "booked_month", "note", "evidence_hashes", "posted_at", "hash",
                  "source", "evidence", "reviews"]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj):
        if obj.entry is None:
            return []
        return EvidenceSerializer(obj.entry.evidence.all(), many=True, context=self.context).data

    @extend_schema_field(ReviewSerializer(many=True))
    def get_reviews(self, obj):
        if obj.entry is None:
            return []
        return ReviewSerializer(obj.entry.reviews.all(), many=True, context=self.context).data


class AnchorSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The anchor's number in the township's chain of anchors.")
    head_seq = serializers.IntegerField(help_text="The last ledger entry the county holds a copy of.")
    head_hash = serializers.CharField(help_text="The ledger's hash at that entry.")
    hash = serializers.CharField(help_text="The anchor's own chained hash.")
    anchored_at = serializers.DateTimeField()


class FinalRatingAmendmentSerializer(serializers.Serializer):
    before = serializers.CharField()
    after = serializers.CharField()
    reason = serializers.CharField()
    document_number = serializers.CharField()
    decided_on = serializers.DateField()


class FinalRatingSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    rating = serializers.CharField(source="effective", help_text="The finalised rating with amendments applied.")
    original = serializers.CharField(help_text="The rating as finalised.")
    amendments = FinalRatingAmendmentSerializer(many=True)


class PointsCardSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    member_name = serializers.CharField(source="member.name")
    branch = serializers.IntegerField(source="member.branch_id")
    scoring_year = serializers.IntegerField(allow_null=True)
    total = serializers.DecimalField(max_digits=9, decimal_places=2)
    rank = serializers.IntegerField(allow_null=True, help_text="Rank in the branch by the year's total.")
    ranked = serializers.IntegerField(help_text="Members ranked in the branch.")
    vetoed = serializers.BooleanField(help_text="A one-vote veto item was posted this year.")
    rows = CardRowSerializer(many=True)
    anchor = AnchorSerializer(allow_null=True, help_text="The county's latest copy of the township ledger's head: "
                              "every entry up to it is protected against rewriting.")
    final_ratings = serializers.SerializerMethodField(help_text="Finalised annual ratings, newest first.")

    @extend_schema_field(FinalRatingSerializer(many=True))
    def get_final_ratings(self, card) -> list:
        from scoring.periods.selectors import member_final_ratings

        return FinalRatingSerializer(member_final_ratings(member_id=card.member.pk), many=True).data


# --- views --------------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(summary="Points entries about members in your scope", tags=["scoring"]),
    retrieve=extend_schema(summary="One points entry with evidence and review trail", tags=["scoring"]),
)
class EntryViewSet(AccessAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, InTownship]
    serializer_class = EntrySerializer
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    filterset_class = EntryFilter
    ordering_fields = ["entered_at", "occurred_on", "points", "status"]
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]

    def get_queryset(self) -> QuerySet[Entry]:
        if getattr(self, "swagger_fake_view", False):
            return Entry.objects.none()
        return entry_list(access=self.request.access)

    def _output(self, entry, status_code=status.HTTP_200_OK) -> Response:
        entry = entry_list(access=self.request.access).get(pk=entry.pk)
        return Response(EntrySerializer(entry, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(summary="Record a points entry (multipart, with evidence files)", tags=["scoring"],
                   request={"multipart/form-data": EntryCreateSerializer},
                   responses={201: EntrySerializer, **ERROR_RESPONSES})
    def create(self, request):
        serializer = EntryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        files = request.FILES.getlist("evidence") if hasattr(request.FILES, "getlist") else data["evidence"]
        entry = services.entry_create(
            actor=request.user, access=request.access, member_id=data["member"], rule_code=data["rule"],
            occurred_on=data["occurred_on"], points=data["points"], note=data["note"], evidence_files=files,
            late_reason=data["late_reason"],
        )
        return self._output(entry, status.HTTP_201_CREATED)

    @extend_schema(summary="Decide the entry's current review level", tags=["scoring"],
                   request=ReviewDecisionSerializer, responses={200: EntrySerializer, 409: ERROR_RESPONSES[400],
                                                                **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        entry = self.get_object()
        serializer = ReviewDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.entry_review(actor=request.user, access=request.access, entry_id=entry.pk,
                                      **serializer.validated_data)
        return self._output(entry)

    @extend_schema(summary="Approve or refuse a late entry (township office)", tags=["scoring"],
                   request=LateDecisionSerializer, responses={200: EntrySerializer, 409: ERROR_RESPONSES[400],
                                                              **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], url_path="late-decision")
    def late_decision(self, request, pk=None):
        entry = self.get_object()
        serializer = LateDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.entry_late_decide(actor=request.user, access=request.access, entry_id=entry.pk,
                                           **serializer.validated_data)
        return self._output(entry)

    @extend_schema(summary="Entries waiting at your review level", tags=["scoring"],
                   responses={200: EntrySerializer(many=True)})
    @action(detail=False, methods=["get"], url_path="review-queue", filter_backends=[])
    def review_queue(self, request):
        if not request.access.review_levels:
            raise PermissionDenied()
        return self._list(review_queue(access=request.access, user_id=request.user.pk))

    @extend_schema(summary="Late entries waiting for the township office", tags=["scoring"],
                   responses={200: EntrySerializer(many=True)})
    @action(detail=False, methods=["get"], url_path="late-queue", filter_backends=[])
    def late_queue(self, request):
        if not request.access.runs_scoring:
            raise PermissionDenied()
        return self._list(late_queue(access=request.access))

    @extend_schema(summary="The filtered entries as .xlsx: every page, at most 20,000 rows (the list's filters apply)",
                   tags=["scoring"], responses=xlsx_schema_responses(ERROR_RESPONSES))
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        rows = self.filter_queryset(entry_export_rows(access=request.access))
        export_bound(rows.count())
        return xlsx_download(entries_filename(request.tenant, township_today()),
                             entries_sheet(rows, zone=request.tenant.time_zone_info()))

    def _list(self, queryset):
        page = self.paginate_queryset(queryset)
        serializer = EntrySerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    @extend_schema(summary="An evidence file of the entry", tags=["scoring"],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: ERROR_RESPONSES[404]})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_pk>[0-9]+)")
    def evidence(self, request, pk=None, evidence_pk=None):
        try:
            entry_id, evidence_id = int(pk), int(evidence_pk)
        except (TypeError, ValueError):
            raise NotFound() from None
        evidence = evidence_get(access=request.access, entry_id=entry_id, pk=evidence_id)
        return evidence_response(evidence)


class PointsCardView(AccessAPIMixin, APIView):
    """A member's points card: every posted ledger row with running total, evidence and review
    trail; the year's total and rank in the branch. A member-only user sees only their own."""

    permission_classes = [permissions.IsAuthenticated, InTownship]

    @extend_schema(summary="A member's points card", tags=["scoring"],
                   parameters=[OpenApiParameter("year", int, description="Scoring year (default: current).")],
                   responses={200: PointsCardSerializer, **ERROR_RESPONSES}, operation_id="scoring_points_card")
    def get(self, request, member_id: int):
        try:
            year = int(request.query_params["year"]) if request.query_params.get("year") else None
        except ValueError:
            year = None
        card = member_points_card(access=request.access, member_id=member_id, scoring_year=year)
        people = card.people
        return Response(PointsCardSerializer(card, context={"request": request, "people": people}).data)
