"""The demo county's spot checks: several months drawn through the real services, checks with
confirmed and discrepancy findings, one discrepancy posted as a reviewed correction."""
from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from django.core.management import call_command

from scoring.ledger.models import Entry, LedgerEntry
from scoring.oversight import services
from scoring.oversight.models import Check, Draw, Finding
from tenants.townships.models import Township

pytestmark = [pytest.mark.django_db]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path)


def test_demo_has_months_of_verifiable_draws_findings_and_a_posted_correction(clock, in_township, tmp_path):
    clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
    call_command("seed_demo", "--small", stdout=io.StringIO())
    township = Township.objects.get(code="qingshi")
    with in_township(township):
        draws = list(Draw.objects.order_by("year", "month"))
        assert [(d.year, d.month, d.status) for d in draws] == [
            (2026, 8, "drawn"), (2026, 9, "drawn"), (2026, 10, "drawn"), (2026, 11, "drawn"), (2026, 12, "committed")]
        for draw in draws[:-1]:
            assert draw.committed_at < dt.datetime(draw.year, draw.month, 1, tzinfo=SHANGHAI)
            assert Check.objects.filter(draw=draw).count() == len(draw.drawn_codes) >= 1
            path = tmp_path / f"{draw.pk}.json"
            path.write_text(json.dumps(services.draw_json(draw)), encoding="utf-8")
            result = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True,
                                    check=False)
            assert (result.returncode, result.stdout.split()) == (0, draw.drawn_codes)
        results = set(Finding.objects.values_list("result", flat=True))
        assert results == {"confirmed", "discrepancy"}
        correction = Finding.objects.exclude(correction=None).get().correction
        assert correction.status == Entry.Status.POSTED
        assert LedgerEntry.objects.get(entry=correction).kind == "correction"
        assert correction.source == f"check:{Check.objects.get(kind='unannounced').pk}"
    out = io.StringIO()
    call_command("seed_demo", "--small", stdout=out)
    with in_township(township):
        assert Draw.objects.count() == len(draws)
        assert Check.objects.filter(kind="unannounced").count() == 1
