"""Big tables benchmark (issue 14 item 4): the entries list and the audit trail of one township with
20,000 rows each, through the whole stack (Django's test client, logged in as the township office).

Measures (printed as `name: value unit`):
  - `entries_page_first` / `_last`: the paged list, first and last page (median of 5), with the
    query count of each (it must not grow with the page's position or the table's size);
  - `entries_export`: `?format=xlsx` of all 20,000 rows (the bound), time (after a warm-up), file size,
    and the peak Python memory while it is built and streamed (tracemalloc), against the peak of
    merely loading the same rows into a list (`entries_list_all`);
  - `audit_page_first` / `audit_export`: the same for 20,000 audit events.

Own database `bench_tables` (Django's test-database utilities, dropped at the end; BENCH_KEEPDB=1
keeps it), township `benchtables` (schema t_benchtables). BENCH_ROWS changes the number of rows.
"""
from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["TEST_DATABASE_NAME"] = "bench_tables"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "20000"))
CODE = "benchtables"


def out(name: str, value, unit: str = "") -> None:
    print(f"{name}: {value}{' ' + unit if unit else ''}", flush=True)


def get(client, path):
    try:
        response = client.get(path)
        body = response.getvalue()
    finally:
        connection.set_schema_to_public()
    assert response.status_code == 200, (path, response.status_code)
    return body


def median_ms(run, repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def peak_mib(run) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        get(client, path)
    return len(captured)


def main() -> int:
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from accounts.models import Role, RoleAssignment, User
        from audit.models import AuditEvent
        from scoring.catalogue.models import Rule
        from scoring.catalogue.services import scoring_year_adopt
        from scoring.ledger.models import Entry
        from scoring.ledger.selectors import entry_export_rows
        from tenants.organisation.models import Branch, Member, Village
        from tenants.townships.models import Domain, Township
        from tenants.townships.services import county_ensure
        from tests.factories import make_id_number
        from tests.scoring.conftest import scoring_template_ensure

        county_ensure()
        township = Township.objects.create(code=CODE, name="大表基准镇", schema_name=f"t_{CODE}",
                                           status=Township.Status.READY)
        Domain.objects.create(domain=CODE, tenant=township, is_primary=True)
        township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
        office = User.objects.create(username="bench-office", full_name="基准党建办")
        RoleAssignment.objects.create(user=office, township=township, role=Role.TOWNSHIP_OFFICE)
        template = scoring_template_ensure(year=2026)
        with tenant_context(township):
            year = scoring_year_adopt(actor=None, year=2026, template_id=template.pk)
            rule = Rule.objects.filter(scoring_year=year, code="B01").first()
            village = Village.objects.create(name="基准村", code="B001")
            branch = Branch.objects.create(name="基准村党支部", kind=Branch.Kind.VILLAGE, village=village)
            members = Member.objects.bulk_create([
                Member(branch=branch, name=f"党员{i:04d}", sex="M", birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=i),
                       id_number=make_id_number(birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=i), sex="M"),
                       joined_on=dt.date(1995, 1, 1), phone="13800000000")
                for i in range(2000)])
            Entry.objects.bulk_create([
                Entry(member=members[i % len(members)], rule=rule, occurred_on=dt.date(2026, 3, 1 + i % 28),
                      points=Decimal(2), entered_by_id=office.pk, lag_days=1, note=f"记录{i}")
                for i in range(ROWS)], batch_size=2000)
            AuditEvent.objects.bulk_create([
                AuditEvent(actor_label="基准党建办", action="member.update", object_type="organisation.member",
                           object_id=str(i), object_repr=f"党员{i % 2000:04d}", before={"phone": "1"},
                           after={"phone": str(i)})
                for i in range(ROWS)], batch_size=2000)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            access_rows = lambda: list(entry_export_rows(access=_office_access(office, township)))  # noqa: E731
            out("entries_list_all", f"{peak_mib(access_rows):.1f}",
                f"MiB peak to load {ROWS:,} entries into a list (for comparison)")
        connection.set_schema_to_public()

        client = Client()
        client.force_login(office)
        base = f"/t/{CODE}"
        last = (ROWS + 29) // 30
        for name, path in (("entries_page_first", f"{base}/scoring/entries/"),
                           ("entries_page_last", f"{base}/scoring/entries/?page={last}")):
            out(name, f"{median_ms(lambda p=path: get(client, p), 5):.1f}",
                f"ms (median of 5; {queries(client, path)} queries)")
        export = f"{base}/scoring/entries/?format=xlsx"
        out("entries_export", f"{median_ms(lambda: get(client, export), 1):.0f}",
            f"ms for {ROWS:,} rows (after a warm-up); {len(get(client, export)) / 2**20:.1f} MiB file; "
            f"{peak_mib(lambda: get(client, export)):.1f} MiB peak Python memory")
        audit = f"{base}/audit/?action=member.update"
        out("audit_page_first", f"{median_ms(lambda: get(client, audit), 5):.1f}",
            f"ms (median of 5; {queries(client, audit)} queries)")
        out("audit_export", f"{median_ms(lambda: get(client, audit + '&format=xlsx'), 1):.0f}",
            f"ms for {ROWS:,} events (after a warm-up); "
            f"{peak_mib(lambda: get(client, audit + '&format=xlsx')):.1f} MiB peak Python memory")
    finally:
        connection.set_schema_to_public()
        if os.environ.get("BENCH_KEEPDB") != "1":
            connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


def _office_access(user, township):
    from accounts.access import access_for

    return access_for(user, township)


if __name__ == "__main__":
    sys.exit(main())
