"""The county's Party dues rule (党费), one row (pk=1) in the public schema.

Members with a monthly income (wage or pension, after tax) pay a percentage of it by bracket;
farmers pay a fixed monthly amount; members on hardship bases pay the minimum. The defaults are
the brackets of the Central Organisation Department's 2008 rule: up to 3,000 yuan 0.5 %, up to
5,000 yuan 1 %, up to 10,000 yuan 1.5 %, above 2 %; farmers 1 yuan, minimum 0.20 yuan a month.
"""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

BRACKETS_ORDER = _("Bracket limits must rise: first < second < third.")

MONEY = {"max_digits": 9, "decimal_places": 2}
RATE = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0")),
                                                               MaxValueValidator(Decimal("10"))]}


class DuesPolicy(models.Model):
    bracket1_up_to = models.DecimalField(_("first bracket: income up to (yuan)"), default=Decimal("3000"), **MONEY,
                                         validators=[MinValueValidator(Decimal("0.01"))])
    bracket1_rate = models.DecimalField(_("first bracket rate (%)"), default=Decimal("0.5"), **RATE)
    bracket2_up_to = models.DecimalField(_("second bracket: income up to (yuan)"), default=Decimal("5000"), **MONEY)
    bracket2_rate = models.DecimalField(_("second bracket rate (%)"), default=Decimal("1.0"), **RATE)
    bracket3_up_to = models.DecimalField(_("third bracket: income up to (yuan)"), default=Decimal("10000"), **MONEY)
    bracket3_rate = models.DecimalField(_("third bracket rate (%)"), default=Decimal("1.5"), **RATE)
    top_rate = models.DecimalField(_("rate above the third bracket (%)"), default=Decimal("2.0"), **RATE)
    farmer_monthly = models.DecimalField(_("farmers: monthly dues (yuan)"), default=Decimal("1.00"), **MONEY,
                                         validators=[MinValueValidator(Decimal("0"))])
    minimum_monthly = models.DecimalField(_("minimum monthly dues (yuan)"), default=Decimal("0.20"), **MONEY,
                                          validators=[MinValueValidator(Decimal("0"))])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("county dues rule")

    def __str__(self) -> str:
        return str(_("county dues rule"))

    def clean(self):
        if not self.bracket1_up_to < self.bracket2_up_to < self.bracket3_up_to:
            raise ValidationError({"bracket2_up_to": BRACKETS_ORDER})
