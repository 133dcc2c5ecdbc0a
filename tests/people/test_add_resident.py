"""A grid worker or staff member who cannot find a resident adds them on the spot
(people.services.add_resident), on the wish and demand "on behalf of" pages and by the API."""

from __future__ import annotations

import pytest

from tests.factories import ResidentFactory, member
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import ApiToken
from weiguang.core.text import normalize_phone
from weiguang.demands.models import Demand
from weiguang.people.models import PopulationGroup, Resident
from weiguang.people.services import add_resident
from weiguang.regions.models import Role
from weiguang.wishes.models import Wish

pytestmark = pytest.mark.django_db


def data(tree, **kw) -> dict:
    return {
        "grid": tree.grid_a1,
        "name": "刘桂芳",
        "phone": "13700001111",
        "building": "5号楼",
        "door": "2单元302室",
        "groups": [],
        "consent": True,
    } | kw


@pytest.fixture
def grid_worker_a2(tree):
    """A grid worker of the same community's other grid."""
    return member(Role.GRID_WORKER, tree.grid_a2, username="grid_a2", first_name="何网格")


class TestNormalizePhone:
    @pytest.mark.parametrize(
        "typed, stored",
        [
            ("13912345678", "13912345678"),
            ("139 1234 5678", "13912345678"),
            ("+86 139-1234-5678", "13912345678"),
            ("0086 13912345678", "13912345678"),
            ("１３９１２３４５６７８", "13912345678"),  # full-width digits from a Chinese keyboard
            ("0532-8388 1234", "053283881234"),
            ("(0532) 83881234", "053283881234"),
        ],
    )
    def test_one_form_whatever_was_typed(self, typed, stored):
        assert normalize_phone(typed) == stored


