"""Partner services: units and representatives, resources. (Projects, surveys, the three lists
and what the units delivered: tests/lists/test_services.py.)"""

from __future__ import annotations

import datetime as dt

import pytest

from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.partners import services
from weiguang.partners.models import PartnerKind, PartnerUnit, Resource, ResourceKind
from weiguang.regions import access
from weiguang.regions.models import Membership, Role
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import WishKind

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)


def resource(unit, by, **kw):
    fields = {"kind": ResourceKind.SERVICE, "title": "免费理发", "quantity": 30, "quantity_unit": "次", **kw}
    return services.add_resource(unit, by, **fields)


# --- units and representatives -------------------------------------------------------------


def test_staff_register_a_unit_and_a_representative_then_claims_for_it(people, tree, make_wish):
    unit = services.create_unit(
        people.street_admin, region=tree.street, name="八大湖社区卫生服务中心", kind=PartnerKind.HOSPITAL,
        contact_name="冯医生", contact_phone="0532-8888666", party_organisation="卫生服务中心党支部",
        party_members=12, communities=[tree.community_a],
    )  # fmt: skip
    assert unit.serves(tree.grid_a1) and not unit.serves(tree.grid_b1)
    doctor = UserFactory(username="doctor", first_name="冯医生")
    services.add_representative(unit, people.street_admin, doctor)
    assert Membership.objects.filter(user=doctor, region=tree.street, role=Role.PARTNER_REP).exists()
    wish = make_wish("published", kind=WishKind.SERVICE, title="想请医生上门量血压")
    wish = wish_services.claim_wish(wish, doctor, partner=unit)
    assert wish.current_claim.partner == unit
    # removed: the role goes, since they represent no other unit of the street
    services.remove_representative(unit, people.street_admin, doctor)
    assert not Membership.objects.filter(user=doctor, role=Role.PARTNER_REP).exists()
    assert not access.can(doctor, "wish.claim", tree.grid_a1)


def test_a_representative_of_two_units_keeps_the_role_until_the_last(people, tree, other_unit):
    services.add_representative(other_unit, people.street_admin, people.partner_rep)
    services.remove_representative(people.partner, people.street_admin, people.partner_rep)
    assert Membership.objects.filter(user=people.partner_rep, role=Role.PARTNER_REP).exists()
    services.remove_representative(other_unit, people.street_admin, people.partner_rep)
    assert not Membership.objects.filter(user=people.partner_rep, role=Role.PARTNER_REP).exists()


@pytest.mark.parametrize("who", ["staff", "outsider_staff", "partner_rep", "volunteer", "stranger"])
def test_only_street_staff_name_representatives(people, who):
    newcomer = UserFactory(username="newcomer")
    with pytest.raises(NotAllowed):
        services.add_representative(people.partner, getattr(people, who), newcomer)
    assert not people.partner.representatives.filter(pk=newcomer.pk).exists()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_representative_edits_the_profile_but_not_the_name(people, tree):
    unit = services.update_unit(
        people.partner,
        people.partner_rep,
        contact_name="郑经理",
        contact_phone="13800001111",
        party_members=8,
    )
    assert (unit.contact_phone, unit.party_members) == ("13800001111", 8)
    before = AuditEntry.objects.count()
    with pytest.raises(NotAllowed):
        services.update_unit(unit, people.partner_rep, name="改个名字")
    with pytest.raises(NotAllowed):
        services.update_unit(unit, people.partner_rep, communities=[tree.community_a])
    assert AuditEntry.objects.count() == before
    unit = services.update_unit(
        unit, people.street_admin, name="青岛银行八大湖支行营业部", communities=[tree.community_b]
    )
    assert unit.name == "青岛银行八大湖支行营业部" and list(unit.communities.all()) == [tree.community_b]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"name": "青岛银行八大湖支行"}, "name"),  # taken
        ({"name": "X"}, "name"),
        ({"kind": "pirate"}, "kind"),
        ({"contact_phone": "call me"}, "contact_phone"),
        ({"party_members": -1}, "party_members"),
        ({"communities": "other"}, "communities"),
    ],
)
def test_unit_input_is_checked(people, tree, fields, field):
    if fields.get("communities") == "other":
        fields["communities"] = [tree.other_community]
    base = {"region": tree.street, "name": "惠民超市八大湖店", "kind": PartnerKind.MERCHANT}
    with pytest.raises(InvalidInput) as e:
        services.create_unit(people.street_admin, **{**base, **fields})
    assert field in e.value.fields
    assert PartnerUnit.objects.count() == 1


# --- resources ------------------------------------------------------------------------------


def test_resources_are_offered_edited_and_withdrawn(people, tree, other_unit):
    r = resource(people.partner, people.partner_rep, area=tree.community_a)
    assert r.active and r.area == tree.community_a
    r = services.update_resource(r, people.partner_rep, quantity=0, available_from=TODAY)
    assert r.quantity == 0  # all given out: zero is fine
    with pytest.raises(NotAllowed):
        services.update_resource(r, people.other_rep, quantity=5)
    with pytest.raises(NotAllowed):
        resource(people.partner, people.other_rep)
    r = services.withdraw_resource(r, people.street_admin, "活动结束")
    assert not r.active
    with pytest.raises(Conflict) as e:
        services.withdraw_resource(r, people.partner_rep)
    assert e.value.code == "withdrawn"
    with pytest.raises(Conflict):
        services.update_resource(r, people.partner_rep, title="还在吗")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"quantity": -1}, "quantity"),
        ({"available_from": TODAY, "available_until": TODAY - dt.timedelta(days=1)}, "available_until"),
        ({"area": "outside"}, "area"),
        ({"title": ""}, "title"),
        ({"kind": "magic"}, "kind"),
    ],
)
def test_resource_input_is_checked(people, tree, fields, field):
    if fields.get("area") == "outside":
        fields["area"] = tree.other_community
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as e:
        resource(people.partner, people.partner_rep, **fields)
    assert field in e.value.fields
    assert not Resource.objects.exists() and AuditEntry.objects.count() == before


def test_dates_are_checked_against_the_stored_ones_on_update(people):
    r = resource(people.partner, people.partner_rep, available_from=TODAY)
    with pytest.raises(InvalidInput) as e:
        services.update_resource(r, people.partner_rep, available_until=TODAY - dt.timedelta(days=3))
    assert "available_until" in e.value.fields


def test_withdrawing_a_resource_is_a_transition_with_its_audit_entry(people):
    r = resource(people.partner, people.partner_rep)
    r = services.withdraw_resource(r, people.partner_rep, "活动结束")
    entry = AuditEntry.objects.filter(object_id=str(r.pk), content_type__model="resource").latest("id")
    assert (entry.action, entry.from_state, entry.to_state, entry.note) == (
        "withdraw",
        "active",
        "withdrawn",
        "活动结束",
    )
    assert not Resource.objects.get(pk=r.pk).active and r.state == "withdrawn"
