"""Choices shared by the township app (scoring.rewards) and the county's part (scoring.rewards.county)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The level that issued an honour, lowest first (village < township < county < city < province)."""

    VILLAGE = "village", _("Village level")
    TOWNSHIP = "township", _("Township level")
    COUNTY = "county", _("County level")
    CITY = "city", _("City level")
    PROVINCE = "province", _("Province level or above")


LEVEL_ORDER = {level.value: position for position, level in enumerate(Level)}


def levels_at_least(level: str) -> list[str]:
    """The levels at or above `level` (every level when it is empty)."""
    floor = LEVEL_ORDER.get(level or "", 0)
    return [value for value, position in LEVEL_ORDER.items() if position >= floor]


class Tier(models.IntegerChoices):
    """A member's star tier; stored as a number so a rollup can compare and aggregate it in SQL."""

    NONE = 0, _("No star")
    ONE = 1, _("One-star member")
    TWO = 2, _("Two-star member")
    THREE = 3, _("Three-star member")
    FOUR = 4, _("Four-star member")
    FIVE = 5, _("Five-star member")
    OUTSTANDING = 6, _("Outstanding member")


class Condition(models.TextChoices):
    """The conditions the county may combine into the Party-member Star rule."""

    RATING_EXCELLENT = "rating_excellent", _("Annual rating excellent")
    HONOURS = "honours", _("Qualifying honours")
    TIER = "tier", _("Star tier at least")
    NO_VETO = "no_veto", _("No one-vote veto")
    NOT_BARRED = "not_barred", _("Not barred by a faking finding")
    RANK_TOP = "rank_top", _("Points rank within the branch's top share")


class ShortlistKind(models.TextChoices):
    JULY_FIRST = "july1", _("七一 (July 1) awards")
    YEAR_END = "year_end", _("Year-end awards")
