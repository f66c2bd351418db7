"""The recruitment part of the demo county (`settings.DEMO_STEPS`, after the clerks' step): in the
first demo township, a finished round with three applicants (one refused as ineligible is not stored),
scores, a published ranking and the winner hired as a clerk (account `recruit_<code>`, initial
password, placed in the first village). Idempotent: nothing is written when a round exists."""
from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django_tenants.utils import tenant_context

from common import clock
from common.demo import DemoContext

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")  # a 1x1 image
PASSWORD = "Recruit-2026-demo"
APPLICANTS = [("周小雨", "f", dt.date(1998, 3, 2), "13800000001", "college", Decimal("86"), Decimal("90")),
              ("钱志刚", "m", dt.date(1996, 7, 9), "13800000002", "technical", Decimal("91"), Decimal("78")),
              ("冯雪", "f", dt.date(2000, 11, 20), "13800000003", "bachelor", Decimal("80"), Decimal("85"))]


def demo_step(ctx: DemoContext) -> None:
    if not ctx.townships:
        return
    township, office = ctx.townships[0]
    with tenant_context(township):
        made = _build(township=township, actor=office)
    for what, n in made.items():
        ctx.count(what, n)
    if made:
        ctx.logins.append((f"recruit_{township.code}", "clerk (recruited, initial password " + PASSWORD + ")",
                           str(township.name)))


@transaction.atomic
def _build(*, township, actor) -> dict:
    from staffing.recruitment import services
    from staffing.recruitment.models import Round
    from tenants.organisation.models import Village

    if Round.objects.exists():
        return {}
    village = Village.objects.order_by("code").first()
    if village is None:
        return {}
    today = clock.today(township)
    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    round_ = services.round_open(
        actor=actor, title=f"{today.year}年党建专职招聘", posts=1, village_ids=[village.pk],
        applications_open=day(120), applications_close=day(90), test_on=day(80), interview_on=day(70),
        publish_on=day(60))
    for name, gender, born, phone, education, written, interview in APPLICANTS:
        app = services.application_submit(
            round_=round_, name=name, gender=gender, birth_date=born, phone=phone, education=education,
            county_resident=True, office_skills=True, today=day(100),
            files=[SimpleUploadedFile("id.png", PNG, content_type="image/png")])
        services.scores_enter(actor=actor, application=app, written=written, interview=interview)
    offered = [a for a in services.ranking_publish(actor=actor, round_=round_) if a.status == "offered"]
    services.offer_accept(actor=actor, application=offered[0], username=f"recruit_{township.code}",
                          password=PASSWORD, village=village, starts_on=day(50))
    return {"recruitment rounds": 1, "applications": len(APPLICANTS), "recruited clerks": 1}
