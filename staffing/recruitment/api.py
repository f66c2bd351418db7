"""Recruitment over the API (township office only): /t/<code>/api/v1/staffing/recruitment/...
Applicants' data are never served to anyone else (clerks, other roles, the county get 403)."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer, InTownship
from common.errors import NotFound, PermissionDenied
from staffing.recruitment import pages, selectors, services
from staffing.recruitment.base import DeclinedVia
from staffing.recruitment.models import Application, Document, Round
from tenants.organisation.models import Village

TAGS = ["recruitment"]
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}


class RoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Round
        fields = ["id", "title", "posts", "villages", "min_education", "min_age", "max_age",
                  "county_residence_required", "office_skills_required", "applications_open", "applications_close",
                  "test_on", "interview_on", "publish_on", "written_weight", "interview_weight", "offer_days", "status"]


class RoundFieldsRequestSerializer(serializers.Serializer):
    """The round's own fields, shared by the township's and the county's requests."""
    title = serializers.CharField(max_length=100)
    min_education = serializers.ChoiceField(choices=Round._meta.get_field("min_education").choices, required=False)
    min_age = serializers.IntegerField(min_value=16, max_value=70, required=False)
    max_age = serializers.IntegerField(min_value=16, max_value=70, required=False)
    county_residence_required = serializers.BooleanField(required=False)
    office_skills_required = serializers.BooleanField(required=False)
    applications_open = serializers.DateField()
    applications_close = serializers.DateField()
    test_on = serializers.DateField()
    interview_on = serializers.DateField()
    publish_on = serializers.DateField()
    written_weight = serializers.DecimalField(max_digits=3, decimal_places=2, min_value=0, max_value=1, required=False)
    interview_weight = serializers.DecimalField(max_digits=3, decimal_places=2, min_value=0, max_value=1,
                                                required=False)
    offer_days = serializers.IntegerField(min_value=1, max_value=60, required=False)


class RoundRequestSerializer(RoundFieldsRequestSerializer):
    posts = serializers.IntegerField(min_value=1, max_value=200)
    village_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256"]


APPLICATION_FIELDS = ["id", "round", "name", "gender", "birth_date", "phone", "education", "county_resident",
                      "office_skills", "written_score", "interview_score", "total", "rank", "status", "offered_on",
                      "offer_deadline", "declined_via", "clerk_id", "documents"]


class ApplicationSerializer(serializers.ModelSerializer):
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = APPLICATION_FIELDS


class DeclinedSerializer(serializers.Serializer):
    """The declined application and the one offered in its place (null when nobody is left)."""
    declined = ApplicationSerializer()
    offered = ApplicationSerializer(allow_null=True)


class ScoresSerializer(serializers.Serializer):
    written = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    interview = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class AcceptSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True)
    village = serializers.IntegerField(min_value=1)
    starts_on = serializers.DateField()
    contract_end = serializers.DateField(required=False, allow_null=True)


class AcceptedSerializer(serializers.Serializer):
    application = ApplicationSerializer()
    user_id = serializers.IntegerField()
    clerk_id = serializers.IntegerField()


class RecruitmentAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, InTownship]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.runs_recruitment(request.access):
            raise PermissionDenied()

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _get(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


class RoundListView(RecruitmentAPIView):
    @extend_schema(responses={200: RoundSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="recruitment_rounds_list", summary="Recruitment rounds (township office)")
    def get(self, request):
        return Response(RoundSerializer(selectors.round_scope(request.access).prefetch_related("villages"),
                                        many=True).data)

    @extend_schema(request=RoundRequestSerializer, responses={201: RoundSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="recruitment_rounds_create", summary="Open a recruitment round (township office)")
    def post(self, request):
        round_ = services.round_open(actor=request.user, **self._valid(RoundRequestSerializer))
        return Response(RoundSerializer(round_).data, status=status.HTTP_201_CREATED)


class ApplicationListView(RecruitmentAPIView):
    @extend_schema(responses={200: ApplicationSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="recruitment_applications_list",
                   summary="Applications of a round, in ranking order (township office)")
    def get(self, request, pk):
        round_ = _get(selectors.round_scope(request.access), pk)
        return Response(ApplicationSerializer(selectors.application_scope(request.access).filter(round=round_),
                                              many=True).data)


class PublishView(RecruitmentAPIView):
    @extend_schema(request=None, responses={200: ApplicationSerializer(many=True), **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="recruitment_rounds_publish",
                   summary="Publish the ranking by the round's weights and offer the top posts (township office)")
    def post(self, request, pk):
        ranked = services.ranking_publish(actor=request.user, round_=_get(selectors.round_scope(request.access), pk))
        return Response(ApplicationSerializer(ranked, many=True).data)


class ScoresView(RecruitmentAPIView):
    @extend_schema(request=ScoresSerializer, responses={200: ApplicationSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="recruitment_applications_scores", summary="Enter scores (township office)")
    def post(self, request, pk):
        app = services.scores_enter(actor=request.user, application=_get(selectors.application_scope(request.access),
                                                                            pk), **self._valid(ScoresSerializer))
        return Response(ApplicationSerializer(app).data)


class AcceptView(RecruitmentAPIView):
    @extend_schema(request=AcceptSerializer, responses={201: AcceptedSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="recruitment_applications_accept",
                   summary="The offered applicant accepts: account, clerk and placement (township office)")
    def post(self, request, pk):
        app = _get(selectors.application_scope(request.access), pk)
        data = self._valid(AcceptSerializer)
        data["village"] = _get(Village.objects.all(), data["village"])
        app, user, clerk = services.offer_accept(actor=request.user, application=app, **data)
        return Response({"application": ApplicationSerializer(app).data, "user_id": user.pk, "clerk_id": clerk.pk},
                        status=status.HTTP_201_CREATED)


class DeclineView(RecruitmentAPIView):
    @extend_schema(request=None, responses={200: DeclinedSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="recruitment_applications_decline",
                   summary="The offered applicant declined: the next ranked one is offered (township office)")
    def post(self, request, pk):
        app = _get(selectors.application_scope(request.access), pk)
        declined, offered = services.offer_decline(actor=request.user, application=app, via=DeclinedVia.OFFICE)
        return Response({"declined": ApplicationSerializer(declined).data,
                         "offered": ApplicationSerializer(offered).data if offered else None})


class DocumentView(AccessAPIMixin, APIView):
    """An applicant's document: the township office only; anyone else (another township's office
    included) gets 404, as if it did not exist."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 403: ErrorSerializer,
                              404: ErrorSerializer},
                   tags=TAGS, operation_id="recruitment_documents_read",
                   summary="An applicant's document (township office)")
    def get(self, request, pk):
        return pages.document_page(_get(selectors.document_scope(request.access), pk))
