"""Lists services: projects, surveys, the three lists and what the partner units delivered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.demands.services import intake
from weiguang.lists import services
from weiguang.lists.models import ProjectStatus
from weiguang.partners import services as partner_services
from weiguang.partners.models import PartnerKind, ResourceKind
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import WishKind, WishStatus

from ..factories import ResidentFactory, UserFactory, community_project
from .conftest import SERVICES, questions

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)


def resource(unit, by, **kw):
    fields = {"kind": ResourceKind.SERVICE, "title": "免费理发", "quantity": 30, "quantity_unit": "次", **kw}
    return partner_services.add_resource(unit, by, **fields)


# --- projects -------------------------------------------------------------------------------


@pytest.fixture
def needs(people, make_wish, make_demand):
    wish = make_wish("published", kind=WishKind.SERVICE, title="想在家门口理个发")
    demand = make_demand("received", title="老人希望定期义诊")
    haircut = resource(people.partner, people.partner_rep)
    return wish, demand, haircut


def test_a_project_from_a_wish_and_a_demand_through_to_done(people, tree, needs):
    wish, demand, haircut = needs
    project = services.create_project(
        people.staff, region=tree.community_a, title="爱心理发进社区", plan="每月第一个周六上午在党群服务中心理发",
        owner=people.grid_worker, wishes=[wish], demands=[demand], resources=[haircut],
    )  # fmt: skip
    assert project.status == ProjectStatus.PLANNED
    assert list(project.resources.all()) == [haircut]
    project = services.update_project(
        project, people.grid_worker, plan="每月第一个和第三个周六", ends_on=TODAY
    )
    project = services.start_project(project, people.grid_worker)
    assert project.status == ProjectStatus.RUNNING and project.starts_on == timezone.localdate()
    with pytest.raises(InvalidInput):
        services.finish_project(project, people.grid_worker, outcome="  ")
    project = services.finish_project(project, people.grid_worker, outcome="服务老人46人次")
    assert (project.status, project.outcome) == (ProjectStatus.DONE, "服务老人46人次")
    actions = list(
        AuditEntry.objects.filter(object_id=str(project.pk), content_type__model="project").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == sorted(["create", "update", "start", "finish"])
    # the owner was told: made owner, started, done
    assert people.grid_worker.notifications.filter(url=f"/projects/{project.pk}/").count() == 3
    with pytest.raises(Conflict) as e:
        services.update_project(project, people.staff, plan="再改")
    assert e.value.code == "state_conflict"


def test_project_refusals_write_nothing(people, tree, needs, other_unit):
    wish, demand, haircut = needs
    for who in ["volunteer", "partner_rep", "staff_b", "outsider_staff", "grid_worker"]:
        with pytest.raises(NotAllowed):
            community_project(people, by=getattr(people, who), title="不该建", wishes=[wish])
    project = community_project(people, wishes=[wish])
    before = AuditEntry.objects.count()
    for who in ["volunteer", "partner_rep", "other_rep", "staff_b", "outsider_staff", "stranger"]:
        with pytest.raises(NotAllowed):
            services.start_project(project, getattr(people, who))
    with pytest.raises(Conflict) as e:
        services.finish_project(project, people.staff, outcome="还没开始就结束")
    assert e.value.code == "state_conflict"
    with pytest.raises(InvalidInput):
        services.cancel_project(project, people.staff, reason="")
    project.refresh_from_db()
    assert project.status == ProjectStatus.PLANNED and project.outcome == ""
    assert AuditEntry.objects.count() == before
    project = services.cancel_project(project, people.street_admin, reason="场地不够")
    assert project.status == ProjectStatus.CANCELLED
    with pytest.raises(Conflict):
        services.start_project(project, people.staff)


def test_project_links_must_belong_to_the_region(people, tree, needs, other_unit):
    wish, demand, haircut = needs
    base = {"region": tree.community_b, "title": "海晏项目", "plan": "计划", "owner": people.staff_b}
    with pytest.raises(InvalidInput) as e:
        services.create_project(people.staff_b, **base, wishes=[wish])  # a wish of community A
    assert "wishes" in e.value.fields
    with pytest.raises(InvalidInput) as e:
        services.create_project(people.staff_b, **base, demands=[demand])
    assert "demands" in e.value.fields
    with pytest.raises(InvalidInput) as e:
        community_project(people, title="只有资源", resources=[haircut])
    assert "wishes" in e.value.fields  # no need at all
    people.partner.communities.set([tree.community_b])  # the bank now serves only 海晏
    with pytest.raises(InvalidInput) as e:
        community_project(people, title="理发", wishes=[wish], resources=[haircut])
    assert "resources" in e.value.fields
    with pytest.raises(InvalidInput) as e:
        community_project(
            people, title="理发", wishes=[wish], starts_on=TODAY, ends_on=TODAY - dt.timedelta(days=1)
        )
    assert "ends_on" in e.value.fields


def test_only_staff_hand_a_project_to_another_owner(people, tree, needs):
    wish, _demand, _haircut = needs
    project = community_project(people, title="理发", owner=people.grid_worker, wishes=[wish])
    with pytest.raises(NotAllowed):
        services.update_project(project, people.grid_worker, owner=people.volunteer)
    project = services.update_project(project, people.staff, owner=people.volunteer)
    assert project.owner == people.volunteer
    assert services.start_project(project, people.volunteer).status == ProjectStatus.RUNNING


# --- surveys --------------------------------------------------------------------------------


def test_answers_are_checked_against_the_questions(people, survey):
    q1, q2, q3 = questions(survey)
    bad = [
        ({"99999": "义诊"}, "answers.99999"),  # no such question
        ({q1: ["义诊", "养老院"]}, f"answers.{q1}"),  # not offered
        ({q2: ["60岁以下", "60岁及以上"]}, f"answers.{q2}"),  # one answer only
        ({q3: ["义诊"]}, f"answers.{q3}"),  # free text takes words
        ({}, "answers"),
        ({q3: "   "}, "answers"),  # nothing answered
    ]
    for answers, field in bad:
        with pytest.raises(InvalidInput) as e:
            services.record_response(survey, people.grid_worker, answers=answers, grid=people.tree.grid_a1)
        assert field in e.value.fields, answers
    assert not survey.responses.exists()
    ok = services.record_response(
        survey,
        people.grid_worker,
        answers={q1: "义诊", q2: ["60岁及以上"], q3: "多办文化活动"},
        grid=people.tree.grid_a1,
    )
    assert ok.answers == {q1: ["义诊"], q2: "60岁及以上", q3: "多办文化活动"}


def test_who_may_record_answers(people, tree, survey):
    q1 = questions(survey)[0]
    answers = {q1: ["义诊"]}
    for who in ["volunteer", "partner_rep", "outsider_grid_worker", "staff_b", "stranger"]:
        with pytest.raises(NotAllowed):
            services.record_response(survey, getattr(people, who), answers=answers, channel="visit")
    with pytest.raises(NotAllowed):  # a grid worker's visit is in their grid
        services.record_response(survey, people.grid_worker, answers=answers, channel="visit")
    with pytest.raises(InvalidInput):
        services.record_response(survey, people.staff, answers=answers, grid=tree.grid_b1)
    services.record_response(survey, people.staff, answers=answers)
    # a resident of the community answers online, once
    services.record_response(survey, people.resident_user, answers=answers, channel="online")
    with pytest.raises(Conflict) as e:
        services.record_response(survey, people.resident_user, answers=answers, channel="online")
    assert e.value.code == "already_answered"
    outsider = UserFactory(username="far_away")
    ResidentFactory(name="褚大爷", grid=tree.grid_b1, user=outsider)
    with pytest.raises(NotAllowed):
        services.record_response(survey, outsider, answers=answers, channel="online")
    services.close_survey(survey, people.staff)
    with pytest.raises(Conflict) as e:
        services.record_response(survey, people.staff, answers=answers)
    assert e.value.code == "survey_closed"
    assert survey.responses.count() == 2


def test_the_tally_counts_every_option_and_lists_the_suggestions(people, tree, survey):
    q1, q2, q3 = questions(survey)
    plan = (
        [({q1: ["义诊", "家电维修"], q2: "60岁及以上"})] * 9
        + [({q1: ["义诊", "免费理发"], q2: "60岁以下", q3: "希望周末也有"})] * 5
        + [({q1: ["文化活动"], q3: "多办书法班"})] * 3
        + [({q2: "60岁及以上"})] * 2
    )
    for answers in plan:
        services.record_response(survey, people.grid_worker, answers=answers, grid=tree.grid_a1)
    t = services.tally(survey)
    assert t.responses == 19
    wanted, age, other = t.questions
    assert wanted.counts == [("义诊", 14), ("家电维修", 9), ("免费理发", 5), ("文化活动", 3)]
    assert wanted.answered == 17 and wanted.multiple and not wanted.free_text
    assert age.counts == [("60岁及以上", 11), ("60岁以下", 5)]
    assert other.free_text and other.answered == 8
    assert sorted(set(other.answers)) == ["多办书法班", "希望周末也有"] and len(other.answers) == 8
    # the summary takes the "pick several" question: these are the suggestions
    assert t.top == [("义诊", 14), ("家电维修", 9), ("免费理发", 5), ("文化活动", 3)]
    assert "19" in t.summary and "义诊 (14)" in t.summary
    assert set(SERVICES) == {o for o, _n in wanted.counts}


def test_survey_creation_is_checked(people, tree):
    base = {"region": tree.community_a, "title": "调查"}
    for questions_, field in [
        ([], "questions"),
        ([{"text": ""}], "questions.0.text"),
        ([{"text": "选一个", "options": ["甲"]}], "questions.0.options"),
        ([{"text": "选", "options": ["甲", "甲"]}], "questions.0.options"),
        ([{"text": "说说", "multiple": True}], "questions.0.multiple"),
    ]:
        with pytest.raises(InvalidInput) as e:
            services.create_survey(people.staff, **base, questions=questions_)
        assert field in e.value.fields
    for who in ["grid_worker", "volunteer", "staff_b", "outsider_staff"]:
        with pytest.raises(NotAllowed):
            services.create_survey(getattr(people, who), **base, questions=[{"text": "有什么建议"}])


# --- the three lists and the units' records -----------------------------------------------


def _on_the_wall(staff, resident, title: str):
    """An item wish `staff` recorded for `resident` and published."""
    wish, _ = wish_services.submit_wish(staff, kind=WishKind.ITEM, title=title, resident=resident)
    return wish_services.publish_wish(wish, staff)


def test_the_needs_list_holds_the_open_needs_of_the_region_only(people, tree, make_wish, make_demand, survey):
    on_wall = make_wish("published", title="想要一个电热水壶")
    claimed = make_wish("claimed", title="想要一个电饭煲", description="旧的坏了")
    b_resident = ResidentFactory(name="钱桂兰", grid=tree.grid_b1)
    in_b = _on_the_wall(people.staff_b, b_resident, "想要一台电风扇")
    far = ResidentFactory(name="冯秀英", grid=tree.other_grid)
    other_street = _on_the_wall(people.outsider_staff, far, "想要一个书包")
    received = make_demand("received", title="楼道灯坏了")
    assigned = make_demand("assigned", title="垃圾堆在七楼楼道")
    closed = make_demand("closed", title="路面破损")
    on_spot = make_demand("resolved_on_spot", title="喷淋头漏水")
    elsewhere = intake.submit_demand(people.outsider_staff, grid=tree.other_grid, title="外街诉求")
    services.record_response(survey, people.staff, answers={questions(survey)[0]: ["义诊"]})

    street = services.needs_list(people.street_admin, tree.street)
    assert {w.pk for w in street.wishes} == {on_wall.pk, in_b.pk}
    assert {d.pk for d in street.demands} == {received.pk, assigned.pk}
    assert [t.survey.pk for t in street.surveys] == [survey.pk] and street.surveys[0].responses == 1
    community = services.needs_list(people.staff, tree.community_a)
    assert {w.pk for w in community.wishes} == {on_wall.pk}
    assert claimed.pk not in {w.pk for w in community.wishes}
    ids = {d.pk for d in community.demands}
    assert closed.pk not in ids and on_spot.pk not in ids and elsewhere.pk not in ids
    assert other_street.pk not in {w.pk for w in street.wishes}
    services.close_survey(survey, people.staff)
    assert services.needs_list(people.staff, tree.community_a).surveys == []
    for who in ["staff_b", "outsider_staff", "grid_worker", "volunteer", "partner_rep"]:
        with pytest.raises(NotAllowed):
            services.needs_list(getattr(people, who), tree.community_a)


def test_the_resource_list_holds_what_units_serving_the_region_offer(people, tree, other_unit):
    haircut = resource(people.partner, people.partner_rep)
    room = resource(
        other_unit, people.other_rep, kind=ResourceKind.VENUE, title="会议室", area=tree.community_b
    )
    gone = resource(people.partner, people.partner_rep, title="旧物资")
    partner_services.withdraw_resource(gone, people.partner_rep)
    past = resource(people.partner, people.partner_rep, title="夏季送清凉",
                    available_from=TODAY - dt.timedelta(days=400), available_until=TODAY - dt.timedelta(days=300))  # fmt: skip
    clinic = partner_services.create_unit(
        people.staff, region=tree.community_a, name="七星里诊所", kind=PartnerKind.HOSPITAL
    )
    clinic_day = resource(clinic, people.staff, title="义诊日")
    assert {r.pk for r in services.resources_list(people.staff, tree.community_a)} == {
        haircut.pk,
        clinic_day.pk,
    }
    assert {r.pk for r in services.resources_list(people.staff_b, tree.community_b)} == {haircut.pk, room.pk}
    assert {r.pk for r in services.resources_list(people.street_admin, tree.street)} == {
        haircut.pk, room.pk, clinic_day.pk,
    }  # fmt: skip
    assert [r.pk for r in services.resources_list(people.street_admin, tree.street, kind="venue")] == [
        room.pk
    ]
    assert past.pk not in {r.pk for r in services.resources_list(people.street_admin, tree.street)}
    with pytest.raises(NotAllowed):
        services.resources_list(people.partner_rep, tree.street)


def test_a_units_claims_show_on_its_record_and_in_the_streets_deliveries(people, tree, make_wish, other_unit):
    rep = people.partner_rep
    lit = make_wish("published", title="想要一个电热水壶")
    wish_services.claim_wish(lit, rep, partner=people.partner)
    wish_services.fulfil_wish(lit, rep, note="已送到王阿姨家")
    wish_services.confirm_wish(lit, people.resident_user, thanks="谢谢银行的同志", rating=5)
    fulfilled = make_wish("published", title="想要一个电饭煲", description="旧的坏了")
    wish_services.claim_wish(fulfilled, rep, partner=people.partner)
    wish_services.fulfil_wish(fulfilled, rep, note="已送达")
    released = make_wish("published", title="想要一台电风扇", description="夏天太热")
    wish_services.claim_wish(released, rep, partner=people.partner)
    wish_services.release_claim(released, rep, reason="库存不足")
    personal = make_wish("claimed", title="想理个发", kind=WishKind.SERVICE)  # a volunteer's, not the unit's

    record = services.unit_record(people.partner, rep)
    assert (record.claimed, record.active, record.fulfilled, record.lit, record.released) == (3, 0, 2, 1, 1)
    statuses = {c.wish_id: c.wish.status for c in record.claims}
    assert statuses[lit.pk] == WishStatus.CONFIRMED and statuses[fulfilled.pk] == WishStatus.FULFILLED
    assert personal.pk not in statuses
    with pytest.raises(NotAllowed):
        services.unit_record(people.partner, people.other_rep)

    # a project using the bank's resource
    project = community_project(
        people,
        title="家电义修",
        wishes=[released],
        resources=[resource(people.partner, rep, title="家电维修")],
    )
    rows = services.deliveries(people.street_admin, tree.street)
    assert [r.unit for r in rows] == [people.partner, other_unit]  # most lit first
    bank = rows[0]
    assert (bank.claimed, bank.fulfilled, bank.lit, bank.projects) == (3, 2, 1, [project])
    assert (rows[1].claimed, rows[1].lit, rows[1].projects) == (0, 0, [])
    assert [p.pk for p in services.unit_record(people.partner, people.street_admin).projects] == [project.pk]
    for who in ["staff", "outsider_staff", "partner_rep", "volunteer"]:
        with pytest.raises(NotAllowed):
            services.deliveries(getattr(people, who), tree.street)


def test_closing_a_survey_is_a_transition_with_its_audit_entry(people, survey):
    closed = services.close_survey(survey, people.staff)
    entry = AuditEntry.objects.filter(object_id=str(survey.pk), content_type__model="survey").latest("id")
    assert (entry.action, entry.from_state, entry.to_state, entry.actor) == (
        "close",
        "open",
        "closed",
        people.staff,
    )
    assert not closed.open and closed.state == "closed"
    with pytest.raises(Conflict) as e:
        services.close_survey(closed, people.staff)
    assert e.value.code == "survey_closed"
    with pytest.raises(NotAllowed):
        services.close_survey(closed, people.partner_rep)
