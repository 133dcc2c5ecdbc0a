"""Every demand of the demo street opens for every person who may see it: the detail page and,
for the ones with a tracking code, the public tracking page. A demand with no linked resident and
no contact phone (an anonymous online report, a desk entry, a meeting's action item) was a 500."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from weiguang.demands.models import Demand
from weiguang.regions import access

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_every_demo_demand_opens_for_everyone_who_may_see_it(demo):
    from weiguang.demands.models import DemandCategory
    from weiguang.volunteers.models import Skill

    # every demo category has its English name, for the English pages
    assert list(DemandCategory.objects.filter(name_en="").values_list("name", flat=True)) == []
    assert not Skill.objects.filter(name_en="").exists() and Skill.objects.exists()
    demands = list(Demand.objects.select_related("grid", "resident").order_by("pk"))
    # the kinds that were a 500: nobody linked and no phone given
    bare = [d for d in demands if d.resident_id is None and not d.contact_phone]
    assert any(d.action_of_id for d in bare), "a meeting's action item"
    assert any(d.channel == "online" for d in bare), "an anonymous online report"
    users = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
    clients: dict[int, Client] = {}
    failures, opened = [], {d.pk: 0 for d in demands}
    for user in users:
        for d in demands:
            if not access.can(user, "demand.view", d):
                continue
            if user.pk not in clients:
                clients[user.pk] = Client()
                clients[user.pk].force_login(user)
            response = clients[user.pk].get(f"/demands/{d.pk}/")
            opened[d.pk] += 1
            if response.status_code != 200:
                failures.append((user.username, d.pk, d.title, response.status_code))
    assert failures == []
    # every demand was opened by someone (its community's staff at least)
    assert [pk for pk, n in opened.items() if n == 0] == []
    anonymous = Client()
    for d in demands:
        if d.tracking_code:
            assert anonymous.get(f"/demands/track/{d.tracking_code}/").status_code == 200, d.pk


@pytest.fixture
def bare_demands(people, tree):
    """One demand of each kind that has no linked resident and no phone."""
    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    from weiguang.demands.services import deliberations, intake

    online = intake.submit_demand(AnonymousUser(), grid=tree.grid_a1, title="路灯不亮了", client="192.0.2.9")
    desk = intake.submit_demand(
        people.staff, grid=tree.grid_a1, title="楼下垃圾没人清", contact_name="路过的大爷"
    )
    meeting = deliberations.schedule_meeting(
        people.staff, region=tree.community_a, title="停车议事会", held_at=timezone.now(), place="活动室"
    )
    deliberations.record_decision(
        meeting,
        people.staff,
        decision="划线增加车位",
        actions=[("施划停车线", people.grid_worker, tree.grid_a1)],
    )
    action = Demand.objects.get(action_of=meeting)
    return {"online": online, "desk": desk, "action item": action}


@pytest.mark.parametrize("kind", ["online", "desk", "action item"])
def test_a_demand_without_resident_or_phone_opens_for_staff_and_handlers(client, people, bare_demands, kind):
    d = bare_demands[kind]
    assert d.resident_id is None and not d.contact_phone
    for user in (people.staff, people.street_admin, people.grid_worker):
        client.force_login(user)
        response = client.get(f"/demands/{d.pk}/")
        assert response.status_code == 200, (user.username, kind)
        assert d.title in response.content.decode()


def test_only_an_online_report_says_it_was_submitted_online(client, people, bare_demands):
    """A meeting's action item or a desk entry with nobody to contact said 匿名（线上提交）."""
    client.force_login(people.staff)
    for kind, expected in [
        ("online", "匿名（线上提交）"),
        ("desk", "路过的大爷"),
        ("action item", "未登记联系人"),
    ]:
        page = client.get(f"/demands/{bare_demands[kind].pk}/").content.decode()
        contact = page.split('data-testid="contact"', 1)[1].split("</section>", 1)[0]
        assert expected in contact, kind
        if kind != "online":
            assert "线上提交" not in contact, kind