class TestService:
    @pytest.mark.parametrize("who", ["grid_worker", "staff", "street_admin"])
    def test_those_serving_the_grid_add_a_resident(self, people, tree, who):
        by = getattr(people, who)
        groups = list(PopulationGroup.objects.all()[:2])
        resident, created = add_resident(by, **data(tree, phone="+86 137-0000-1111", groups=groups))
        assert created
        resident.refresh_from_db()
        assert (resident.name, resident.grid, resident.building, resident.door) == (
            "刘桂芳",
            tree.grid_a1,
            "5号楼",
            "2单元302室",
        )
        assert resident.phone == "13700001111"  # the form sign-up matches by
        assert resident.consent is True and resident.user is None
        assert set(resident.groups.all()) == set(groups)
        entry = history_of(resident).get()
        assert (entry.action, entry.actor) == ("add", by)
        assert entry.data["grid"] == tree.grid_a1.pk

    def test_a_landline_is_kept_as_digits(self, people, tree):
        resident, _ = add_resident(people.grid_worker, **data(tree, phone="0532-8388 1234"))
        assert resident.phone == "053283881234"

    @pytest.mark.parametrize(
        "who, grid",
        [
            ("grid_worker_a2", "grid_a1"),  # a grid worker of another grid, same community
            ("staff_b", "grid_a1"),  # community staff of another community
            ("outsider_staff", "grid_a1"),  # another street
            ("volunteer", "grid_a1"),
            ("resident_user", "grid_a1"),
            ("staff", "grid_b1"),
        ],
    )
    def test_others_are_refused(self, people, tree, grid_worker_a2, who, grid):
        by = grid_worker_a2 if who == "grid_worker_a2" else getattr(people, who)
        with pytest.raises(NotAllowed):
            add_resident(by, **data(tree, grid=getattr(tree, grid)))
        assert not Resident.objects.filter(name="刘桂芳").exists()

    def test_a_community_is_not_a_grid(self, people, tree):
        with pytest.raises(InvalidInput) as err:
            add_resident(people.staff, **data(tree, grid=tree.community_a))
        assert "grid" in err.value.fields

    def test_consent_must_be_recorded(self, people, tree):
        with pytest.raises(InvalidInput) as err:
            add_resident(people.grid_worker, **data(tree, consent=False))
        assert list(err.value.fields) == ["consent"]
        assert not Resident.objects.filter(name="刘桂芳").exists()

    @pytest.mark.parametrize("phone", ["", "12345", "1371234567", "23700001111", "137 0000 1111 x", "邮箱"])
    def test_a_bad_phone_is_refused(self, people, tree, phone):
        with pytest.raises(InvalidInput) as err:
            add_resident(people.grid_worker, **data(tree, phone=phone))
        assert list(err.value.fields) == ["phone"]

    def test_every_bad_field_is_named_at_once(self, people, tree):
        with pytest.raises(InvalidInput) as err:
            add_resident(
                people.grid_worker, **data(tree, name="  ", phone="1", door="门" * 31, consent=False)
            )
        assert set(err.value.fields) == {"name", "phone", "door", "consent"}
        assert not Resident.objects.exists() or not Resident.objects.filter(door="门" * 31).exists()

    def test_a_phone_already_in_the_street_names_that_record(self, people, tree):
        twin = ResidentFactory(name="刘桂芳", grid=tree.grid_a1, phone="137-0000-1111", building="5号楼")
        with pytest.raises(Conflict) as err:
            add_resident(people.grid_worker, **data(tree))
        assert err.value.code == "duplicate_resident"
        assert err.value.fields["duplicate_of"] == str(twin.pk)
        assert "刘桂芳" in err.value.message and "137****1111" in err.value.message
        assert Resident.objects.filter(name="刘桂芳").count() == 1

    def test_a_twin_out_of_sight_is_masked(self, people, tree, grid_worker_a2):
        ResidentFactory(name="刘桂芳", gender="F", grid=tree.grid_a1, phone="13700001111")
        with pytest.raises(Conflict) as err:
            add_resident(grid_worker_a2, **data(tree, grid=tree.grid_a2))
        assert "刘桂芳" not in err.value.message and "刘" in err.value.message
        assert "七星里第一网格" in err.value.message

    def test_the_same_phone_in_another_street_is_someone_else(self, people, tree):
        ResidentFactory(grid=tree.other_grid, phone="13700001111")
        resident, created = add_resident(people.grid_worker, **data(tree))
        assert created and resident.grid == tree.grid_a1

    def test_a_double_tap_adds_one(self, people, tree):
        first, created = add_resident(people.grid_worker, **data(tree), idempotency_key="k1")
        again, created_again = add_resident(people.grid_worker, **data(tree), idempotency_key="k1")
        assert created and not created_again and again == first
        assert Resident.objects.filter(name="刘桂芳").count() == 1


