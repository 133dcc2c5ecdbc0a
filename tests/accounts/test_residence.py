"""Where I live: a person's residence request, confirmed (linking or creating a resident
record) or rejected by staff of that community, or withdrawn; who is refused; what an
unconfirmed person may post."""

from __future__ import annotations

import pytest

from weiguang.accounts import residence
from weiguang.accounts.models import ResidenceRequest, ResidenceStatus
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import Notification
from weiguang.demands.services import intake
from weiguang.people.models import Resident
from weiguang.regions.models import Building, Membership, Role
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import WishKind

from ..factories import ResidentFactory
from .conftest import PHONE

pytestmark = pytest.mark.django_db


def send(user, tree, buildings, door="2-301"):
    return residence.request_residence(user, grid=tree.grid_a1, building=buildings["a1"], door=door)


def test_a_request_waits_for_the_community_staff(people, tree, buildings, newcomer):
    req = send(newcomer, tree, buildings, door="  2-301 ")

    assert req.status == ResidenceStatus.PENDING and req.door == "2-301"
    assert residence.standing(newcomer).unconfirmed
    assert list(residence.pending_for(people.staff)) == [req]
    assert list(residence.pending_for(people.street_admin)) == [req]
    assert not residence.pending_for(people.staff_b).exists()
    assert not residence.pending_for(people.grid_worker).exists()
    assert Notification.objects.filter(recipient=people.staff, url="/staff/residence/").exists()
    assert not Notification.objects.filter(recipient=people.staff_b).exists()
    assert [e.action for e in history_of(req)] == ["request"]


def test_the_building_must_be_of_the_grid_and_the_door_given(tree, buildings, newcomer):
    with pytest.raises(InvalidInput) as err:
        residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a2"], door="1")
    assert err.value.fields == {"building": "invalid"}
    with pytest.raises(InvalidInput) as err:
        residence.request_residence(newcomer, grid=tree.community_a, building=buildings["a1"], door="1")
    assert err.value.fields == {"grid": "invalid"}
    with pytest.raises(InvalidInput) as err:
        send(newcomer, tree, buildings, door="   ")
    assert err.value.fields == {"door": "required"}
    assert not ResidenceRequest.objects.exists()


def test_a_second_request_replaces_the_pending_one(tree, buildings, newcomer):
    first = send(newcomer, tree, buildings)
    second = residence.request_residence(newcomer, grid=tree.grid_a2, building=buildings["a2"], door="9-101")

    first.refresh_from_db()
    assert first.status == ResidenceStatus.WITHDRAWN
    assert second.status == ResidenceStatus.PENDING
    assert residence.standing(newcomer).grid == tree.grid_a2


def test_confirm_links_the_record_with_the_same_phone_in_that_community(people, tree, buildings, newcomer):
    match = ResidentFactory(name="刘晓梅", grid=tree.grid_a2, phone=PHONE, building="7号楼", door="1-101")
    ResidentFactory(name="刘晓梅", grid=tree.grid_b1, phone=PHONE)  # another community: not offered
    ResidentFactory(name="刘某", grid=tree.grid_a1, phone="13700002222")  # another phone
    req = send(newcomer, tree, buildings)

    assert list(residence.matches_for(req)) == [match]
    done = residence.confirm_residence(req, people.staff, resident=match)

    assert done.status == ResidenceStatus.CONFIRMED and done.resident == match
    assert done.decided_by == people.staff and done.decided_at is not None
    match.refresh_from_db()
    assert match.user == newcomer
    assert Resident.objects.filter(user=newcomer).count() == 1
    # the resident role is where the linked record lives (grid A2), not the grid the person named
    assert list(
        Membership.objects.filter(user=newcomer, role=Role.RESIDENT).values_list("region", flat=True)
    ) == [tree.grid_a2.pk]
    note = Notification.objects.get(recipient=newcomer)
    assert note.url == "/my/residence/" and note.title == "社区已核实您的住址"
    assert tree.grid_a2.name in note.body and tree.grid_a1.name not in note.body
    entry = history_of(done).get(action="confirm")
    assert entry.actor == people.staff and entry.from_state == "pending" and entry.to_state == "confirmed"
    newcomer.refresh_from_db()
    assert residence.standing(newcomer).confirmed


def test_a_record_of_another_community_cannot_be_linked(people, tree, buildings, newcomer):
    elsewhere = ResidentFactory(name="刘晓梅", grid=tree.grid_b1, phone=PHONE)
    req = send(newcomer, tree, buildings)

    with pytest.raises(InvalidInput) as err:
        residence.confirm_residence(req, people.street_admin, resident=elsewhere.pk)

    assert err.value.fields == {"resident_id": "not_a_match"}
    req.refresh_from_db()
    elsewhere.refresh_from_db()
    assert req.status == ResidenceStatus.PENDING and elsewhere.user is None


