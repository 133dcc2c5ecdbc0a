"""The street's settings for demands (demands.configure): the holiday calendar and the
deadlines it moves, the shared category tree, the departments and their handlers — the rules,
the refusals (which change nothing) and who may do it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from tests.factories import UserFactory, grant
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.core.navigation import role_flags
from weiguang.core.notifications import Notification
from weiguang.demands import calendar, configure
from weiguang.demands.forms import category_choices
from weiguang.demands.models import Demand, DemandCategory, Department, Holiday, Transfer
from weiguang.demands.services import handling, intake, transfers
from weiguang.regions.models import Membership, Role

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def national_days(people, first: str, last: str):
    """国庆节 from `first` to `last` at people's street, added by its admin."""
    return configure.add_holidays(
        people.street_admin, people.tree.street, first=day(first), last=day(last), name="国庆节"
    )


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def other_admin(tree):
    """The street admin of the other street (金门路街道)."""
    user = UserFactory(username="admin_x", first_name="外街管理员")
    grant(user, Role.STREET_ADMIN, tree.other_street)
    return user


def refused_users(people, depts, other_admin):
    return {
        "community staff": people.staff,
        "grid worker": people.grid_worker,
        "department handler": depts.handler,
        "resident": people.resident_user,
        "street admin of another street": other_admin,
    }


# --- the holiday calendar ----------------------------------------------------------------


def test_a_holiday_on_a_weekday_makes_it_a_day_off(people):
    street = people.tree.street
    change = configure.add_holidays(people.street_admin, street, first=day("2026-06-19"), name="端午节")
    assert [h.date for h in change.added] == [day("2026-06-19")]  # a Friday
    assert not calendar.is_workday(street, day("2026-06-19"))
    entry = AuditEntry.objects.get(action="holiday.add")
    assert entry.actor == people.street_admin and entry.object_id == str(street.pk)
    assert entry.data["dates"] == ["2026-06-19"] and entry.note == "端午节"


def test_a_make_up_working_day_on_a_weekend_counts(people):
    street = people.tree.street
    configure.add_holidays(
        people.street_admin, street, first=day("2026-10-10"), is_workday=True, name="国庆调休"
    )
    assert calendar.is_workday(street, day("2026-10-10"))  # a Saturday


def test_a_holiday_on_a_weekend_is_refused_as_meaningless(people):
    with pytest.raises(InvalidInput) as e:
        configure.add_holidays(
            people.street_admin, people.tree.street, first=day("2026-10-03"), name="国庆节"
        )
    assert "2026-10-03" in e.value.message and "Saturday" in e.value.message
    assert "make-up working day" in e.value.message
    assert (
        not Holiday.objects.exists() and not AuditEntry.objects.filter(action__startswith="holiday").exists()
    )


def test_a_working_day_on_a_weekday_is_refused_as_meaningless(people):
    with pytest.raises(InvalidInput) as e:
        configure.add_holidays(
            people.street_admin, people.tree.street, first=day("2026-10-08"), is_workday=True, name="调休"
        )
    assert "Thursday" in e.value.message and "Saturday or Sunday" in e.value.message
    assert not Holiday.objects.exists()


def test_a_range_records_the_weekdays_and_leaves_out_the_weekend(people):
    change = national_days(people, "2026-10-01", "2026-10-07")
    assert [h.date.day for h in change.added] == [1, 2, 5, 6, 7]
    assert change.skipped == [day("2026-10-03"), day("2026-10-04")]
    assert set(Holiday.objects.values_list("name", "is_workday")) == {("国庆节", False)}


