"""Partner pages as people use them: a representative keeps the unit's profile and resources
and sees what the unit delivered; staff read the three lists, create a project from a need
and a resource and run it to its outcome; others are kept out."""

from __future__ import annotations

import pytest

from weiguang.lists.models import Project, ProjectStatus
from weiguang.partners.models import Resource
from weiguang.wishes import services as wish_services

pytestmark = pytest.mark.django_db


def test_a_representative_keeps_the_unit_and_sees_its_record(client, people, make_wish):
    unit = people.partner
    wish = make_wish("published", title="想要一台电风扇")
    wish = wish_services.claim_wish(wish, people.partner_rep, partner=unit)
    client.force_login(people.partner_rep)
    page = client.get(f"/partners/{unit.pk}/").content.decode()
    assert unit.name in page and "想要一台电风扇" in page
    r = client.post(
        f"/partners/{unit.pk}/resources/",
        {"kind": "service", "title": "免费理发", "quantity": "30", "quantity_unit": "人次"},
    )
    assert r.status_code == 302
    resource = Resource.objects.get(unit=unit)
    assert (resource.title, resource.quantity) == ("免费理发", 30)
    bad = client.post(
        f"/partners/{unit.pk}/resources/",
        {
            "kind": "service",
            "title": "坏日期",
            "available_from": "2026-12-10",
            "available_until": "2026-12-01",
        },
    )
    assert bad.status_code == 422
    r = client.post(
        f"/partners/{unit.pk}/profile/",
        {"contact_name": "郑经理", "contact_phone": "13800001111", "party_members": "12"},
    )
    assert r.status_code == 302
    unit.refresh_from_db()
    assert (unit.contact_phone, unit.party_members) == ("13800001111", 12)
    client.post(f"/resources/{resource.pk}/withdraw/")
    assert not Resource.objects.get(pk=resource.pk).active
    for outsider in [people.volunteer, people.outsider_staff, people.resident_user]:
        client.force_login(outsider)
        assert client.get(f"/partners/{unit.pk}/").status_code == 404


def test_staff_make_a_project_from_the_three_lists(client, people, make_wish, make_demand, tree):
    wish = make_wish("published", title="楼道需要加装扶手")
    demand = make_demand(title="老旧小区扶手缺失")
    client.force_login(people.staff)
    needs = client.get(f"/lists/?region={tree.community_a.pk}").content.decode()
    assert "楼道需要加装扶手" in needs and "老旧小区扶手缺失" in needs and people.resident.name not in needs
    client.force_login(people.partner_rep)
    client.post(
        f"/partners/{people.partner.pk}/resources/",
        {"kind": "funds", "title": "扶手改造资金", "quantity": "20000", "quantity_unit": "元"},
    )
    resource = Resource.objects.get(title="扶手改造资金")
    client.force_login(people.street_admin)
    assert "扶手改造资金" in client.get(f"/lists/?region={tree.street.pk}&tab=resources").content.decode()
    form = client.get(f"/projects/new/?region={tree.street.pk}")
    assert form.status_code == 200
    r = client.post(
        f"/projects/new/?region={tree.street.pk}",
        {"title": "楼道扶手改造", "plan": "银行出资，物业施工，两周完成", "owner": people.street_admin.pk,
         "wishes": [wish.pk], "demands": [demand.pk], "resources": [resource.pk]},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:800]
    project = Project.objects.get(title="楼道扶手改造")
    assert list(project.wishes.all()) == [wish] and list(project.resources.all()) == [resource]
    assert (
        client.post(
            f"/projects/new/?region={tree.street.pk}",
            {"title": "空项目", "plan": "x", "owner": people.street_admin.pk},
        ).status_code
        == 422
    )
    client.post(f"/projects/{project.pk}/start/")
    client.post(f"/projects/{project.pk}/finish/", {"text": "完成 3 栋楼 12 个单元的扶手安装"})
    project.refresh_from_db()
    assert project.status == ProjectStatus.DONE and "12 个单元" in project.outcome
    assert "楼道扶手改造" in client.get(f"/lists/?region={tree.street.pk}&tab=projects").content.decode()
    deliveries = client.get(f"/partners/deliveries/?region={tree.street.pk}").content.decode()
    assert people.partner.name in deliveries and "楼道扶手改造" in deliveries
    for outsider in [people.volunteer, people.outsider_staff, people.grid_worker]:
        client.force_login(outsider)
        assert client.get(f"/lists/?region={tree.street.pk}").status_code == 403
