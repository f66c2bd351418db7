"""County-wide recruitment over the county API (county office only): /api/v1/staffing/recruitment/...
Applicants' data are served to nobody else (403; documents 404)."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, ErrorSerializer
from common.errors import NotFound, PermissionDenied
from staffing.recruitment import pages
from staffing.recruitment.api import (
    APPLICATION_FIELDS,
    DocumentSerializer,
    RoundFieldsRequestSerializer,
    RoundSerializer,
    ScoresSerializer,
)
from staffing.recruitment.base import DeclinedVia
from staffing.recruitment.county import selectors, services
from staffing.recruitment.county.models import CountyApplication, CountyPost, CountyRound

TAGS = ["recruitment"]
WRITE_RESPONSES = {**ERROR_RESPONSES, 409: ErrorSerializer}


class CountyPostSerializer(serializers.ModelSerializer):
    township = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CountyPost
        fields = ["id", "township", "places", "village_ids"]


class CountyRoundSerializer(RoundSerializer):
    township_posts = CountyPostSerializer(many=True, read_only=True)

    class Meta(RoundSerializer.Meta):
        model = CountyRound
        fields = [f for f in RoundSerializer.Meta.fields if f not in ("posts", "villages")] + ["township_posts"]


class PostRequestSerializer(serializers.Serializer):
    township = serializers.SlugField(max_length=40, help_text="the township's code")
    places = serializers.IntegerField(min_value=1, max_value=50)
    village_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500, required=False)


class CountyRoundRequestSerializer(RoundFieldsRequestSerializer):
    posts = PostRequestSerializer(many=True, allow_empty=False, max_length=200)


class CountyApplicationSerializer(serializers.ModelSerializer):
    documents = DocumentSerializer(many=True, read_only=True)
    township = serializers.CharField(source="post.township.code", read_only=True)

    class Meta:
        model = CountyApplication
        fields = [*APPLICATION_FIELDS[:2], "post", "township", *APPLICATION_FIELDS[2:], "user_id"]


class CountyAcceptSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True)
    village_id = serializers.IntegerField(min_value=1, help_text="a village of the post's township")
    starts_on = serializers.DateField()
    contract_end = serializers.DateField(required=False, allow_null=True)


class CountyAcceptedSerializer(serializers.Serializer):
    application = CountyApplicationSerializer()
    user_id = serializers.IntegerField()
    clerk_id = serializers.IntegerField()
    township = serializers.CharField()


class CountyDeclinedSerializer(serializers.Serializer):
    declined = CountyApplicationSerializer()
    offered = CountyApplicationSerializer(allow_null=True)


class CountyRecruitmentAPIView(AccessAPIMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not selectors.runs_county_recruitment(request.access):
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


class CountyRoundListView(CountyRecruitmentAPIView):
    @extend_schema(responses={200: CountyRoundSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="county_recruitment_rounds_list", summary="County-wide recruitment rounds")
    def get(self, request):
        return Response(CountyRoundSerializer(selectors.county_round_scope(request.access), many=True).data)

    @extend_schema(request=CountyRoundRequestSerializer, responses={201: CountyRoundSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="county_recruitment_rounds_create",
                   summary="Open a county-wide round with posts in townships (county office)")
    def post(self, request):
        from tenants.townships.selectors import township_list_ready

        data = self._valid(CountyRoundRequestSerializer)
        ready = {t.code: t for t in township_list_ready().filter(code__in=[p["township"] for p in data["posts"]])}
        posts = []
        for spec in data.pop("posts"):
            if spec["township"] not in ready:
                raise NotFound()
            posts.append({**spec, "township": ready[spec["township"]]})
        round_ = services.county_round_open(actor=request.user, posts=posts, **data)
        return Response(CountyRoundSerializer(selectors.county_round_scope(request.access).get(pk=round_.pk)).data,
                        status=status.HTTP_201_CREATED)


class CountyApplicationListView(CountyRecruitmentAPIView):
    @extend_schema(responses={200: CountyApplicationSerializer(many=True), **ERROR_RESPONSES}, tags=TAGS,
                   operation_id="county_recruitment_applications_list",
                   summary="Applications of a county-wide round, per post in ranking order (county office)")
    def get(self, request, pk):
        round_ = _get(selectors.county_round_scope(request.access), pk)
        return Response(CountyApplicationSerializer(
            selectors.county_application_scope(request.access).filter(round=round_), many=True).data)


class CountyPublishView(CountyRecruitmentAPIView):
    @extend_schema(request=None, responses={200: CountyApplicationSerializer(many=True), **WRITE_RESPONSES},
                   tags=TAGS, operation_id="county_recruitment_rounds_publish",
                   summary="Publish the ranking per post and offer each post's places (county office)")
    def post(self, request, pk):
        ranked = services.county_ranking_publish(actor=request.user,
                                                 round_=_get(selectors.county_round_scope(request.access), pk))
        return Response(CountyApplicationSerializer(
            selectors.county_application_scope(request.access).filter(pk__in=[a.pk for a in ranked]),
            many=True).data)


class CountyScoresView(CountyRecruitmentAPIView):
    @extend_schema(request=ScoresSerializer, responses={200: CountyApplicationSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="county_recruitment_applications_scores",
                   summary="Enter scores (county office)")
    def post(self, request, pk):
        app = services.county_scores_enter(
            actor=request.user, application=_get(selectors.county_application_scope(request.access), pk),
            **self._valid(ScoresSerializer))
        return Response(CountyApplicationSerializer(app).data)


class CountyAcceptView(CountyRecruitmentAPIView):
    @extend_schema(request=CountyAcceptSerializer, responses={201: CountyAcceptedSerializer, **WRITE_RESPONSES},
                   tags=TAGS, operation_id="county_recruitment_applications_accept",
                   summary="The offered candidate accepts: a clerk of the post's township (county office)")
    def post(self, request, pk):
        app = _get(selectors.county_application_scope(request.access), pk)
        app, user, clerk = services.county_offer_accept(actor=request.user, application=app,
                                                        **self._valid(CountyAcceptSerializer))
        return Response({"application": CountyApplicationSerializer(app).data, "user_id": user.pk,
                         "clerk_id": clerk.pk, "township": app.post.township.code}, status=status.HTTP_201_CREATED)


class CountyDeclineView(CountyRecruitmentAPIView):
    @extend_schema(request=None, responses={200: CountyDeclinedSerializer, **WRITE_RESPONSES}, tags=TAGS,
                   operation_id="county_recruitment_applications_decline",
                   summary="The offered candidate declined: the next of the post is offered (county office)")
    def post(self, request, pk):
        app = _get(selectors.county_application_scope(request.access), pk)
        declined, offered = services.county_offer_decline(actor=request.user, application=app,
                                                          via=DeclinedVia.OFFICE)
        return Response({"declined": CountyApplicationSerializer(declined).data,
                         "offered": CountyApplicationSerializer(offered).data if offered else None})


class CountyDocumentView(AccessAPIMixin, APIView):
    """An applicant's document of a county round: the county office only; anyone else gets 404."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 403: ErrorSerializer,
                              404: ErrorSerializer},
                   tags=TAGS, operation_id="county_recruitment_documents_read",
                   summary="An applicant's document (county office)")
    def get(self, request, pk):
        return pages.document_page(_get(selectors.county_document_scope(request.access), pk))