def test_a_day_already_in_the_calendar_is_refused_and_a_range_then_adds_nothing(people):
    street = people.tree.street
    configure.add_holidays(people.street_admin, street, first=day("2026-10-05"), name="国庆节")
    with pytest.raises(Conflict) as e:
        configure.add_holidays(people.street_admin, street, first=day("2026-10-05"), name="国庆节")
    assert e.value.status == 409 and "2026-10-05" in e.value.message and "国庆节" in e.value.message
    with pytest.raises(Conflict):
        configure.add_holidays(
            people.street_admin, street, first=day("2026-10-01"), last=day("2026-10-07"), name="国庆"
        )
    assert list(Holiday.objects.values_list("date", flat=True)) == [day("2026-10-05")]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"first": day("2026-10-07"), "last": day("2026-10-01"), "name": "国庆节"}, "until"),
        ({"first": day("2026-07-01"), "last": day("2026-08-31"), "name": "暑假"}, "until"),
        ({"first": day("2026-10-01"), "name": "  "}, "name"),
        ({"first": day("2026-10-01"), "name": "节" * 51}, "name"),
        ({"first": day("2026-10-03"), "last": day("2026-10-04"), "name": "周末"}, "date"),
        ({"first": day("1999-10-01"), "name": "国庆节"}, "date"),
    ],
)
def test_bad_calendar_input_is_refused_with_the_field(people, kwargs, field):
    with pytest.raises(InvalidInput) as e:
        configure.add_holidays(people.street_admin, people.tree.street, **kwargs)
    assert field in e.value.fields
    assert not Holiday.objects.exists()


def test_removing_a_day_restores_the_weekday(people):
    street = people.tree.street
    change = configure.add_holidays(people.street_admin, street, first=day("2026-10-08"), name="误录")
    configure.remove_holiday(people.street_admin, change.added[0])
    assert calendar.is_workday(street, day("2026-10-08"))
    assert AuditEntry.objects.filter(action="holiday.remove", data__dates=["2026-10-08"]).exists()


def test_only_the_streets_admins_keep_its_calendar(people, depts, other_admin):
    street = people.tree.street
    for who, user in refused_users(people, depts, other_admin).items():
        with pytest.raises(NotAllowed):
            configure.add_holidays(user, street, first=day("2026-10-08"), name="国庆节")
        assert not Holiday.objects.exists(), who
    mine = configure.add_holidays(
        other_admin, people.tree.other_street, first=day("2026-10-08"), name="国庆节"
    )
    with pytest.raises(NotAllowed):
        configure.remove_holiday(people.street_admin, mine.added[0])
    assert Holiday.objects.count() == 1


def test_a_superuser_keeps_every_streets_settings(people):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert set(configure.configurable_streets(root)) == {people.tree.street, people.tree.other_street}
    assert set(configure.configurable_streets(people.street_admin)) == {people.tree.street}
    assert not configure.configurable_streets(people.staff).exists()
    configure.add_holidays(root, people.tree.other_street, first=day("2026-10-08"), name="国庆节")


# --- the calendar moves the deadlines of open demands -------------------------------------


def test_adding_a_holiday_moves_the_deadline_of_an_open_demand(people, depts):
    street = people.tree.street
    with time_machine.travel(at(2026, 9, 28, 10, 0), tick=False):  # Monday
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="楼道灯坏了")
        assert d.handle_due == at(2026, 10, 5, 10, 0)  # 29, 30, 1, 2, 5
        d = transfers.transfer_demand(d, people.staff, [(depts.city, None), (depts.civil, day("2026-10-09"))])
    with time_machine.travel(at(2026, 9, 28, 15, 0), tick=False):
        change = configure.add_holidays(
            people.street_admin, street, first=day("2026-10-01"), last=day("2026-10-07"), name="国庆节"
        )
        assert change.moved == 1
        d = Demand.objects.get(pk=d.pk)
        assert d.handle_due == at(2026, 10, 12, 10, 0)  # 29, 30, 8, 9, 12
        assert d.response_due == at(2026, 9, 29, 10, 0)  # the next day, untouched
        follows = Transfer.objects.get(demand=d, department=depts.city)
        assert follows.deadline == at(2026, 10, 12, 10, 0)
        chosen = Transfer.objects.get(demand=d, department=depts.civil)
        assert timezone_date(chosen.deadline) == day("2026-10-09")  # chosen by hand: kept

        configure.add_holidays(
            people.street_admin, street, first=day("2026-10-10"), is_workday=True, name="调休"
        )
        assert Demand.objects.get(pk=d.pk).handle_due == at(
            2026, 10, 10, 10, 0
        )  # the make-up Saturday counts

        configure.remove_holiday(people.street_admin, Holiday.objects.get(date=day("2026-10-07")))
        assert Demand.objects.get(pk=d.pk).handle_due == at(2026, 10, 9, 10, 0)  # 29, 30, 7, 8, 9
    entry = AuditEntry.objects.filter(action="holiday.remove").get()
    assert entry.data["deadlines_moved"] == 1


