"""The street's escalation board (吹哨报到) on a 390 px phone: a card per demand, short enough to
scan, the whistle form opened on demand. It was 12,100 px tall with a whistle form open on every
card."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from weiguang.demands.models import Demand, DemandStatus, Department, Transfer
from weiguang.demands.services import dispatch, intake, transfers

from .pages import fits_the_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = 12


def test_the_escalation_board_is_short_on_a_phone_and_the_whistle_opens_on_demand(phone, people, tree):
    handler = UserFactory(username="dept_city", first_name="城管张")
    departments = [Department.objects.create(name=name, street=tree.street) for name in ("城管科", "社会事务办", "住建科", "市场监管所", "派出所")]  # fmt: skip
    departments[0].handlers.add(handler)
    for i in range(CARDS - 2):
        d = intake.submit_demand(people.staff, grid=tree.grid_a1, title=f"楼道堆物第{i + 1}处，多次劝说无效")
        dispatch.escalate_demand(d, people.staff, reason="涉及多个部门，需要街道协调")
    for i in range(2):  # returned by a department: the street reviews the return
        d = intake.submit_demand(people.staff, grid=tree.grid_a1, title=f"路面破损第{i + 1}处")
        d = transfers.transfer_demand(d, people.staff, [(departments[0], None)])
        transfers.request_return(d, handler, reason="不属于本科室职责")

    board = phone()
    log_in(board, "street_admin")
    board.goto("/street/demands/escalated/")
    cards = board.locator("[data-testid=board] > li[data-demand]")
    assert cards.count() == CARDS
    assert fits_the_phone(board)
    height = board.evaluate("document.documentElement.scrollHeight")
    # a card is a few lines (title, state, place, due, the summary to open the whistle form)
    assert height / CARDS < 260, f"{height} px for {CARDS} cards"
    # no whistle form is open until asked for
    assert board.locator("[data-action=transfer]:visible").count() == 0

    first = board.locator("[data-testid=board] > li[data-demand]").first
    demand_id = int(first.get_attribute("data-demand"))
    first.locator("summary").click()
    form = first.locator("[data-action=transfer]")
    assert form.is_visible()
    form.locator("label.dept-name", has_text="城管科").click()
    with board.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "/street/demands/escalated/" in board.url
    assert Demand.objects.get(pk=demand_id).status == DemandStatus.TRANSFERRED
    assert Transfer.objects.get(demand_id=demand_id).summoned
