"""A transfer's own life (TRANSFER_TRANSITIONS through core.transitions.perform): each step of a
department's part writes an audit entry of the transfer, and a step its state does not allow is
refused with a conflict, writing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from weiguang.core.errors import Conflict, NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.core.transitions import SYSTEM, perform
from weiguang.demands.models import Transfer, TransferStatus
from weiguang.demands.services import deliberations, dispatch, handling, transfers

pytestmark = pytest.mark.django_db

T = TransferStatus


def steps(transfer: Transfer) -> list[tuple[str, str, str]]:
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Transfer), object_id=str(transfer.pk)
    ).order_by("id")
    return [(e.action, e.from_state, e.to_state) for e in entries]


def test_accept_report_and_a_warning_order_each_write_the_transfers_entry(make_demand, people, depts):
    d = make_demand("transferred", via="transfer")
    t = d.transfers.get()
    transfers.accept_transfer(d, depts.handler)
    d = handling.handle_demand(d, depts.handler, result="已修复", is_genuine=True)
    t.refresh_from_db()
    assert t.status == T.DONE and t.accepted_at is not None and t.result == "已修复"
    d = handling.reply_demand(d, people.staff, reply="已修好")
    handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied")
    t.refresh_from_db()
    assert t.status == T.ACTIVE and t.accepted_at is None and t.handled_at is None
    assert steps(t) == [
        ("accept", T.ACTIVE, T.ACTIVE),
        ("report", T.ACTIVE, T.DONE),
        ("reopen", T.DONE, T.ACTIVE),
    ]
    reopen = AuditEntry.objects.get(object_id=str(t.pk), action="reopen", content_type__model="transfer")
    assert reopen.actor is None and reopen.data == {"demand_action": "reopen"}
    handler_entries = AuditEntry.objects.filter(content_type__model="transfer", actor=depts.handler)
    assert {e.action for e in handler_entries} == {"accept", "report"}


def test_a_return_asked_approved_or_rejected(make_demand, people, depts):
    d = make_demand("returned", via="transfer")
    t = d.transfers.get()
    assert t.status == T.RETURN_REQUESTED and t.return_reason == "不属于本科室职责"
    transfers.review_return(d, people.street_admin, approve=False, note="请继续办理")
    t.refresh_from_db()
    assert t.status == T.ACTIVE
    d = transfers.request_return(d, depts.handler, reason="确实不归我们")
    transfers.review_return(d, people.street_admin, approve=True)
    t.refresh_from_db()
    assert t.status == T.RETURNED
    assert [s[0] for s in steps(t)] == ["return", "reject_return", "return", "approve_return"]
    assert steps(t)[-1] == ("approve_return", T.RETURN_REQUESTED, T.RETURNED)


def test_sent_again_and_closed_by_the_staffs_result(make_demand, people, depts):
    d = make_demand("transferred", via="transfer")
    t = d.transfers.get()
    d = dispatch.escalate_demand(d, depts.handler, reason="涉及多个部门")  # its transfer stays live
    d = transfers.transfer_demand(d, people.street_admin, [(depts.city, None), (depts.civil, None)])
    other = d.transfers.exclude(pk=t.pk).get()
    assert steps(t)[-1] == ("resend", T.ACTIVE, T.ACTIVE) and steps(other) == []
    handling.handle_demand(d, people.staff, result="社区统一处理")
    for each in (t, other):
        each.refresh_from_db()
        assert each.status == T.DONE
        assert steps(each)[-1] == ("close", T.ACTIVE, T.DONE)
    closed = AuditEntry.objects.get(object_id=str(other.pk), action="close", content_type__model="transfer")
    assert closed.actor is None and closed.data == {"demand_action": "handle"}


def test_a_meetings_decision_closes_the_live_transfers(make_demand, people, depts):
    d = make_demand("reopened", via="transfer")  # the warning order gave the department its part back
    t = d.transfers.get()
    assert t.status == T.ACTIVE
    meeting = deliberations.schedule_meeting(
        people.staff,
        region=people.tree.community_a,
        title="议事会",
        held_at=timezone.now() + dt.timedelta(days=1),
    )
    deliberations.refer_to_meeting(d, people.staff, meeting)
    deliberations.record_decision(meeting, people.staff, decision="由社区协调物业解决")
    t.refresh_from_db()
    assert t.status == T.DONE and steps(t)[-1] == ("close", T.ACTIVE, T.DONE)
    assert AuditEntry.objects.get(pk=_last(t)).data == {"demand_action": "decide"}


def _last(t: Transfer) -> int:
    return AuditEntry.objects.filter(content_type__model="transfer", object_id=str(t.pk)).latest("id").pk


def test_illegal_transfer_transitions_are_refused_and_write_nothing(make_demand, people, depts):
    d = make_demand("transferred", via="transfer")
    t = d.transfers.get()
    before = AuditEntry.objects.count()
    for action in ("approve_return", "reject_return", "reopen"):
        with pytest.raises(Conflict) as e:
            by = SYSTEM if action == "reopen" else people.street_admin
            perform(t, action, by)
        assert e.value.code == "state_conflict"
    with pytest.raises(NotAllowed):  # closing follows the demand: the system's, no person's
        perform(t, "close", people.street_admin)
    with pytest.raises(NotAllowed):  # another department's handler
        perform(t, "return", depts.handler2)
    t = perform(t, "report", depts.handler)
    for action, by in (("report", depts.handler), ("return", depts.handler), ("accept", depts.handler)):
        with pytest.raises(Conflict):
            perform(t, action, by)
    with pytest.raises(Conflict):
        perform(t, "close", SYSTEM)
    assert AuditEntry.objects.count() == before + 1  # the one report
    assert Transfer.objects.get(pk=t.pk).status == T.DONE
