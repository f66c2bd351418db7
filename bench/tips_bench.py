"""Tips benchmark: receipt lookups among 20,000 tips of one township.

Measures (printed as `name: value unit`):
  - `tip_submit`: filing a tip (receipt drawn, scrypt hash, HMAC fingerprint, audit), median of 7;
  - `receipt_lookup_right` / `_wrong`: finding a tip by its receipt code (one indexed query on the
    fingerprint, then scrypt for the right code only), median of 7, with the query count;
  - `tip_list_200`: the handlers' list (first 200 rows), median of 7.

Own database (`BENCH_DATABASE_NAME`, default `bench_tips`; Django's test-database utilities, dropped at the end; BENCH_KEEPDB=1
keeps it), township `benchtips` (schema t_benchtips). BENCH_TIPS changes the number of tips.
"""
from __future__ import annotations

import os
import secrets
import sys

import _common
from _common import median_ms, out

_common.setup("tips")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

TIPS = int(os.environ.get("BENCH_TIPS", "20000"))


def main() -> int:
    with _common.bench_database():
        from accounts.access import access_for
        from accounts.models import Role, RoleAssignment, User
        from scoring.tips.models import Tip
        from scoring.tips.receipts import receipt_normalise
        from scoring.tips.selectors import tip_by_receipt, tip_list
        from scoring.tips.services import tip_submit
        from tenants.townships.models import Domain, Township
        from tenants.townships.services import county_ensure

        county_ensure()
        township = Township.objects.create(code="benchtips", name="举报基准镇", schema_name="t_benchtips",
                                           status=Township.Status.READY)
        Domain.objects.create(domain="benchtips", tenant=township, is_primary=True)
        township.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
        handler = User.objects.create(username="bench-discipline", full_name="基准纪委")
        RoleAssignment.objects.create(user=handler, township=township, role=Role.DISCIPLINE_COMMISSION)
        access = access_for(handler, township)
        with tenant_context(township):
            Tip.objects.bulk_create([
                Tip(subject=f"事项{i}", body="基准", receipt_salt=secrets.token_hex(16),
                    receipt_hash=secrets.token_hex(32), receipt_fingerprint=secrets.token_hex(32))
                for i in range(TIPS)], batch_size=2000)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            out("tips", Tip.objects.count(), "tips in the township")
            codes = []
            out("tip_submit", f"{median_ms(lambda: codes.append(tip_submit(subject='基准', body='基准')[1])):.1f}",
                "ms (median of 7)")
            right = receipt_normalise(codes[-1])
            wrong = "0" * 16
            with CaptureQueriesContext(connection) as queries:
                assert tip_by_receipt(right) is not None
            out("receipt_lookup_right", f"{median_ms(lambda: tip_by_receipt(right)):.1f}",
                f"ms (median of 7; {len(queries)} queries incl. search path)")
            out("receipt_lookup_wrong", f"{median_ms(lambda: tip_by_receipt(wrong)):.1f}", "ms (median of 7)")
            out("tip_list_200", f"{median_ms(lambda: list(tip_list(access=access)[:200])):.1f}", "ms (median of 7)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