class TestWishPage:
    URL = "/grid/wishes/new/"

    def form(self, tree, **kw) -> dict:
        return {
            "add_resident": "1",
            "q": "刘桂芳",
            "nr-name": "刘桂芳",
            "nr-phone": "137 0000 1111",
            "nr-grid": tree.grid_a1.pk,
            "nr-building": "5号楼",
            "nr-door": "302",
            "nr-consent": "on",
        } | kw

    def test_a_search_that_finds_no_one_offers_the_form(self, client, people, tree):
        client.force_login(people.grid_worker)
        page = client.get(self.URL, {"q": "刘桂芳"}).content.decode()
        assert "找不到？现场添加居民" in page
        assert 'name="nr-name"' in page and 'value="刘桂芳"' in page  # the searched name is typed in
        assert "他们同意" in page or "同意" in page  # the consent text is shown
        live = client.get("/grid/residents/search/", {"q": "刘桂芳"}).content.decode()
        assert "找不到？现场添加居民" in live and "nr-consent" in live

    def test_added_then_the_wish_is_recorded_for_them(self, client, people, tree):
        client.force_login(people.grid_worker)
        response = client.post(self.URL, self.form(tree))
        resident = Resident.objects.get(name="刘桂芳")
        assert resident.phone == "13700001111" and resident.grid == tree.grid_a1
        assert response.status_code == 302 and response["Location"].endswith(f"?resident={resident.pk}")
        step2 = client.get(response["Location"]).content.decode()
        assert "刘桂芳" in step2 and "已添加" in step2
        response = client.post(
            self.URL,
            {"resident": resident.pk, "kind": "item", "title": "需要一台助行器", "description": "",
             "channel": "grid", "idempotency_key": "w1"},
        )  # fmt: skip
        wish = Wish.objects.get(title="需要一台助行器")
        assert wish.resident == resident and wish.created_by == people.grid_worker

    def test_bad_input_shows_errors_and_adds_nothing(self, client, people, tree):
        client.force_login(people.grid_worker)
        response = client.post(self.URL, self.form(tree, **{"nr-phone": "12", "nr-consent": ""}))
        assert response.status_code == 422
        page = response.content.decode()
        assert "手机号" in page or "固定电话" in page
        assert 'value="刘桂芳"' in page  # what was typed stays
        assert not Resident.objects.filter(name="刘桂芳").exists()

    def test_a_duplicate_offers_the_existing_record(self, client, people, tree):
        twin = ResidentFactory(name="刘桂芳", grid=tree.grid_a1, phone="13700001111")
        client.force_login(people.grid_worker)
        response = client.post(self.URL, self.form(tree))
        assert response.status_code == 422
        assert f'href="/grid/wishes/new/?resident={twin.pk}"' in response.content.decode()
        assert Resident.objects.filter(name="刘桂芳").count() == 1

    def test_another_grid_is_not_offered_nor_accepted(self, client, people, tree):
        client.force_login(people.grid_worker)
        page = client.get(self.URL, {"q": "nobody"}).content.decode()
        assert "七星里第二网格" not in page
        response = client.post(self.URL, self.form(tree, **{"nr-grid": tree.grid_a2.pk}))
        assert response.status_code == 422
        assert not Resident.objects.filter(name="刘桂芳").exists()


class TestDeskPage:
    URL = "/desk/demands/new/"

    def form(self, tree, **kw) -> dict:
        return {
            "channel": "desk",
            "grid": "",
            "idempotency_key": "d1",
            "title": "楼道灯坏了",
            "description": "三楼",
            "category": "",
            "q": "刘桂芳",
            "nr-name": "刘桂芳",
            "nr-phone": "13700001111",
            "nr-grid": tree.grid_a1.pk,
            "nr-building": "5号楼",
            "nr-consent": "on",
            "add_resident": "1",
        } | kw

    def test_the_search_offers_the_form(self, client, people, tree):
        client.force_login(people.staff)
        live = client.get("/desk/demands/residents/", {"q": "刘桂芳"}).content.decode()
        assert "找不到？现场添加居民" in live and 'value="刘桂芳"' in live
        # Without JavaScript the search reloads the desk page with the same offer.
        page = client.get(self.URL, {"q": "刘桂芳"}).content.decode()
        assert "找不到？现场添加居民" in page and 'id="desk-form"' in page

    def test_htmx_adds_and_chooses_them_in_place(self, client, people, tree):
        client.force_login(people.staff)
        response = client.post(self.URL, self.form(tree), HTTP_HX_REQUEST="true")
        resident = Resident.objects.get(name="刘桂芳")
        page = response.content.decode()
        assert response.status_code == 200
        assert f'name="resident" value="{resident.pk}"' in page and 'hx-swap-oob="true"' in page
        assert not Demand.objects.exists()

    def test_htmx_errors_stay_in_the_form(self, client, people, tree):
        client.force_login(people.staff)
        response = client.post(self.URL, self.form(tree, **{"nr-consent": ""}), HTTP_HX_REQUEST="true")
        assert response.status_code == 200  # htmx swaps it in
        assert 'id="resident-results"' in response.content.decode()
        assert "同意" in response.content.decode()
        assert not Resident.objects.filter(name="刘桂芳").exists()

    def test_without_javascript_the_typed_demand_stays_then_saves(self, client, people, tree):
        client.force_login(people.staff)
        response = client.post(self.URL, self.form(tree))
        resident = Resident.objects.get(name="刘桂芳")
        page = response.content.decode()
        assert response.status_code == 200
        assert 'value="楼道灯坏了"' in page and 'value="三楼"' in page
        assert f'name="resident" value="{resident.pk}"' in page
        posted = {k: v for k, v in self.form(tree).items() if not k.startswith("nr-") and k != "add_resident"}
        response = client.post(self.URL, {**posted, "resident": resident.pk})
        demand = Demand.objects.get(title="楼道灯坏了")
        assert demand.resident == resident

    def test_enter_in_the_resident_fields_adds_rather_than_saves(self, client, people, tree):
        client.force_login(people.staff)
        form = self.form(tree)
        del form["add_resident"]
        response = client.post(self.URL, form)
        assert response.status_code == 200
        assert Resident.objects.filter(name="刘桂芳").exists() and not Demand.objects.exists()

    def test_bad_input_keeps_everything_typed(self, client, people, tree):
        client.force_login(people.staff)
        response = client.post(self.URL, self.form(tree, **{"nr-name": "", "nr-phone": "abc"}))
        assert response.status_code == 422
        page = response.content.decode()
        assert 'value="楼道灯坏了"' in page and 'value="abc"' in page
        assert not Resident.objects.exists() or not Resident.objects.filter(phone="abc").exists()
        assert not Demand.objects.exists()


