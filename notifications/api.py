"""The user's own notifications over the API (public schema, /api/v1/notifications/).

Only the asker's own inbox is ever read or written; someone else's item is a 404.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import DomainError
from notifications import selectors, services
from notifications.events import CHANNELS, EVENTS
from notifications.models import Delivery


class InboxItemSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="notification.event")
    event_label = serializers.CharField(source="notification.get_event_display")
    township = serializers.CharField(source="notification.township.code", default=None)
    township_name = serializers.CharField(source="notification.township.name", default=None)
    subject = serializers.CharField()
    body = serializers.CharField()
    context = serializers.JSONField(source="notification.context")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = ["id", "event", "event_label", "township", "township_name", "subject", "body", "context",
                  "created_at", "read", "read_at"]

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


_FILTERS = [
    OpenApiParameter("township", str, description="township code"),
    OpenApiParameter("event", str, enum=list(EVENTS)),
    OpenApiParameter("read", bool),
]


class InboxListView(generics.ListAPIView):
    """The asker's notifications, newest first; filter by township code, event and read."""

    serializer_class = InboxItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.inbox_list(user=self.request.user, filters=self.request.query_params)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.with_messages(page, language=self.request.LANGUAGE_CODE, recipient=self.request.user)

    @extend_schema(parameters=_FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UnreadCountView(APIView):
    @extend_schema(responses={200: {"type": "object", "properties": {"unread": {"type": "integer"}}}})
    def get(self, request):
        return Response({"unread": selectors.inbox_unread_count(user=request.user)})


class MarkReadView(APIView):
    @extend_schema(request=None, responses={200: InboxItemSerializer})
    def post(self, request, pk: int):
        item = services.inbox_mark_read(user=request.user, delivery_id=pk)
        item = selectors.with_messages([item], language=request.LANGUAGE_CODE, recipient=request.user)[0]
        return Response(InboxItemSerializer(item).data)


class MarkAllReadView(APIView):
    @extend_schema(request=None, parameters=_FILTERS,
                   responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}})
    def post(self, request):
        return Response({"marked": services.inbox_mark_all_read(user=request.user, filters=request.query_params)})


class PreferenceSerializer(serializers.Serializer):
    channels = serializers.DictField(
        child=serializers.ListField(child=serializers.ChoiceField(choices=CHANNELS)),
        help_text="event code -> channels; events left out keep their current setting",
    )
    quiet_hours = serializers.BooleanField()
    quiet_start = serializers.TimeField(format="%H:%M")
    quiet_end = serializers.TimeField(format="%H:%M")
    daily_digest = serializers.BooleanField()


def _preference_data(preference) -> dict:
    chosen = preference.channels or {}
    return {
        "channels": {code: list(chosen.get(code, event.channels)) for code, event in EVENTS.items()},
        "quiet_hours": preference.quiet_hours, "quiet_start": preference.quiet_start,
        "quiet_end": preference.quiet_end, "daily_digest": preference.daily_digest,
    }


class PreferenceView(APIView):
    """The asker's notification preferences: channels per event, quiet hours, daily digest."""

    @extend_schema(responses={200: PreferenceSerializer})
    def get(self, request):
        return Response(PreferenceSerializer(_preference_data(selectors.preference_get(user=request.user))).data)

    @extend_schema(request=PreferenceSerializer, responses={200: PreferenceSerializer})
    def put(self, request):
        current = _preference_data(selectors.preference_get(user=request.user))
        serializer = PreferenceSerializer(data={**PreferenceSerializer(current).data, **request.data})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unknown = set(data["channels"]) - set(EVENTS)
        if unknown:
            raise DomainError(services.UNKNOWN_EVENT, field_errors={"channels": [services.UNKNOWN_EVENT]})
        preference = services.preference_update(
            actor=request.user, user=request.user, channels={**current["channels"], **data["channels"]},
            quiet_hours=data["quiet_hours"], quiet_start=data["quiet_start"], quiet_end=data["quiet_end"],
            daily_digest=data["daily_digest"],
        )
        return Response(PreferenceSerializer(_preference_data(preference)).data, status=status.HTTP_200_OK)
