"""The demand pages, for every role: what each person sees and may do, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.pages import html
from weiguang.demands.models import (
    Deliberation,
    Demand,
    DemandCategory,
    DemandChannel,
    DemandStatus,
    IntakeSession,
    Transfer,
    TransferStatus,
)
from weiguang.demands.services import deliberations, dispatch, intake
from weiguang.demands.services import transfers as demand_transfers
from weiguang.wishes.models import WishStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def refresh(d: Demand) -> Demand:
    return Demand.objects.get(pk=d.pk)


def login(client, user):
    client.force_login(user)
    return client


# --- who may open which page ----------------------------------------------------------------


STAFF_PAGES = ["/desk/demands/new/", "/staff/demands/", "/staff/demands/all/"]


class TestAccess:
    @pytest.mark.parametrize("url", [*STAFF_PAGES, "/staff/meetings/", "/staff/demands/figures/"])
    def test_anonymous_is_sent_to_login(self, client, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    @pytest.mark.parametrize("url", STAFF_PAGES)
    def test_staff_and_grid_workers_may_open_the_desk_and_queue(self, client, people, url):
        for user in (people.staff, people.grid_worker, people.street_admin):
            assert login(client, user).get(url).status_code == 200, (user, url)

    @pytest.mark.parametrize(
        "url", [*STAFF_PAGES, "/staff/meetings/", "/staff/demands/figures/", "/street/demands/escalated/"]
    )
    def test_residents_and_volunteers_are_refused(self, client, people, url):
        for user in (people.resident_user, people.volunteer):
            assert login(client, user).get(url).status_code == 403, (user, url)

    def test_street_pages_are_for_street_admins(self, client, people):
        assert login(client, people.street_admin).get("/street/demands/escalated/").status_code == 200
        assert login(client, people.staff).get("/street/demands/escalated/").status_code == 403
        for url in ("/staff/meetings/", "/staff/meetings/new/", "/staff/demands/figures/"):
            assert login(client, people.street_admin).get(url).status_code == 200
            assert login(client, people.grid_worker).get(url).status_code == 403

    def test_department_inbox_is_for_department_handlers(self, client, people, depts):
        assert login(client, depts.handler).get("/dept/demands/").status_code == 200
        assert login(client, people.staff).get("/dept/demands/").status_code == 403

    def test_demand_page_for_insiders_404_for_others_login_for_anonymous(self, client, people, make_demand):
        d = make_demand()
        for user in (people.staff, people.grid_worker, people.street_admin, people.resident_user):
            assert login(client, user).get(f"/demands/{d.pk}/").status_code == 200, user
        for user in (people.outsider_staff, people.staff_b, people.volunteer, people.stranger):
            assert login(client, user).get(f"/demands/{d.pk}/").status_code == 404, user
        client.logout()
        response = client.get(f"/demands/{d.pk}/")
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- residents online ------------------------------------------------------------------------


class TestResidentOnline:
    def test_anonymous_submission_shows_the_tracking_code(self, client, tree):
        cat = DemandCategory.objects.create(name="环境卫生")
        page = html(client.get("/demands/new/"))
        assert tree.grid_a1.name in page and tree.community_a.name in page and "环境卫生" in page
        response = client.post(
            "/demands/new/",
            {
                "grid": tree.grid_a1.pk,
                "title": "垃圾堆在七楼楼道",
                "description": "很多天了",
                "category": cat.pk,
            },
        )
        d = Demand.objects.get(title="垃圾堆在七楼楼道")
        assert d.channel == DemandChannel.ONLINE and d.resident is None and d.category == cat
        assert response.status_code == 302 and response["Location"] == f"/demands/done/{d.tracking_code}/"
        done = html(client.get(response["Location"]))
        assert d.tracking_code in done and f"/demands/track/{d.tracking_code}/" in done

    def test_bad_input_is_422_with_a_message(self, client, tree):
        response = client.post("/demands/new/", {"grid": tree.grid_a1.pk, "title": "x"})
        assert response.status_code == 422 and "errorlist" in html(response)
        assert not Demand.objects.exists()

    def test_rate_limit_is_a_friendly_429(self, client, tree, settings):
        settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_PUBLIC_PER_HOUR": 1}
        data = {"grid": tree.grid_a1.pk, "title": "路灯不亮"}
        assert client.post("/demands/new/", data, REMOTE_ADDR="10.0.0.9").status_code == 302
        response = client.post("/demands/new/", {**data, "title": "又一个"}, REMOTE_ADDR="10.0.0.9")
        assert response.status_code == 429 and "Too many demands" in html(response)
        assert Demand.objects.count() == 1

    def test_logged_in_residents_demand_is_theirs(self, client, people):
        login(client, people.resident_user)
        response = client.post("/demands/new/", {"grid": people.tree.grid_a1.pk, "title": "楼下井盖松动"})
        d = Demand.objects.get(title="楼下井盖松动")
        assert d.resident == people.resident
        assert response["Location"] == f"/demands/{d.pk}/"
        mine = html(client.get("/my/demands/"))
        assert "楼下井盖松动" in mine

    def test_staff_on_the_public_form_go_to_the_desk(self, client, people):
        assert login(client, people.staff).get("/demands/new/")["Location"] == "/desk/demands/new/"

    def test_my_demands_lists_only_mine(self, client, people, make_demand):
        make_demand(title="我的诉求")
        make_demand(title="别人的诉求", resident=people.other_resident, grid=people.tree.grid_a2)
        page = html(login(client, people.resident_user).get("/my/demands/"))
        assert "我的诉求" in page and "别人的诉求" not in page


class TestTracking:
    def test_shows_what_was_reported_and_the_reply_but_nothing_private(self, client, people, make_demand):
        d = make_demand("replied", description="三号楼二单元楼道灯不亮")
        response = client.get(f"/demands/track/{d.tracking_code}/")
        page = html(response)
        assert response.status_code == 200
        assert d.title in page and "三号楼二单元楼道灯不亮" in page  # what was reported
        assert "王阿姨您好，灯已修好" in page  # the reply to the resident
        assert 'data-status="replied"' in page and 'data-action="evaluate"' in page
        for private in (
            people.resident.name,
            people.resident.phone,
            ">已修复<",  # the internal result
            "更换灯泡",  # action taken
            people.grid_worker.first_name,  # who handled it
        ):
            assert private not in page, private

    def test_the_code_is_twelve_digits_shown_in_groups_of_four(self, client, make_demand):
        d = make_demand()
        assert len(d.tracking_code) == 12 and d.tracking_code.isdigit()
        grouped = " ".join((d.tracking_code[:4], d.tracking_code[4:8], d.tracking_code[8:]))
        assert grouped in html(client.get(f"/demands/track/{d.tracking_code}/"))

    @pytest.mark.parametrize(
        "typed", ["{a} {b} {c}", "{a}-{b}-{c}", " {a}  {b}{c} ", "{a}－{b}－{c}", "{fw}"]
    )
    def test_code_form_is_tolerant_of_spaces_dashes_and_full_width_digits(self, client, make_demand, typed):
        d = make_demand()
        code = d.tracking_code
        fw = "".join(chr(ord(ch) + 0xFEE0) for ch in code)  # typed with a Chinese input method
        text = typed.format(a=code[:4], b=code[4:8], c=code[8:], fw=fw)
        response = client.get("/demands/track/", {"code": text})
        assert response.status_code == 302 and response["Location"] == f"/demands/track/{code}/"
        assert client.get(f"/demands/track/{code[:4]}-{code[4:8]}-{code[8:]}/").status_code == 200

    def test_code_form_redirects_and_wrong_code_is_404(self, client, make_demand):
        d = make_demand()
        response = client.get("/demands/track/", {"code": d.tracking_code})
        assert response["Location"] == f"/demands/track/{d.tracking_code}/"
        response = client.get("/demands/track/", {"code": "1111 2222 3333"})
        assert response.status_code == 404 and "No demand has this tracking code" in html(response)
        assert client.get("/demands/track/111122223333/").status_code == 404
        assert client.get("/demands/track/<script>/").status_code == 404

    def test_an_older_letter_code_still_works(self, client, make_demand):
        d = make_demand("replied")
        Demand.objects.filter(pk=d.pk).update(tracking_code="K7MXQ2RT9B")  # issued before 12 digits
        response = client.get("/demands/track/", {"code": "k7mxq-2rt9b"})
        assert response["Location"] == "/demands/track/K7MXQ2RT9B/"
        assert "K7MXQ2RT9B" in html(client.get(response["Location"]))
        response = client.post("/demands/track/K7MXQ2RT9B/evaluate/", {"evaluate-evaluation": "satisfied"})
        assert response.status_code == 302 and refresh(d).status == DemandStatus.CLOSED

    def test_wrong_codes_are_rate_limited(self, client, settings, make_demand):
        settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_LOOKUPS_PER_HOUR": 3}
        d = make_demand()
        for n in range(3):
            assert client.get("/demands/track/", {"code": f"00000000000{n}"}).status_code == 404
        response = client.get("/demands/track/", {"code": d.tracking_code})
        assert response.status_code == 302  # a right code still opens
        response = client.get("/demands/track/", {"code": "000000000009"})
        assert response.status_code == 429 and "Too many look-ups" in html(response)
        assert client.get("/demands/track/000000000009/").status_code == 429

    def test_anonymous_evaluation_by_code(self, client, make_demand):
        d = make_demand("replied")
        page = html(client.get(f"/demands/track/{d.tracking_code}/"))
        assert 'data-action="evaluate"' in page
        response = client.post(
            f"/demands/track/{d.tracking_code}/evaluate/",
            {"evaluate-evaluation": "basically_satisfied", "evaluate-note": "还行"},
        )
        assert response.status_code == 302
        d = refresh(d)
        assert d.status == DemandStatus.CLOSED and d.evaluation == "basically_satisfied"
        assert 'data-action="evaluate"' not in html(client.get(f"/demands/track/{d.tracking_code}/"))

    def test_unsatisfied_by_code_reopens(self, client, make_demand):
        d = make_demand("replied")
        client.post(f"/demands/track/{d.tracking_code}/evaluate/", {"evaluate-evaluation": "unsatisfied"})
        assert refresh(d).status == DemandStatus.REOPENED

    def test_wrong_code_evaluation_is_404_and_stale_is_409(self, client, make_demand):
        response = client.post("/demands/track/111122223333/evaluate/", {"evaluate-evaluation": "satisfied"})
        assert response.status_code == 404
        d = make_demand("closed")
        response = client.post(
            f"/demands/track/{d.tracking_code}/evaluate/", {"evaluate-evaluation": "satisfied"}
        )
        assert response.status_code == 409 and "cannot be done now" in html(response)


class TestTrackByPhone:
    def submit(self, client, tree, title, phone):
        data = {"grid": tree.grid_a1.pk, "title": title, "contact_phone": phone}
        response = client.post("/demands/new/", data, REMOTE_ADDR="192.0.2.50")
        assert response.status_code == 302, html(response)
        return Demand.objects.get(title=title)

    def test_the_phone_given_online_finds_that_phones_demands_masked(self, client, tree, people, make_demand):
        mine = self.submit(client, tree, "路灯不亮了", "139 1234-5678")
        assert mine.contact_phone == "13912345678"  # kept as digits, so the look-up finds it
        theirs = self.submit(client, tree, "邻居家狗叫", "13800001111")
        done = html(client.get(f"/demands/done/{mine.tracking_code}/"))
        code = mine.tracking_code
        assert f"{code[:4]} {code[4:8]} {code[8:]}" in done  # big, in groups, to write down
        response = client.get("/demands/track/", {"phone": "+86 139-1234-5678"}, REMOTE_ADDR="192.0.2.51")
        page = html(response)
        assert response.status_code == 200
        assert "139****5678" in page and "13912345678" not in page
        assert "路灯不亮了" in page and f"/demands/track/{mine.tracking_code}/" in page
        assert theirs.title not in page and theirs.tracking_code not in page

    def test_a_hotline_callers_number_finds_the_desk_entry(self, client, people, tree):
        intake.submit_demand(
            people.staff,
            grid=tree.grid_a1,
            title="下水道堵了",
            channel="hotline",
            contact_phone="13700002222",
        )
        page = html(client.get("/demands/track/", {"phone": "137 0000 2222"}))
        assert "下水道堵了" in page

    def test_an_unknown_number_says_so_and_a_bad_one_is_an_error(self, client, tree):
        page = html(client.get("/demands/track/", {"phone": "13600000000"}))
        assert "No demand was given with this number" in page
        response = client.get("/demands/track/", {"phone": "abc"})
        assert response.status_code == 422 and "Enter the phone number you gave" in html(response)

    def test_phone_look_ups_are_rate_limited(self, client, tree, settings):
        settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_LOOKUPS_PER_HOUR": 2}
        self.submit(client, tree, "路灯不亮了", "13912345678")
        for _n in range(2):
            assert client.get("/demands/track/", {"phone": "13912345678"}).status_code == 200
        response = client.get("/demands/track/", {"phone": "13912345678"})
        assert response.status_code == 429 and "Too many look-ups" in html(response)
        assert "路灯不亮了" not in html(response)

    def test_a_bad_phone_on_the_submit_form_is_a_field_error(self, client, tree):
        response = client.post(
            "/demands/new/", {"grid": tree.grid_a1.pk, "title": "路灯不亮", "contact_phone": "打我电话"}
        )
        assert response.status_code == 422 and "Enter the phone number as digits" in html(response)
        assert not Demand.objects.exists()

    def test_a_logged_in_resident_is_not_asked_for_a_phone(self, client, people):
        assert 'name="contact_phone"' in html(client.get("/demands/new/"))
        assert 'name="contact_phone"' not in html(login(client, people.resident_user).get("/demands/new/"))


# --- the desk's rapid entry --------------------------------------------------------------------


def desk_post(client, **fields):
    data = {"channel": "desk", "title": "楼道灯坏了", **fields}
    return client.post("/desk/demands/new/", data)


class TestDesk:
    def test_records_in_a_row_keeping_channel_grid_and_session(self, client, people, tree):
        session = IntakeSession.objects.create(
            community=tree.community_a, title="书记面对面", date=timezone.localdate()
        )
        login(client, people.staff)
        sticky = {"channel": "hotline", "grid": tree.grid_a2.pk, "session": session.pk}
        response = desk_post(
            client, **sticky, title="井盖松动", contact_name="刘先生", contact_phone="13800001111"
        )
        first = Demand.objects.get(title="井盖松动")
        assert response.status_code == 302
        assert first.channel == "hotline" and first.grid == tree.grid_a2 and first.session == session
        assert first.contact_name == "刘先生" and first.created_by == people.staff
        page = html(client.get(response["Location"]))
        assert 'data-testid="saved"' in page and "井盖松动" in page and f"/demands/{first.pk}/" in page
        # the same form comes back empty, with the channel, grid and session kept
        assert '<option value="hotline" selected>' in page
        assert f'<option value="{tree.grid_a2.pk}" selected>' in page
        assert f'<option value="{session.pk}" selected>' in page
        assert 'value="井盖松动"' not in page
        assert 'data-count="total">1<' in page  # the session's summary
        desk_post(client, **sticky, title="路灯不亮")
        assert Demand.objects.filter(session=session).count() == 2

    def test_resolved_on_the_spot_from_the_desk(self, client, people, tree):
        session = IntakeSession.objects.create(
            community=tree.community_a, title="集市", date=timezone.localdate()
        )
        login(client, people.staff)
        response = desk_post(
            client,
            grid=tree.grid_a1.pk,
            session=session.pk,
            title="咨询医保",
            resolved="on",
            result="当场讲解政策",
        )
        d = Demand.objects.get(title="咨询医保")
        assert d.status == DemandStatus.RESOLVED_ON_SPOT and d.result == "当场讲解政策"
        page = html(client.get(response["Location"]))
        assert 'data-count="resolved_on_spot">1<' in page

    def test_a_double_tap_saves_one_demand(self, client, people, tree):
        login(client, people.staff)
        first = desk_post(
            client, grid=tree.grid_a1.pk, idempotency_key="k1", resolved="on", result="当场解决"
        )
        again = desk_post(
            client, grid=tree.grid_a1.pk, idempotency_key="k1", resolved="on", result="当场解决"
        )
        assert Demand.objects.count() == 1 and first["Location"] == again["Location"]
        assert Demand.objects.get().status == DemandStatus.RESOLVED_ON_SPOT

    def test_resolved_needs_a_result(self, client, people, tree):
        login(client, people.staff)
        response = desk_post(client, grid=tree.grid_a1.pk, resolved="on")
        assert response.status_code == 422 and not Demand.objects.exists()

    def test_resident_looked_up_and_their_grid_used(self, client, people):
        login(client, people.grid_worker)
        results = html(client.get("/desk/demands/residents/", {"q": "王秀"}))
        assert people.resident.name in results and f'data-resident="{people.resident.pk}"' in results
        picked = html(client.get(f"/desk/demands/residents/{people.resident.pk}/"))
        assert f'name="resident" value="{people.resident.pk}"' in picked
        desk_post(client, resident=people.resident.pk, title="想装扶手")
        d = Demand.objects.get(title="想装扶手")
        assert d.resident == people.resident and d.grid == people.resident.grid

    def test_resident_of_another_area_is_refused(self, client, people):
        login(client, people.grid_worker)
        assert client.get(f"/desk/demands/residents/{people.other_resident.pk}/").status_code == 404
        response = desk_post(client, resident=people.other_resident.pk)
        assert response.status_code == 422 and not Demand.objects.exists()

    def test_open_a_session_from_the_desk(self, client, people, tree):
        login(client, people.staff)
        response = client.post(
            "/desk/demands/sessions/new/",
            {
                "session-community": tree.community_a.pk,
                "session-kind": "fair",
                "session-title": "党员服务市集",
                "session-date": timezone.localdate().isoformat(),
                "channel": "stall",
            },
        )
        session = IntakeSession.objects.get(title="党员服务市集")
        assert session.community == tree.community_a and session.created_by == people.staff
        assert f"session={session.pk}" in response["Location"] and "channel=stall" in response["Location"]
        # not for another street's community
        login(client, people.outsider_staff)
        client.post(
            "/desk/demands/sessions/new/",
            {"session-community": tree.community_a.pk, "session-title": "x", "session-kind": "desk",
             "session-date": "2026-01-01"},
        )  # fmt: skip
        assert IntakeSession.objects.count() == 1


# --- the community queue ----------------------------------------------------------------------


class TestQueue:
    def _three(self, make_demand):
        now = timezone.now()
        red, yellow, green = (
            make_demand(title="超期的"),
            make_demand(title="临期的"),
            make_demand(title="正常的"),
        )
        Demand.objects.filter(pk=red.pk).update(handle_due=now - dt.timedelta(hours=3))
        Demand.objects.filter(pk=yellow.pk).update(handle_due=now + dt.timedelta(hours=5))
        Demand.objects.filter(pk=green.pk).update(handle_due=now + dt.timedelta(days=4))
        make_demand("closed", title="已办结的")
        return red, yellow, green

    def test_soonest_first_with_colour_and_word(self, client, people, make_demand):
        self._three(make_demand)
        page = html(login(client, people.staff).get("/staff/demands/"))
        assert page.index("超期的") < page.index("临期的") < page.index("正常的")
        assert "已办结的" not in page
        for colour, word in (("red", "Overdue"), ("yellow", "Due soon"), ("green", "On track")):
            assert f'data-colour="{colour}"><span class="dot" aria-hidden="true"></span>{word}' in page
        assert 'data-count="red">1<' in page and 'data-count="green">1<' in page

    def test_colour_filter(self, client, people, make_demand, tree):
        self._three(make_demand)
        page = html(
            login(client, people.staff).get(
                "/staff/demands/", {"colour": "red", "community": tree.community_a.pk}
            )
        )
        assert "超期的" in page and "临期的" not in page and "正常的" not in page

    def test_community_filter_among_the_users_communities(self, client, people, make_demand, tree):
        make_demand(title="A社区的")
        make_demand(title="B社区的", grid=tree.grid_b1, resident=None)
        login(client, people.street_admin)
        page_a = html(client.get("/staff/demands/", {"community": tree.community_a.pk}))
        page_b = html(client.get("/staff/demands/", {"community": tree.community_b.pk}))
        assert "A社区的" in page_a and "B社区的" not in page_a
        assert "B社区的" in page_b and "A社区的" not in page_b
        # staff of A never see B, whatever they ask
        page = html(login(client, people.staff).get("/staff/demands/", {"community": tree.community_b.pk}))
        assert "B社区的" not in page and tree.community_b.name not in page

    def test_region_list_with_status_filter(self, client, people, make_demand):
        make_demand("closed", title="已办结的")
        make_demand(title="新收到的")
        page = html(login(client, people.staff).get("/staff/demands/all/", {"status": "closed"}))
        assert "已办结的" in page and "新收到的" not in page

    def test_query_count_does_not_grow_with_rows(
        self, client, people, make_demand, django_assert_max_num_queries
    ):
        for i in range(6):
            make_demand(title=f"诉求{i}")
        login(client, people.staff)
        client.get("/staff/demands/")  # warm the session
        with django_assert_max_num_queries(14):
            client.get("/staff/demands/")


# --- one demand and its actions ---------------------------------------------------------------


class TestDemandPage:
    def test_staff_see_contact_and_dispatch_forms(self, client, people, make_demand):
        d = make_demand()
        page = html(login(client, people.staff).get(f"/demands/{d.pk}/"))
        assert people.resident.phone in page and 'data-testid="contact"' in page
        for action in ("resolve_on_spot", "assign", "transfer", "escalate"):
            assert f'data-action="{action}"' in page, action
        assert 'data-action="evaluate"' not in page
        assert 'data-testid="history"' in page

    def test_transfer_to_departments_with_deadlines(self, client, people, depts, make_demand):
        d = make_demand()
        due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
        response = login(client, people.staff).post(
            f"/demands/{d.pk}/transfer/",
            {f"transfer-dep_{depts.city.pk}": "on", f"transfer-due_{depts.city.pk}": due,
             f"transfer-dep_{depts.civil.pk}": "on"},
        )  # fmt: skip
        assert response.status_code == 302
        assert refresh(d).status == DemandStatus.TRANSFERRED
        transfers = {t.department_id: t for t in Transfer.objects.filter(demand=d)}
        assert set(transfers) == {depts.city.pk, depts.civil.pk}
        assert timezone.localtime(transfers[depts.city.pk].deadline).date().isoformat() == due
        page = html(client.get(f"/demands/{d.pk}/"))
        assert "城管科" in page and "民政科" in page

    def test_assign_to_a_grid_worker(self, client, people, make_demand):
        d = make_demand()
        page = html(login(client, people.staff).get(f"/demands/{d.pk}/"))
        assert people.grid_worker.first_name in page
        client.post(f"/demands/{d.pk}/assign/", {"assign-assignee": people.grid_worker.pk})
        d = refresh(d)
        assert d.status == DemandStatus.ASSIGNED and d.assignee == people.grid_worker

    def test_stale_action_shows_the_services_message_with_409(self, client, people, make_demand):
        d = make_demand("resolved_on_spot")
        response = login(client, people.staff).post(
            f"/demands/{d.pk}/resolve_on_spot/", {"resolve-result": "又一次"}
        )
        assert response.status_code == 409
        assert "This cannot be done now" in html(response)

    def test_not_allowed_is_403_and_invalid_form_is_422(self, client, people, make_demand):
        d = make_demand()
        response = login(client, people.grid_worker).post(
            f"/demands/{d.pk}/resolve_on_spot/", {"resolve-result": "好了"}
        )
        assert response.status_code == 403 and "not allowed" in html(response)
        response = login(client, people.staff).post(
            f"/demands/{d.pk}/resolve_on_spot/", {"resolve-result": ""}
        )
        assert response.status_code == 422
        assert refresh(d).status == DemandStatus.RECEIVED

    def test_outsiders_cannot_act_404(self, client, people, make_demand):
        d = make_demand()
        response = login(client, people.outsider_staff).post(
            f"/demands/{d.pk}/resolve_on_spot/", {"resolve-result": "x"}
        )
        assert response.status_code == 404
        assert login(client, people.staff).post(f"/demands/{d.pk}/nonsense/").status_code == 404

    def test_resident_reads_the_reply_and_evaluates(self, client, people, make_demand):
        d = make_demand("replied")
        page = html(login(client, people.resident_user).get(f"/demands/{d.pk}/"))
        assert "王阿姨您好，灯已修好" in page and 'data-action="evaluate"' in page
        assert 'data-action="reply"' not in page and 'data-action="transfer"' not in page
        client.post(f"/demands/{d.pk}/evaluate/", {"evaluate-evaluation": "satisfied"})
        assert refresh(d).status == DemandStatus.CLOSED

    def test_department_accepts_handles_and_staff_reply(self, client, people, depts, make_demand):
        d = make_demand("transferred", via="transfer")
        login(client, depts.handler)
        page = html(client.get(f"/demands/{d.pk}/"))
        assert (
            'data-action="accept"' in page
            and 'data-action="handle"' in page
            and 'data-action="return"' in page
        )
        client.post(f"/demands/{d.pk}/accept/")
        assert Transfer.objects.get(demand=d).accepted_at is not None
        assert 'data-action="accept"' not in html(client.get(f"/demands/{d.pk}/"))
        client.post(
            f"/demands/{d.pk}/handle/",
            {"handle-result": "已清理", "handle-is_genuine": "yes", "handle-beyond_remit": ""},
        )
        d = refresh(d)
        assert d.status == DemandStatus.HANDLED and d.is_genuine is True
        login(client, people.staff).post(
            f"/demands/{d.pk}/reply/", {"reply-reply": "已处理，谢谢反映", "reply-public_reply": "已清理"}
        )
        assert refresh(d).status == DemandStatus.REPLIED and refresh(d).public_reply == "已清理"

    def test_return_and_review(self, client, people, depts, make_demand):
        d = make_demand("transferred", via="transfer")
        login(client, depts.handler).post(f"/demands/{d.pk}/return/", {"return-reason": "不属于本科室"})
        assert refresh(d).status == DemandStatus.RETURNED
        page = html(login(client, people.street_admin).get("/street/demands/escalated/"))
        assert "不属于本科室" in page and 'data-action="review_return"' in page
        client.post(
            f"/demands/{d.pk}/review_return/",
            {"review-decision": "approve", "next": "/street/demands/escalated/"},
        )
        assert refresh(d).status == DemandStatus.ESCALATED

    def test_refer_to_a_meeting(self, client, people, make_demand, tree):
        d = make_demand()
        meeting = deliberations.schedule_meeting(
            people.staff,
            region=tree.community_a,
            title="加装电梯议事",
            held_at=timezone.now() + dt.timedelta(days=2),
        )
        login(client, people.staff)
        assert "加装电梯议事" in html(client.get(f"/demands/{d.pk}/"))
        client.post(f"/demands/{d.pk}/refer/", {"refer-meeting": meeting.pk})
        d = refresh(d)
        assert d.status == DemandStatus.DELIBERATING and d.deliberation == meeting


# --- departments and the street --------------------------------------------------------------------


class TestDepartmentInbox:
    def test_only_my_departments_transfers(self, client, people, depts, make_demand):
        mine = make_demand("transferred", via="transfer", title="城管的")
        other = make_demand(title="民政的")
        demand_transfers.transfer_demand(other, people.staff, [(depts.civil, None)])
        page = html(login(client, depts.handler).get("/dept/demands/"))
        assert "城管的" in page and "民政的" not in page
        assert f'data-demand="{mine.pk}"' in page and 'data-action="accept"' in page
        page2 = html(login(client, depts.handler2).get("/dept/demands/"))
        assert "民政的" in page2 and "城管的" not in page2

    def test_deadline_colours(self, client, depts, make_demand):
        d = make_demand("transferred", via="transfer")
        Transfer.objects.filter(demand=d).update(deadline=timezone.now() - dt.timedelta(hours=1))
        page = html(login(client, depts.handler).get("/dept/demands/"))
        assert 'data-colour="red"' in page and "Overdue" in page

    def test_accept_from_the_inbox_returns_there(self, client, depts, make_demand):
        d = make_demand("transferred", via="transfer")
        response = login(client, depts.handler).post(f"/demands/{d.pk}/accept/", {"next": "/dept/demands/"})
        assert response["Location"] == "/dept/demands/"

    def test_return_from_the_inbox_returns_there(self, client, depts, make_demand):
        d = make_demand("transferred", via="transfer")
        page = html(login(client, depts.handler).get("/dept/demands/?page=1"))
        form = page.split('data-action="return"', 1)[1].split("</form>", 1)[0]
        assert '<input type="hidden" name="next" value="/dept/demands/?page=1">' in form
        assert 'name="return-reason"' in form
        response = client.post(
            f"/demands/{d.pk}/return/", {"next": "/dept/demands/?page=1", "return-reason": "不属于本科室"}
        )
        assert response["Location"] == "/dept/demands/?page=1"
        assert Transfer.objects.get(demand=d).status == TransferStatus.RETURN_REQUESTED


class TestEscalationBoard:
    def test_summon_departments_and_see_them_report_in(self, client, people, depts, make_demand):
        d = make_demand()
        dispatch.escalate_demand(d, people.staff, reason="涉及多个部门")
        login(client, people.street_admin)
        page = html(client.get("/street/demands/escalated/"))
        assert d.title in page and 'data-action="transfer"' in page
        client.post(
            f"/demands/{d.pk}/transfer/",
            {f"transfer-dep_{depts.city.pk}": "on", f"transfer-dep_{depts.civil.pk}": "on"},
        )
        assert Transfer.objects.filter(demand=d, summoned=True).count() == 2
        demand_transfers.accept_transfer(refresh(d), depts.handler)
        page = html(client.get("/street/demands/escalated/"))
        assert "城管科" in page and "民政科" in page and "✓" in page and "not yet" in page

    def test_the_whistle_form_says_the_usual_deadline_and_refuses_a_past_date(
        self, client, people, depts, make_demand
    ):
        from weiguang.demands import calendar

        d = make_demand()
        dispatch.escalate_demand(d, people.staff, reason="涉及多个部门")
        login(client, people.street_admin)
        usual = timezone.localtime(calendar.handle_due(d.street, timezone.now()))
        page = html(client.get("/street/demands/escalated/"))
        assert f"Leave the date empty for the usual deadline: {usual:%Y-%m-%d}" in page
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        response = client.post(
            f"/demands/{d.pk}/transfer/",
            {f"transfer-dep_{depts.city.pk}": "on", f"transfer-due_{depts.city.pk}": yesterday.isoformat()},
        )
        assert response.status_code == 422 and "A deadline cannot be in the past." in html(response)
        assert not Transfer.objects.filter(demand=d).exists()

    def test_a_summoned_department_sees_no_escalate_form(self, client, people, depts, make_demand):
        d = make_demand("transferred", via="transfer")
        dispatch.escalate_demand(d, depts.handler, reason="涉及多个部门")
        demand_transfers.transfer_demand(refresh(d), people.street_admin, [(depts.city, None)])
        page = html(login(client, depts.handler).get(f"/demands/{d.pk}/"))
        assert 'data-action="handle"' in page and 'data-action="escalate"' not in page
        (t,) = Transfer.objects.filter(demand=d)  # one transfer, going on; none "done" without a result
        assert t.status == "active" and t.summoned and t.deadline > timezone.now()


# --- meetings ----------------------------------------------------------------------------------


class TestMeetings:
    def test_schedule_refer_and_decide_with_action_items(self, client, people, make_demand, tree):
        login(client, people.staff)
        held = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = client.post(
            "/staff/meetings/new/",
            {
                "region": tree.community_a.pk,
                "title": "楼道堆物议事会",
                "held_at": held,
                "place": "社区会议室",
            },
        )
        meeting = Deliberation.objects.get(title="楼道堆物议事会")
        assert response["Location"] == f"/staff/meetings/{meeting.pk}/"
        d = make_demand()
        deliberations.refer_to_meeting(d, people.staff, meeting)
        page = html(client.get(f"/staff/meetings/{meeting.pk}/"))
        assert d.title in page and 'data-action="decide"' in page
        response = client.post(
            f"/staff/meetings/{meeting.pk}/decide/",
            {
                "decision": "统一清理楼道堆物",
                "attendees": "居民代表5人",
                "items-TOTAL_FORMS": "3",
                "items-INITIAL_FORMS": "0",
                "items-0-title": "清理三号楼堆物",
                "items-0-assignee": people.grid_worker.pk,
                "items-0-grid": tree.grid_a1.pk,
                "items-1-title": "",
                "items-2-title": "",
            },
        )
        assert response.status_code == 302
        assert refresh(d).status == DemandStatus.HANDLED
        item = Demand.objects.get(action_of=meeting)
        assert item.assignee == people.grid_worker and item.status == DemandStatus.ASSIGNED
        page = html(client.get(f"/staff/meetings/{meeting.pk}/"))
        assert "清理三号楼堆物" in page and 'data-action="decide"' not in page
        assert "/staff/meetings/" in html(client.get("/staff/meetings/"))

    def test_meeting_of_another_street_is_404(self, client, people, tree):
        meeting = deliberations.schedule_meeting(
            people.staff, region=tree.community_a, title="议事", held_at=timezone.now()
        )
        assert login(client, people.outsider_staff).get(f"/staff/meetings/{meeting.pk}/").status_code == 404


# --- figures -------------------------------------------------------------------------------------


class TestFigures:
    def test_five_figures_and_breakdowns(self, client, people, make_demand):
        make_demand("closed")
        make_demand()
        page = html(login(client, people.street_admin).get("/staff/demands/figures/"))
        assert 'data-figure="response_rate">50.0%<' in page
        assert 'data-figure="satisfaction_rate">100.0%<' in page
        for by in ("community", "department", "category", "month"):
            assert f'data-testid="breakdown-{by}"' in page

    def test_no_data_shows_a_dash(self, client, people):
        page = html(login(client, people.staff).get("/staff/demands/figures/"))
        assert 'data-figure="satisfaction_rate">—<' in page

    def test_bad_dates_are_422(self, client, people):
        response = login(client, people.staff).get(
            "/staff/demands/figures/", {"start": "2026-05-01", "end": "2026-01-01"}
        )
        assert response.status_code == 422


# --- a wish too big for a wish -------------------------------------------------------------------


class TestConvertWish:
    def test_staff_turn_a_wish_into_a_demand_and_each_links_to_the_other(self, client, people, make_wish):
        wish = make_wish("submitted", title="小区需要加装电梯")
        login(client, people.staff)
        page = html(client.get(f"/wishes/{wish.pk}/"))
        assert f'action="/demands/from-wish/{wish.pk}/"' in page
        response = client.post(f"/demands/from-wish/{wish.pk}/", {"note": "金额太大"})
        d = Demand.objects.get(source_wish=wish)
        assert response["Location"] == f"/demands/{d.pk}/"
        assert d.channel == DemandChannel.WISH and d.resident == people.resident
        assert f"/wishes/{wish.pk}/" in html(client.get(f"/demands/{d.pk}/"))
        wish.refresh_from_db()
        assert wish.status == WishStatus.CONVERTED
        assert f"/demands/{d.pk}/" in html(client.get(f"/wishes/{wish.pk}/"))

    def test_residents_cannot_convert(self, client, people, make_wish):
        wish = make_wish("submitted")
        page = html(login(client, people.resident_user).get(f"/wishes/{wish.pk}/"))
        assert "/demands/from-wish/" not in page
        response = client.post(f"/demands/from-wish/{wish.pk}/")
        assert response.status_code == 403 and not Demand.objects.exists()


# --- navigation and home ---------------------------------------------------------------------------


class TestNavigation:
    def test_entries_per_role(self, client, people, depts):
        nav = html(login(client, people.resident_user).get("/"))
        assert (
            'data-nav="demand_new"' in nav and 'data-nav="my_demands"' in nav and 'data-nav="desk"' not in nav
        )
        nav = html(login(client, people.grid_worker).get("/"))
        assert 'data-nav="desk"' in nav and 'data-nav="demands"' in nav and 'data-nav="escalated"' not in nav
        nav = html(login(client, depts.handler).get("/"))
        assert 'data-nav="dept"' in nav and 'data-tile="dept_inbox"' in nav
        nav = html(login(client, people.street_admin).get("/"))
        assert (
            'data-tile="escalated"' in nav and 'data-tile="meetings"' in nav and 'data-tile="figures"' in nav
        )

    def test_anonymous_home_offers_report_and_track(self, client, tree):
        page = html(client.get("/"))
        assert 'href="/demands/new/"' in page and 'href="/demands/track/"' in page
        assert 'data-nav="demand_new"' in page and 'data-nav="my_demands"' not in page
