"""Pages and API endpoints of the ledger chain: verification and reversing a posted row.

Verification is open to the township office and county admins (`_may_verify`); reversing a
row to the township office only (`access.runs_scoring`). Everyone else gets 403; a row that
does not exist in this township 404.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ERROR_RESPONSES, AccessAPIMixin, InTownship
from common.decorators import access_required
from common.errors import PERMISSION_DENIED, DomainError, apply_to_form
from scoring.ledger.models import LedgerEntry, LedgerHead
from scoring.ledger.services_chain import ledger_reverse
from scoring.ledger.verify import ledger_verify

ENTRY_REVERSED = _("Ledger entry #%(seq)s was reversed by entry #%(new)s.")


def _may_verify(access) -> bool:
    return access.runs_scoring or access.is_county_admin


_verifier_required = access_required(_may_verify)


_office_required = access_required(lambda access: access.runs_scoring)


# --- pages ---------------------------------------------------------------------------------------
@_verifier_required
def chain_verify_page(request):
    """The chain head, and on request (`?run=1`, `&files=1`) a full verification."""
    result = ledger_verify(check_files=request.GET.get("files") == "1") if request.GET.get("run") == "1" else None
    return render(request, "scoring_ledger/chain/verify.html", {
        "head": LedgerHead.objects.filter(pk=1).first(), "result": result,
        "files": request.GET.get("files") == "1",
    })


class ReverseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of entry"), choices=[
        (LedgerEntry.Kind.REVERSAL, _("Reversal (the entry was wrong)")),
        (LedgerEntry.Kind.CORRECTION, _("Correction (e.g. an upheld objection)")),
    ], initial=LedgerEntry.Kind.REVERSAL)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


@_office_required
def ledger_entry_reverse_page(request, pk: int):
    original = get_object_or_404(LedgerEntry.objects.select_related("member"), pk=pk)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = ledger_reverse(actor=request.user, ledger_entry_id=original.pk, **form.cleaned_data)
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, ENTRY_REVERSED % {"seq": original.seq, "new": row.seq})
            return redirect("scoring_ledger:chain_verify")
    return render(request, "scoring_ledger/chain/reverse.html", {"form": form, "original": original})


# --- API -----------------------------------------------------------------------------------------
class MayVerify(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        return _may_verify(request.access)


class RunsScoring(permissions.BasePermission):
    message = PERMISSION_DENIED

    def has_permission(self, request, view):
        return request.access.runs_scoring


class VerifyResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField(help_text="Ledger rows checked.")
    first_broken_seq = serializers.IntegerField(allow_null=True, help_text="Number of the first broken entry.")
    reason = serializers.CharField(help_text="What is wrong (or that all is well), in the user's language.")
    head_matches = serializers.BooleanField(help_text="The chain head agrees with the last row.")
    entry_id = serializers.IntegerField(allow_null=True)
    member_id = serializers.IntegerField(allow_null=True)
    months_checked = serializers.IntegerField()
    files_checked = serializers.IntegerField()
    seconds = serializers.FloatField()


class ChainVerifyAPIView(AccessAPIMixin, APIView):
    """Recompute this township's ledger chain and report the first broken link."""

    permission_classes = [permissions.IsAuthenticated, InTownship, MayVerify]

    @extend_schema(
        parameters=[OpenApiParameter("files", bool, description="Also re-hash every evidence file.")],
        responses={200: VerifyResultSerializer, **ERROR_RESPONSES}, tags=["scoring"],
        operation_id="scoring_chain_verify",
    )
    def get(self, request):
        result = ledger_verify(check_files=request.query_params.get("files") in ("1", "true"))
        return Response(VerifyResultSerializer(result.as_dict()).data)


class PostedRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "seq", "kind", "member", "rule", "entry", "reverses", "points", "occurred_on", "scoring_year",
                  "booked_year", "booked_month", "note", "evidence_hashes", "posted_at", "posted_by_id", "prev_hash",
                  "hash"]
        read_only_fields = fields


class ReverseRequestSerializer(serializers.Serializer):
    reason = serializers.CharField()
    kind = serializers.ChoiceField(choices=[LedgerEntry.Kind.REVERSAL, LedgerEntry.Kind.CORRECTION],
                                   default=LedgerEntry.Kind.REVERSAL)


class LedgerEntryReverseAPIView(AccessAPIMixin, APIView):
    """Post a reversing (or correcting) row for a posted ledger row. Township office only."""

    permission_classes = [permissions.IsAuthenticated, InTownship, RunsScoring]

    @extend_schema(request=ReverseRequestSerializer, responses={201: PostedRowSerializer, 409: ERROR_RESPONSES[400],
                                                                **ERROR_RESPONSES},
                   tags=["scoring"], operation_id="scoring_chain_reverse")
    def post(self, request, pk: int):
        data = ReverseRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = ledger_reverse(actor=request.user, ledger_entry_id=pk, **data.validated_data)
        return Response(PostedRowSerializer(row).data, status=status.HTTP_201_CREATED)
