"""The demo county shows a scoring year in progress on any date: at each of the suite's pinned
moments (first and last day of a month, New Year's Eve late evening and New Year's Day in
Asia/Shanghai) the small seed leaves closed and sealed months, an open quarterly notice, entries,
and a ledger that verifies."""
import io

import pytest
from django.core.management import call_command

from common import clock as product_clock
from scoring.catalogue.models import ScoringYear
from scoring.ledger.models import Entry
from scoring.ledger.verify import ledger_verify
from scoring.periods.models import MonthClose, Publication
from tenants.townships.models import Township

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_small_demo_is_alive_on_any_date(in_township, clock):
    call_command("seed_demo", "--small", stdout=io.StringIO())
    today = clock.today()
    with in_township(Township.objects.get(code="qingshi")) as township:
        assert product_clock.today(township) == today
        assert ScoringYear.objects.filter(starts_on__lte=today, ends_on__gte=today).exists()
        closes = list(MonthClose.objects.order_by("year", "month").values_list("year", "month"))
        assert len(closes) >= 2
        last_year, last_month = closes[-1]
        # The last closed month ended at most two months ago (months close on the 6th).
        assert (today.year * 12 + today.month) - (last_year * 12 + last_month) in (1, 2)
        publication = Publication.objects.get()
        assert publication.status == "open"
        assert publication.objections_close_at > product_clock.now()
        assert Entry.objects.count() > 0
        assert ledger_verify(check_files=False).ok
