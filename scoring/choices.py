"""Choices shared by the scoring apps (county templates and township catalogues use the same)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    BASIC = "basic", _("Basic requirements")
    VANGUARD = "vanguard", _("Vanguard role")
    DISCIPLINE = "discipline", _("Discipline deductions")
    VETO = "veto", _("One-vote veto")


class AppliesTo(models.TextChoices):
    """Which members an item may be recorded for."""

    ALL = "all", _("All members")
    RESIDENT = "resident", _("Members living in the village")
    MIGRANT = "migrant", _("Migrant members away from home")
    SPECIAL_OCCUPATION = "special_occupation", _("Special occupations (e.g. seamen)")
    REMOTE = "remote", _("Migrant or special-occupation members")
    ELDERLY = "elderly", _("Elderly members")


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASIC = "basic", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


class ReviewLevel(models.TextChoices):
    BRANCH = "branch", _("Branch self-assessment")
    WORK_TEAM = "work_team", _("Village work-team review")
    LIAISON = "liaison", _("Liaison-leader weighting")


REVIEW_LEVEL_ORDER = [ReviewLevel.BRANCH, ReviewLevel.WORK_TEAM, ReviewLevel.LIAISON]


class MeetingKind(models.TextChoices):
    """Kinds of branch meetings and activities (三会一课 and more)."""

    MEMBERS = "members", _("Branch members' meeting (支部党员大会)")
    COMMITTEE = "committee", _("Branch committee meeting (支委会)")
    GROUP = "group", _("Party group meeting (党小组会)")
    LESSON = "lesson", _("Party lesson (党课)")
    THEME_DAY = "theme_day", _("Theme Party day (主题党日)")
    VOLUNTEER = "volunteer", _("Volunteer activity")
    OTHER = "other", _("Other activity")


# Months between required meetings of each kind (0: not required); the county may change them.
DEFAULT_MEETING_FREQUENCIES = {"members": 3, "committee": 1, "group": 1, "lesson": 3, "theme_day": 1,
                               "volunteer": 0, "other": 0}
