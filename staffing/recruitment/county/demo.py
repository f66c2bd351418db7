"""The county-wide recruitment part of the demo county (`settings.DEMO_STEPS`, after the township
recruitment step): one finished county round with a post in the last demo township, three applicants
scored, the ranking published, the first declining (recorded by the county office, so the second is
offered) and the second hired as a clerk of that township (account `recruit_county`, initial password,
placed in the village with the fewest clerks). Idempotent: nothing is written when a county round exists."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django_tenants.utils import tenant_context

from common import clock
from common.demo import DemoContext
from staffing.recruitment.demo import PASSWORD, PNG

USERNAME = "recruit_county"
APPLICANTS = [("吴晓峰", "m", dt.date(1997, 2, 14), "13800000011", "bachelor", Decimal("92"), Decimal("88")),
              ("郑丽", "f", dt.date(1999, 8, 30), "13800000012", "college", Decimal("85"), Decimal("90")),
              ("王建", "m", dt.date(1995, 12, 5), "13800000013", "technical", Decimal("78"), Decimal("80"))]


def demo_step(ctx: DemoContext) -> None:
    if not ctx.townships or ctx.county_admin is None:
        return
    township = ctx.townships[-1][0]
    made = _build(township=township, actor=ctx.county_admin)
    for what, n in made.items():
        ctx.count(what, n)
    if made:
        ctx.logins.append((USERNAME, "clerk (recruited county-wide, initial password " + PASSWORD + ")",
                           str(township.name)))


def _village_with_room(township, starts_on: dt.date):
    """The village with the fewest clerks serving from `starts_on` on (and fewer than three)."""
    from staffing.clerks.models import Placement
    from tenants.organisation.models import Village

    with tenant_context(township):
        serving = dict(Placement.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
                       .values("village_id").annotate(n=Count("clerk_id", distinct=True))
                       .values_list("village_id", "n"))
        villages = sorted(Village.objects.order_by("code"), key=lambda v: serving.get(v.pk, 0))
    return next((v for v in villages if serving.get(v.pk, 0) < 3), None)


@transaction.atomic
def _build(*, township, actor) -> dict:
    from staffing.recruitment.county import services
    from staffing.recruitment.county.models import CountyApplication, CountyRound

    if CountyRound.objects.exists():
        return {}
    today = clock.today()
    day = lambda n: today - dt.timedelta(days=n)  # noqa: E731
    village = _village_with_room(township, day(60))
    if village is None:
        return {}
    round_ = services.county_round_open(
        actor=actor, title=f"{today.year}年全县党建专职统一招聘", posts=[{"township": township, "places": 1}],
        applications_open=day(150), applications_close=day(120), test_on=day(110), interview_on=day(100),
        publish_on=day(90))
    post = round_.township_posts.get()
    for name, gender, born, phone, education, written, interview in APPLICANTS:
        app = services.county_application_submit(
            round_=round_, post_id=post.pk, name=name, gender=gender, birth_date=born, phone=phone,
            education=education, county_resident=True, office_skills=True, today=day(130),
            files={"id_card": [SimpleUploadedFile("id.png", PNG, content_type="image/png")],
                   "diploma": [SimpleUploadedFile("diploma.png", PNG, content_type="image/png")]})
        services.county_scores_enter(actor=actor, application=app, written=written, interview=interview)
    services.county_ranking_publish(actor=actor, round_=round_, today=day(90))
    first = CountyApplication.objects.get(round=round_, status=CountyApplication.Status.OFFERED)
    _declined, second = services.county_offer_decline(actor=actor, application=first, today=day(88))
    services.county_offer_accept(actor=actor, application=second, username=USERNAME, password=PASSWORD,
                                 village_id=village.pk, starts_on=day(60))
    return {"county recruitment rounds": 1, "county applications": len(APPLICANTS), "recruited clerks": 1}
