"""Demand fixtures: two departments of the street (each with a handler) and one of the other
street, plus `make_demand(status)` that walks a demand through the services."""

from __future__ import annotations

import pytest

from weiguang.demands.models import Department
from weiguang.demands.services import dispatch, handling, intake, transfers

from ..factories import UserFactory


class Depts:
    def __init__(self, tree):
        self.handler = UserFactory(username="dept_city", first_name="城管张")
        self.city = Department.objects.create(name="城管科", street=tree.street)
        self.city.handlers.add(self.handler)
        self.handler2 = UserFactory(username="dept_civil", first_name="民政李")
        self.civil = Department.objects.create(name="民政科", street=tree.street)
        self.civil.handlers.add(self.handler2)
        self.outsider_handler = UserFactory(username="dept_x", first_name="外街刘")
        self.other = Department.objects.create(name="城管科", street=tree.other_street)
        self.other.handlers.add(self.outsider_handler)


@pytest.fixture
def depts(tree, people):
    return Depts(tree)


@pytest.fixture
def make_demand(people, depts):
    """A demand in grid A1 for the resident, recorded by staff, moved to `status`."""

    def make(status: str = "received", title: str = "楼道灯坏了", via: str = "assign", **kw):
        d = intake.submit_demand(
            people.staff,
            grid=kw.pop("grid", people.tree.grid_a1),
            title=title,
            description=kw.pop("description", "三号楼二单元楼道灯不亮"),
            resident=kw.pop("resident", people.resident),
            **kw,
        )
        if status == "received":
            return d
        if status == "resolved_on_spot":
            return dispatch.resolve_on_spot(d, people.staff, result="当场更换灯泡")
        if via == "assign":
            d = dispatch.assign_demand(d, people.staff, people.grid_worker)
            handler = people.grid_worker
        else:
            d = transfers.transfer_demand(d, people.staff, [(depts.city, None)])
            handler = depts.handler
        if status in ("assigned", "transferred"):
            return d
        if status == "returned":
            return transfers.request_return(d, depts.handler, reason="不属于本科室职责")
        d = handling.handle_demand(d, handler, result="已修复", action_taken="更换灯泡", is_genuine=True)
        if status == "handled":
            return d
        d = handling.reply_demand(d, people.staff, reply="王阿姨您好，灯已修好", public_reply="楼道灯已修复")
        if status == "replied":
            return d
        if status == "reopened":
            return handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied")
        assert status == "closed"
        return handling.evaluate_demand(d, people.resident_user, evaluation="satisfied")

    return make