def timezone_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TZ).date()


def test_first_contact_deadline_moves_until_someone_responds(people):
    with time_machine.travel(at(2026, 9, 30, 9, 0), tick=False):  # Wednesday
        waiting = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="下水道堵了")
        urgent = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="燃气泄漏", urgent=True)
        assert waiting.response_due == at(2026, 10, 1, 9, 0)
    with time_machine.travel(at(2026, 9, 30, 11, 0), tick=False):
        national_days(people, "2026-10-01", "2026-10-02")
    assert Demand.objects.get(pk=waiting.pk).response_due == at(2026, 10, 5, 9, 0)
    assert Demand.objects.get(pk=urgent.pk).response_due == at(
        2026, 9, 30, 11, 0
    )  # 2 hours, whatever the day


def test_deadlines_passed_finished_demands_and_other_streets_stay(people, make_demand):
    with time_machine.travel(at(2026, 9, 14, 10, 0), tick=False):
        overdue = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="早就超期")
    with time_machine.travel(at(2026, 9, 28, 10, 0), tick=False):
        closed = make_demand("closed", title="已办结")
        elsewhere = intake.submit_demand(people.outsider_staff, grid=people.tree.other_grid, title="外街诉求")
        before = {d.pk: d.handle_due for d in Demand.objects.all()}
    with time_machine.travel(at(2026, 9, 28, 12, 0), tick=False):
        change = national_days(people, "2026-09-29", "2026-10-02")
    assert change.moved == 0
    for d in (overdue, closed, elsewhere):
        assert Demand.objects.get(pk=d.pk).handle_due == before[d.pk], d.title


def test_a_deadline_never_moves_into_the_past(people):
    street = people.tree.street
    configure.add_holidays(people.street_admin, street, first=day("2026-10-01"), name="国庆节")
    with time_machine.travel(at(2026, 9, 28, 10, 0), tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="路灯不亮")
    assert d.handle_due == at(2026, 10, 6, 10, 0)  # 29, 30, 2, 5, 6
    with time_machine.travel(at(2026, 10, 5, 12, 0), tick=False):
        # without the holiday it would have been due this morning, before now: it keeps its deadline
        change = configure.remove_holiday(people.street_admin, Holiday.objects.get())
    assert change.moved == 0
    assert Demand.objects.get(pk=d.pk).handle_due == at(2026, 10, 6, 10, 0)


def test_a_warning_order_counts_its_three_days_from_the_reopening(make_demand, people):
    with time_machine.travel(at(2026, 9, 24, 9, 0), tick=False):
        d = make_demand("replied")
    with time_machine.travel(at(2026, 9, 29, 16, 0), tick=False):  # Tuesday
        d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied")
        assert d.handle_due == at(2026, 10, 2, 16, 0)  # 30, 1, 2
    with time_machine.travel(at(2026, 9, 30, 9, 0), tick=False):
        national_days(people, "2026-10-01", "2026-10-07")
    assert Demand.objects.get(pk=d.pk).handle_due == at(2026, 10, 9, 16, 0)  # 30, 8, 9


# --- the category tree -------------------------------------------------------------------


def test_the_tree_grows_two_levels_in_order(people, other_admin):
    env = configure.add_category(people.street_admin, name="市容环境")
    repair = configure.add_category(other_admin, name="设施维修")  # shared: any street admin
    light = configure.add_category(people.street_admin, name="楼道照明", parent=repair)
    road = configure.add_category(people.street_admin, name="道路破损", parent=repair)
    tree = configure.category_tree()
    assert [c.name for c in tree] == ["市容环境", "设施维修"]
    assert [k.name for k in tree[1].kids] == ["楼道照明", "道路破损"]
    with pytest.raises(InvalidInput) as e:
        configure.add_category(people.street_admin, name="第三层", parent=light)
    assert "two levels" in e.value.message
    assert env.ordering < repair.ordering and light.ordering < road.ordering
    assert AuditEntry.objects.filter(action="category.add").count() == 4


