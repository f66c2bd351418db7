"""Reads of a township's organisation, always narrowed to what the asker may see."""
from __future__ import annotations

import django_filters
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.access import Access
from common.filters import filtered
from tenants.organisation.models import Branch, Member, MemberTransfer, Village


def village_scope(access: Access) -> QuerySet[Village]:
    qs = Village.objects.all()
    if access.is_township_wide:
        return qs
    if access.sees_villages:
        return qs.filter(pk__in=access.village_ids)
    if access.branch_ids:
        return qs.filter(branches__pk__in=access.branch_ids).distinct()
    return qs.none()


def branch_scope(access: Access) -> QuerySet[Branch]:
    qs = Branch.objects.all()
    if access.is_township_wide:
        return qs
    condition = Q(pk__in=[])
    if access.village_ids and access.sees_villages:
        condition |= Q(village_id__in=access.village_ids) | Q(parent__village_id__in=access.village_ids)
    if access.branch_ids:
        condition |= Q(pk__in=access.branch_ids) | Q(parent_id__in=access.branch_ids)
    return qs.filter(condition)


def member_scope(access: Access) -> QuerySet[Member]:
    """Members the asker may see: all, those of their villages or branch, or only themselves."""
    qs = Member.objects.all()
    if access.is_township_wide:
        return qs
    if access.sees_member_lists:
        return qs.filter(branch__in=branch_scope(access))
    if access.member_id:
        return qs.filter(pk=access.member_id)
    return qs.none()


class VillageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("search"))

    class Meta:
        model = Village
        fields = ["q"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value))


class BranchFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("search"))
    kind = django_filters.ChoiceFilter(choices=Branch.Kind.choices, label=_("type"))
    village = django_filters.NumberFilter(field_name="village_id", label=_("village"))

    class Meta:
        model = Branch
        fields = ["q", "kind", "village"]


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("search"))
    branch = django_filters.NumberFilter(field_name="branch_id", label=_("branch"))
    village = django_filters.NumberFilter(field_name="branch__village_id", label=_("village"))
    kind = django_filters.ChoiceFilter(choices=Member.Kind.choices, label=_("membership"))
    category = django_filters.ChoiceFilter(choices=Member.Category.choices, label=_("category"))
    status = django_filters.ChoiceFilter(choices=Member.Status.choices, label=_("status"))
    sex = django_filters.ChoiceFilter(choices=Member.Sex.choices, label=_("sex"))
    is_migrant = django_filters.BooleanFilter(label=_("migrant"))
    is_special_occupation = django_filters.BooleanFilter(label=_("special occupation"))
    is_elderly = django_filters.BooleanFilter(label=_("elderly"))

    class Meta:
        model = Member
        fields = ["q", "branch", "village", "kind", "category", "status", "sex", "is_migrant",
                  "is_special_occupation", "is_elderly"]

    def search(self, qs, name, value):
        value = value.strip()
        condition = Q(name__icontains=value) | Q(phone__icontains=value)
        if len(value) >= 4:
            condition |= Q(id_number__endswith=value.upper())
        return qs.filter(condition)


def village_list(*, access: Access, filters: dict | None = None) -> QuerySet[Village]:
    qs = village_scope(access).annotate(
        branch_count=Count("branches", distinct=True),
        member_count=Count("branches__members", filter=Q(branches__members__status=Member.Status.ACTIVE), distinct=True),
    )
    return filtered(VillageFilter, filters, qs)


def branch_list(*, access: Access, filters: dict | None = None) -> QuerySet[Branch]:
    qs = branch_scope(access).select_related("village", "parent").annotate(
        member_count=Count("members", filter=Q(members__status=Member.Status.ACTIVE))
    )
    return filtered(BranchFilter, filters, qs)


def member_list(*, access: Access, filters: dict | None = None) -> QuerySet[Member]:
    qs = member_scope(access).select_related("branch", "branch__village")
    return filtered(MemberFilter, filters, qs)


def member_get(*, access: Access, pk: int) -> Member:
    """One member the asker may see; raises Member.DoesNotExist otherwise (a 404, not a 403)."""
    return member_scope(access).select_related("branch", "branch__village").get(pk=pk)


def member_transfers(*, member: Member) -> QuerySet[MemberTransfer]:
    return member.transfers.select_related("from_branch", "to_branch")


def township_headline(*, access: Access) -> dict[str, int]:
    """Counts for the township home page, within the asker's scope."""
    members = member_scope(access).filter(status=Member.Status.ACTIVE)
    return {
        "villages": village_scope(access).count(),
        "branches": branch_scope(access).count(),
        **members.aggregate(
            members=Count("id"),
            probationary=Count("id", filter=Q(kind=Member.Kind.PROBATIONARY)),
            migrant=Count("id", filter=Q(is_migrant=True)),
            elderly=Count("id", filter=Q(is_elderly=True)),
        ),
    }