class TestApi:
    URL = "/api/v1/residents"

    def post(self, client, user, body, **headers):
        return client.post(
            self.URL, body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}", HTTP_ACCEPT_LANGUAGE="en", **headers,
        )  # fmt: skip

    def body(self, tree, **kw) -> dict:
        return {"grid_id": tree.grid_a1.pk, "name": "刘桂芳", "phone": "+86 137 0000 1111",
                "building": "5号楼", "door": "302", "group_ids": [], "consent": True} | kw  # fmt: skip

    def test_added_then_a_wish_and_a_demand_for_them(self, client, people, tree):
        group = PopulationGroup.objects.first()
        response = self.post(client, people.grid_worker, self.body(tree, group_ids=[group.pk]))
        assert response.status_code == 201, response.json()
        out = response.json()
        assert out["phone"] == "13700001111" and out["grid"]["id"] == tree.grid_a1.pk
        assert [g["id"] for g in out["groups"]] == [group.pk]
        wish = client.post(
            "/api/v1/wishes", {"resident_id": out["id"], "kind": "item", "title": "需要一台助行器"},
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(people.grid_worker)}",
        )  # fmt: skip
        assert wish.status_code == 201, wish.json()
        assert Wish.objects.get().resident_id == out["id"]

    def test_idempotency_key(self, client, people, tree):
        first = self.post(client, people.staff, self.body(tree), HTTP_IDEMPOTENCY_KEY="abc")
        again = self.post(client, people.staff, self.body(tree), HTTP_IDEMPOTENCY_KEY="abc")
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"]

    def test_duplicate_is_409_with_the_record(self, client, people, tree):
        twin = ResidentFactory(grid=tree.grid_a2, phone="13700001111")
        response = self.post(client, people.staff, self.body(tree))
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "duplicate_resident" and body["duplicate_of"] == twin.pk
        assert "phone" in body["errors"]

    def test_fields_are_422(self, client, people, tree):
        response = self.post(client, people.grid_worker, self.body(tree, phone="12", consent=False, name=""))
        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"phone", "consent", "name"}
        response = self.post(client, people.grid_worker, self.body(tree, grid_id=tree.community_a.pk))
        assert response.status_code == 422 and "grid_id" in response.json()["errors"]
        response = self.post(client, people.grid_worker, self.body(tree, group_ids=[999999]))
        assert response.status_code == 422 and "group_ids" in response.json()["errors"]
        assert not Resident.objects.filter(name="刘桂芳").exists()

    def test_another_grid_is_403(self, client, people, tree):
        response = self.post(client, people.grid_worker, self.body(tree, grid_id=tree.grid_a2.pk))
        assert response.status_code == 403
        response = self.post(client, people.staff_b, self.body(tree))
        assert response.status_code == 403
        assert client.post(self.URL, self.body(tree), content_type="application/json").status_code == 401