def test_names_are_unique_at_their_level(people):
    repair = configure.add_category(people.street_admin, name="设施维修")
    configure.add_category(people.street_admin, name="其他", parent=repair)
    for kwargs in ({"name": "设施维修"}, {"name": " 其他 ", "parent": repair}):
        with pytest.raises(Conflict) as e:
            configure.add_category(people.street_admin, **kwargs)
        assert kwargs["name"].strip() in e.value.message
    configure.add_category(people.street_admin, name="其他")  # a top-level one may share a child's name
    with pytest.raises(InvalidInput):
        configure.add_category(people.street_admin, name="分" * 31)


def test_rename_and_reorder(people, make_demand):
    a, b, c = (configure.add_category(people.street_admin, name=n) for n in ("甲", "乙", "丙"))
    d = make_demand(category=b)
    configure.rename_category(people.street_admin, b, "乙类")
    assert str(Demand.objects.get(pk=d.pk).category) == "乙类"  # the demand shows the new name
    with pytest.raises(Conflict):
        configure.rename_category(people.street_admin, c, "甲")
    configure.move_category(people.street_admin, c, 0)
    assert [x.name for x in configure.category_tree()] == ["丙", "甲", "乙类"]
    configure.move_category(people.street_admin, c, 99)
    assert [x.name for x in configure.category_tree()] == ["甲", "乙类", "丙"]
    assert AuditEntry.objects.filter(action="category.move").count() == 2


def test_a_deactivated_category_leaves_the_intake_forms_but_demands_keep_it(people, make_demand):
    repair = configure.add_category(people.street_admin, name="设施维修")
    light = configure.add_category(people.street_admin, name="楼道照明", parent=repair)
    other = configure.add_category(people.street_admin, name="其他")
    d = make_demand(category=light)

    def offered():
        ids = set()
        for value, label in category_choices():
            ids |= {v for v, _l in label} if isinstance(label, list) else {value}
        return ids

    assert {repair.pk, light.pk, other.pk} <= offered()
    configure.set_category_active(people.street_admin, repair, False)
    assert not DemandCategory.objects.get(pk=light.pk).active  # its subcategories go too
    assert offered() & {repair.pk, light.pk} == set() and other.pk in offered()
    assert Demand.objects.get(pk=d.pk).category_id == light.pk
    with pytest.raises(Conflict) as e:
        configure.set_category_active(people.street_admin, light, True)
    assert "设施维修" in e.value.message
    with pytest.raises(Conflict):
        configure.add_category(people.street_admin, name="新的", parent=repair)
    configure.set_category_active(people.street_admin, repair, True)
    assert light.pk not in offered()  # brought back one by one
    configure.set_category_active(people.street_admin, light, True)
    assert {repair.pk, light.pk} <= offered()
    assert DemandCategory.objects.count() == 3  # never deleted


def test_only_street_admins_change_the_categories(people, depts, other_admin):
    repair = configure.add_category(people.street_admin, name="设施维修")
    refused = refused_users(people, depts, other_admin)
    del refused["street admin of another street"]  # the tree is shared: they may
    for who, user in refused.items():
        for call in (
            lambda u=user: configure.add_category(u, name="新分类"),
            lambda u=user: configure.rename_category(u, repair, "改名"),
            lambda u=user: configure.move_category(u, repair, 1),
            lambda u=user: configure.set_category_active(u, repair, False),
        ):
            with pytest.raises(NotAllowed):
                call()
        assert list(DemandCategory.objects.values_list("name", "active")) == [("设施维修", True)], who


# --- departments and their handlers ------------------------------------------------------


