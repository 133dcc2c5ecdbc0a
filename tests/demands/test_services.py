"""Every transition of a demand and every refusal, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import Notification
from weiguang.demands.models import Demand, TransferStatus
from weiguang.demands.services import common, dispatch, handling, intake, transfers

pytestmark = pytest.mark.django_db


# --- intake -----------------------------------------------------------------------------


def test_staff_record_a_demand_and_the_community_is_told(people):
    d = intake.submit_demand(
        people.staff,
        grid=people.tree.grid_a1,
        title="楼道灯坏了",
        channel="hotline",
        resident=people.resident,
    )
    assert d.status == "received"
    assert d.channel == "hotline"
    assert (d.community, d.street) == (people.tree.community_a, people.tree.street)
    assert len(d.tracking_code) == 12 and d.tracking_code.isdigit()  # read out as 4-4-4
    assert Notification.objects.filter(recipient=people.staff, title__contains="楼道灯坏了").exists()
    assert [e.action for e in history_of(d)] == ["submit"]


def test_anyone_may_submit_online_anonymously(people):
    d = intake.submit_demand(AnonymousUser(), grid=people.tree.grid_a2, title="垃圾没人清", channel="desk")
    assert d.channel == "online"
    assert d.resident is None and d.created_by is None
    other = intake.submit_demand(AnonymousUser(), grid=people.tree.grid_a2, title="垃圾没人清")
    assert other.tracking_code != d.tracking_code


def test_a_resident_may_not_file_for_someone_else(people):
    with pytest.raises(NotAllowed):
        intake.submit_demand(
            people.resident_user, grid=people.tree.grid_a2, title="邻居噪音", resident=people.other_resident
        )


def test_an_outsider_staff_member_files_only_online(people):
    d = intake.submit_demand(
        people.outsider_staff, grid=people.tree.grid_a1, title="路面坑洼", channel="desk"
    )
    assert d.channel == "online"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"title": "x"}, "title"),
        ({"title": "正常标题", "description": "长" * 2001}, "description"),
        ({"title": "正常标题", "contact_phone": "abc"}, "contact_phone"),
        ({"title": "正常标题", "channel": "fax"}, "channel"),
    ],
)
def test_bad_intake_is_refused_with_the_field(people, kwargs, field):
    with pytest.raises(InvalidInput) as e:
        intake.submit_demand(people.staff, grid=people.tree.grid_a1, **kwargs)
    assert field in e.value.fields


def test_a_demand_must_be_placed_in_a_grid(people):
    with pytest.raises(InvalidInput) as e:
        intake.submit_demand(people.staff, grid=people.tree.community_a, title="正常标题")
    assert "grid" in e.value.fields


# --- dispatch ---------------------------------------------------------------------------


def test_resolve_on_the_spot(make_demand, people):
    d = dispatch.resolve_on_spot(make_demand(), people.staff, result="当场解答")
    assert d.status == "resolved_on_spot"
    assert d.first_response_at and d.handled_at and d.result == "当场解答"


def test_only_staff_of_the_region_dispatch(make_demand, people, depts):
    d = make_demand()
    for user in [people.grid_worker, people.outsider_staff, people.resident_user, depts.handler]:
        with pytest.raises(NotAllowed):
            dispatch.resolve_on_spot(d, user, result="当场解答")
        with pytest.raises(NotAllowed):
            dispatch.assign_demand(d, user, people.grid_worker)
        with pytest.raises(NotAllowed):
            transfers.transfer_demand(d, user, [(depts.city, None)])
    with pytest.raises(InvalidInput):
        dispatch.resolve_on_spot(d, people.staff, result=" ")


def test_assign_to_a_grid_worker_who_is_told(make_demand, people):
    d = dispatch.assign_demand(make_demand(), people.staff, people.grid_worker, note="请尽快")
    assert d.status == "assigned" and d.assignee == people.grid_worker
    assert d.first_response_at is not None
    assert Notification.objects.filter(recipient=people.grid_worker, title__contains="楼道灯坏了").exists()


def test_assignee_must_work_in_the_demands_area(make_demand, people):
    d = make_demand()
    for user in [people.outsider_grid_worker, people.staff_b, people.volunteer]:
        with pytest.raises(InvalidInput):
            dispatch.assign_demand(d, people.staff, user)
    assert Demand.objects.get(pk=d.pk).status == "received"


def test_transfer_to_several_departments_each_with_a_deadline(make_demand, people, depts):
    d = make_demand()
    soon = timezone.localdate() + dt.timedelta(days=3)
    d = transfers.transfer_demand(d, people.staff, [(depts.city, soon), (depts.civil, None)])
    assert d.status == "transferred"
    by_dept = {t.department: t for t in d.transfers.all()}
    assert timezone.localtime(by_dept[depts.city].deadline).date() == soon
    assert by_dept[depts.civil].deadline == d.handle_due
    assert Notification.objects.filter(recipient=depts.handler2).exists()


def test_transfer_refusals(make_demand, people, depts):
    d = make_demand()
    with pytest.raises(InvalidInput):
        transfers.transfer_demand(d, people.staff, [(depts.other, None)])
    with pytest.raises(InvalidInput):
        transfers.transfer_demand(d, people.staff, [])
    with pytest.raises(InvalidInput):
        transfers.transfer_demand(d, people.staff, [(depts.city, None), (depts.city, None)])
    with pytest.raises(InvalidInput):
        transfers.transfer_demand(
            d, people.staff, [(depts.city, timezone.localdate() - dt.timedelta(days=1))]
        )


# --- return (退单) -----------------------------------------------------------------------


def test_a_department_returns_and_the_street_approves(make_demand, people, depts):
    d = make_demand("returned", via="transfer")
    assert d.status == "returned"
    t = d.transfers.get()
    assert t.status == TransferStatus.RETURN_REQUESTED and t.return_reason == "不属于本科室职责"
    assert Notification.objects.filter(recipient=people.street_admin, body="不属于本科室职责").exists()
    with pytest.raises(NotAllowed):
        transfers.review_return(d, people.staff, approve=True)  # the street decides, not the community
    d = transfers.review_return(d, people.street_admin, approve=True, note="改派")
    assert d.status == "escalated"
    assert d.transfers.get().status == TransferStatus.RETURNED
    # the street dispatches it again
    d = transfers.transfer_demand(d, people.street_admin, [(depts.civil, None)])
    assert d.status == "transferred"


def test_the_street_rejects_a_return(make_demand, people, depts):
    d = make_demand("returned", via="transfer")
    d = transfers.review_return(d, people.street_admin, approve=False, note="属于城管职责")
    assert d.status == "transferred"
    assert d.transfers.get().status == TransferStatus.ACTIVE
    d = handling.handle_demand(d, depts.handler, result="已处理")
    assert d.status == "handled"


def test_only_a_department_it_was_transferred_to_may_return_it(make_demand, people, depts):
    d = make_demand("transferred", via="transfer")
    for user in [depts.handler2, depts.outsider_handler, people.staff, people.street_admin]:
        with pytest.raises(NotAllowed):
            transfers.request_return(d, user, reason="不归我们管")
    with pytest.raises(InvalidInput):
        transfers.request_return(d, depts.handler, reason="")


# --- escalation -------------------------------------------------------------------------


def test_escalate_to_the_street(make_demand, people, depts):
    d = make_demand("transferred", via="transfer")
    d = dispatch.escalate_demand(d, depts.handler, reason="涉及多个部门")
    assert d.status == "escalated"
    assert Notification.objects.filter(recipient=people.street_admin, title__contains="楼道灯坏了").exists()
    with pytest.raises(Conflict):
        dispatch.escalate_demand(d, people.staff, reason="再次上报")


def test_overdue_demands_are_escalated_by_the_periodic_job(make_demand, people):
    late = make_demand("assigned", title="树枝挡路")
    make_demand("replied", title="已经答复")
    assert dispatch.escalate_overdue() == 0
    assert dispatch.escalate_overdue(late.handle_due + dt.timedelta(minutes=1)) == 1
    assert Demand.objects.get(pk=late.pk).status == "escalated"
    assert dispatch.escalate_overdue(late.handle_due + dt.timedelta(minutes=1)) == 0
    with pytest.raises(NotAllowed):
        from weiguang.core.transitions import perform

        perform(make_demand(), "auto_escalate", people.street_admin)


# --- handle, reply, evaluate ------------------------------------------------------------


def test_the_assignee_handles_with_flags(make_demand, people):
    d = make_demand("assigned")
    with pytest.raises(NotAllowed):
        handling.handle_demand(d, people.volunteer, result="已修复")
    d = handling.handle_demand(
        d, people.grid_worker, result="已修复", action_taken="换灯泡", is_genuine=True, beyond_remit=True
    )
    assert d.status == "handled" and d.handled_at
    assert (d.is_genuine, d.beyond_remit, d.action_taken) == (True, True, "换灯泡")


def test_a_department_handles_and_its_transfers_are_done(make_demand, people, depts):
    d = make_demand("handled", via="transfer")
    assert d.status == "handled"
    assert d.transfers.get().status == TransferStatus.DONE
    with pytest.raises(Conflict) as e:
        handling.handle_demand(d, people.staff, result="再次处理")
    assert e.value.code == "state_conflict"


def test_reply_only_after_handling_and_the_resident_is_told(make_demand, people):
    with pytest.raises(Conflict):
        handling.reply_demand(make_demand("assigned"), people.staff, reply="已处理")
    d = make_demand("handled")
    with pytest.raises(NotAllowed):
        handling.reply_demand(d, people.grid_worker, reply="已处理")
    with pytest.raises(InvalidInput):
        handling.reply_demand(d, people.staff, reply="")
    d = handling.reply_demand(d, people.staff, reply="王阿姨，已修好", public_reply="已修复")
    assert d.status == "replied" and d.replied_at
    assert Notification.objects.filter(recipient=people.resident_user, body="王阿姨，已修好").exists()


@pytest.mark.parametrize("verdict", ["satisfied", "basically_satisfied"])
def test_a_satisfied_resident_closes_the_demand(make_demand, people, verdict):
    d = handling.evaluate_demand(make_demand("replied"), people.resident_user, evaluation=verdict)
    assert d.status == "closed" and d.closed_at and d.evaluation == verdict


def test_only_the_resident_or_staff_evaluate(make_demand, people, depts):
    d = make_demand("replied")
    for user in [people.grid_worker, depts.handler, people.outsider_staff, people.volunteer]:
        with pytest.raises(NotAllowed):
            handling.evaluate_demand(d, user, evaluation="satisfied")
    with pytest.raises(InvalidInput):
        handling.evaluate_demand(d, people.resident_user, evaluation="great")
    assert handling.evaluate_demand(d, people.staff, evaluation="satisfied").status == "closed"


def test_unsatisfied_reopens_once_as_a_warning_order(make_demand, people, depts):
    d = make_demand("replied", via="transfer")
    d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied", note="灯还是不亮")
    assert d.status == "reopened" and d.warning_count == 1
    assert d.handled_at is None and d.replied_at is None
    assert d.transfers.get().status == TransferStatus.ACTIVE  # back with the department
    assert Notification.objects.filter(recipient=depts.handler, body="灯还是不亮").exists()
    d = handling.handle_demand(d, depts.handler, result="重新更换线路")
    d = handling.reply_demand(d, people.staff, reply="已重新处理")
    d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied")
    assert d.status == "closed" and d.evaluation == "unsatisfied" and d.warning_count == 1


def test_a_reply_without_evaluation_closes_after_the_waiting_period(make_demand, people):
    d = make_demand("replied")
    assert handling.close_unevaluated() == 0
    later = d.replied_at + dt.timedelta(days=common.AUTO_CLOSE_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert handling.close_unevaluated() == 1
    d.refresh_from_db()
    assert d.status == "closed" and d.evaluation == "" and d.closed_at == later
    assert [e.actor for e in history_of(d) if e.action == "auto_close"] == [None]


def test_every_step_is_in_the_history(make_demand):
    d = make_demand("closed")
    assert [e.action for e in history_of(d)] == ["submit", "assign", "handle", "reply", "evaluate"]