def test_confirm_without_a_match_creates_the_record(people, tree, buildings, newcomer):
    req = send(newcomer, tree, buildings)

    done = residence.confirm_residence(req, people.staff)

    made = Resident.objects.get(user=newcomer)
    assert done.resident == made
    assert (made.name, made.phone, made.grid, made.building, made.door) == (
        "刘晓梅", PHONE, tree.grid_a1, "3号楼", "2-301",
    )  # fmt: skip
    assert made.consent


def test_reject_needs_a_reason_and_tells_the_person(people, tree, buildings, newcomer):
    req = send(newcomer, tree, buildings)
    with pytest.raises(InvalidInput):
        residence.reject_residence(req, people.staff, reason="  ")

    done = residence.reject_residence(req, people.staff, reason="本楼没有这个门牌")

    assert done.status == ResidenceStatus.REJECTED and done.reason == "本楼没有这个门牌"
    note = Notification.objects.get(recipient=newcomer)
    assert note.body == "本楼没有这个门牌"
    assert not Resident.objects.filter(user=newcomer).exists()
    assert not residence.standing(newcomer).unconfirmed  # no longer pending: may send again
    with pytest.raises(Conflict):
        residence.confirm_residence(done, people.staff)


def test_the_person_withdraws_and_nobody_else_may(people, tree, buildings, newcomer):
    req = send(newcomer, tree, buildings)
    with pytest.raises(NotAllowed):
        residence.withdraw_residence(req, people.staff)

    done = residence.withdraw_residence(req, newcomer)

    assert done.status == ResidenceStatus.WITHDRAWN
    with pytest.raises(Conflict):
        residence.confirm_residence(done, people.staff)


@pytest.mark.parametrize("who", ["staff_b", "outsider_staff", "grid_worker", "volunteer", "resident_user"])
def test_only_staff_of_that_community_decide(people, tree, buildings, newcomer, who):
    """Staff of another community, and the grid worker of the very grid (confirming a real name
    is community staff's), are refused."""
    req = send(newcomer, tree, buildings)

    with pytest.raises(NotAllowed) as err:
        residence.confirm_residence(req, getattr(people, who))
    assert err.value.code == "forbidden" and "社区的工作人员" in err.value.message
    with pytest.raises(NotAllowed):
        residence.reject_residence(req, getattr(people, who), reason="不认识")
    req.refresh_from_db()
    assert req.status == ResidenceStatus.PENDING


def test_a_confirmed_person_cannot_send_another(people, tree, buildings):
    with pytest.raises(Conflict) as err:
        send(people.resident_user, tree, buildings)
    assert err.value.code == "already_confirmed"


def test_a_record_already_linked_meanwhile_is_a_conflict(people, tree, buildings, newcomer):
    req = send(newcomer, tree, buildings)
    ResidentFactory(name="刘晓梅", grid=tree.grid_a1, user=newcomer)  # linked by other means

    with pytest.raises(Conflict):
        residence.confirm_residence(req, people.staff)


def test_a_recorded_residents_building_becomes_choosable(tree):
    ResidentFactory(name="张三", grid=tree.grid_a2, building=" 12号楼 ")
    ResidentFactory(name="李四", grid=tree.grid_a2, building="12号楼")

    assert list(Building.objects.filter(grid=tree.grid_a2).values_list("name", flat=True)) == ["12号楼"]


# --- what an unconfirmed person may post ---------------------------------------------------


def test_an_unconfirmed_person_may_send_a_demand_but_not_a_wish(people, tree, buildings, newcomer):
    send(newcomer, tree, buildings)

    with pytest.raises(NotAllowed) as err:
        wish_services.submit_wish(newcomer, kind=WishKind.ITEM, title="想要一个电饭煲")
    assert err.value.code == "unconfirmed"
    demand = intake.submit_demand(newcomer, grid=tree.grid_a1, title="楼道灯坏了", contact_phone=PHONE)
    assert demand.resident is None and demand.created_by == newcomer
    assert residence.is_unconfirmed_author(demand.created_by)


def test_without_any_request_a_wish_asks_for_the_resident_as_before(newcomer):
    with pytest.raises(InvalidInput) as err:
        wish_services.submit_wish(newcomer, kind=WishKind.ITEM, title="想要一个电饭煲")
    assert "resident_id" in err.value.fields


def test_confirming_links_the_demands_sent_meanwhile(people, tree, buildings, newcomer):
    req = send(newcomer, tree, buildings)
    demand = intake.submit_demand(newcomer, grid=tree.grid_a1, title="楼道灯坏了", contact_phone=PHONE)
    theirs_not = intake.submit_demand(people.staff, grid=tree.grid_a1, title="路灯坏了")

    residence.confirm_residence(req, people.staff)

    demand.refresh_from_db()
    theirs_not.refresh_from_db()
    assert demand.resident == Resident.objects.get(user=newcomer)
    assert theirs_not.resident is None
    assert history_of(demand).filter(action="link_resident", actor=people.staff).exists()
    newcomer.refresh_from_db()
    made, _ = wish_services.submit_wish(newcomer, kind=WishKind.ITEM, title="想要一个电饭煲")
    assert made.resident.user == newcomer