def test_add_and_rename_a_department(people, depts):
    street = people.tree.street
    dep = configure.add_department(people.street_admin, street=street, name="平安建设办公室")
    assert dep.street == street
    with pytest.raises(Conflict):
        configure.add_department(people.street_admin, street=street, name="城管科")  # the fixture's
    with pytest.raises(InvalidInput):
        configure.add_department(people.street_admin, street=street, name="科")
    other = configure.add_department(
        people.street_admin, street=street, name="平安建设办公室".replace("平安", "综治")
    )
    assert other.name == "综治建设办公室"
    dep = configure.rename_department(people.street_admin, dep, "平安办")
    assert Department.objects.get(pk=dep.pk).name == "平安办"
    with pytest.raises(Conflict):
        configure.rename_department(people.street_admin, dep, "民政科")
    assert {e.action for e in AuditEntry.objects.filter(object_id=str(dep.pk))} >= {
        "department.add",
        "department.rename",
    }


def test_a_handler_gets_the_inbox_and_the_department_role(people, depts):
    newcomer = UserFactory(username="dept_new", first_name="新办理人")
    assert not role_flags(newcomer).department
    configure.add_handler(people.street_admin, depts.city, newcomer)
    assert Membership.objects.filter(user=newcomer, role=Role.DEPARTMENT, region=people.tree.street).exists()
    newcomer = type(newcomer).objects.get(pk=newcomer.pk)
    assert role_flags(newcomer).department
    assert Notification.objects.filter(recipient=newcomer, title__contains="城管科").exists()
    with pytest.raises(Conflict):
        configure.add_handler(people.street_admin, depts.city, newcomer)
    with pytest.raises(InvalidInput):
        configure.add_handler(people.street_admin, depts.city, None)
    assert configure.account_by_username(" dept_new ") == newcomer
    with pytest.raises(InvalidInput) as e:
        configure.account_by_username("nobody")
    assert (
        e.value.message
        == "No account has the username “nobody”. Without an account yet, create one for them: “New account for a handler”."
    )


def test_removing_a_handler_keeps_the_role_while_they_handle_another_department(people, depts):
    person = UserFactory(username="dept_both")
    configure.add_handler(people.street_admin, depts.city, person)
    configure.add_handler(people.street_admin, depts.civil, person)
    configure.remove_handler(people.street_admin, depts.city, person)
    assert Membership.objects.filter(user=person, role=Role.DEPARTMENT).exists()
    configure.remove_handler(people.street_admin, depts.civil, person)
    assert not Membership.objects.filter(user=person, role=Role.DEPARTMENT).exists()
    assert not person.departments.exists()
    with pytest.raises(InvalidInput):
        configure.remove_handler(people.street_admin, depts.civil, person)


def test_the_last_handler_of_a_department_with_waiting_demands_stays(make_demand, people, depts):
    make_demand("transferred", via="transfer")
    with pytest.raises(Conflict) as e:
        configure.remove_handler(people.street_admin, depts.city, depts.handler)
    assert "Add another handler first" in e.value.message
    assert depts.city.handlers.filter(pk=depts.handler.pk).exists()
    configure.add_handler(people.street_admin, depts.city, people.stranger)
    configure.remove_handler(people.street_admin, depts.city, depts.handler)
    assert list(depts.city.handlers.all()) == [people.stranger]


def test_only_the_streets_admins_keep_its_departments(people, depts, other_admin):
    for who, user in refused_users(people, depts, other_admin).items():
        for call in (
            lambda u=user: configure.add_department(u, street=people.tree.street, name="新部门"),
            lambda u=user: configure.rename_department(u, depts.city, "改名"),
            lambda u=user: configure.add_handler(u, depts.city, people.stranger),
            lambda u=user: configure.remove_handler(u, depts.city, depts.handler),
        ):
            with pytest.raises(NotAllowed):
                call()
        assert set(Department.objects.filter(street=people.tree.street).values_list("name", flat=True)) == {
            "城管科",
            "民政科",
        }, who
        assert list(depts.city.handlers.all()) == [depts.handler]
    assert not people.stranger.departments.exists()
