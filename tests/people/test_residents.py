"""Residents: validated contact data, masked display, and who may look them up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import ResidentFactory, UserFactory, grant, make_id_number
from weiguang.core.audit import history_of
from weiguang.people.models import PopulationGroup, Resident
from weiguang.people.services import search_residents, view_resident_record
from weiguang.regions.models import Role


@pytest.fixture
def june_2025(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 10, 4, tzinfo=dt.UTC), tick=False)


@pytest.mark.usefixtures("june_2025")
class TestDisplay:
    def test_an_elderly_woman_is_shown_as_auntie(self, tree):
        r = ResidentFactory(name="王秀英", gender="F", birth_date=dt.date(1948, 5, 1), grid=tree.grid_a1)
        assert r.masked_name == "王阿姨"
        assert str(r) == "王阿姨"  # admin lists and logs never print the full name

    def test_a_younger_man_is_shown_with_stars(self, tree):
        r = ResidentFactory(name="刘建国", gender="M", birth_date=dt.date(1985, 5, 1), grid=tree.grid_a1)
        assert r.masked_name == "刘**"
        assert "建国" not in str(r)

    def test_phone_and_id_number_are_masked(self, tree):
        r = ResidentFactory(phone="13912345678", id_number="11010519491231002X", grid=tree.grid_a1)
        assert r.masked_phone == "139****5678"
        assert r.masked_id_number == "1101**********002X"

    def test_the_address_names_grid_building_and_door(self, tree):
        r = ResidentFactory(grid=tree.grid_a1, building="3号楼", door="2单元501室")
        assert r.address == "七星里第一网格 3号楼 2单元501室"
        r.building = r.door = ""
        assert r.address == "七星里第一网格"


class TestValidation:
    def valid(self, tree, **kw) -> Resident:
        data = {
            "name": "陈桂兰",
            "grid": tree.grid_a1,
            "phone": "13812341234",
            "id_number": make_id_number(7),
        } | kw
        return Resident(**data)

    def test_a_complete_record_is_valid(self, tree):
        self.valid(tree).full_clean()
        self.valid(tree, id_number="", phone="").full_clean()  # both optional
        self.valid(tree, phone="0532-83881234").full_clean()

    @pytest.mark.parametrize("phone", ["1381234123", "23812341234", "138123412345", "phone"])
    def test_a_bad_phone_is_refused(self, tree, phone):
        with pytest.raises(ValidationError) as info:
            self.valid(tree, phone=phone).full_clean()
        assert set(info.value.message_dict) == {"phone"}

    @pytest.mark.parametrize(
        "id_number",
        ["370202195003070010", "37020219500307001", "370202195002300012", "11010519491231002Y"],
    )
    def test_a_bad_id_number_is_refused(self, tree, id_number):
        with pytest.raises(ValidationError) as info:
            self.valid(tree, id_number=id_number).full_clean()
        assert set(info.value.message_dict) == {"id_number"}


def test_default_population_groups_exist(db):
    codes = set(PopulationGroup.objects.values_list("code", flat=True))
    assert {"elderly_alone", "disabled", "low_income", "child", "new_economy"} <= codes


class TestSearch:
    @pytest.fixture
    def residents(self, people, tree):
        return {
            "a1": people.resident,  # 王秀英, grid A1
            "a2": people.other_resident,  # 陈桂兰, grid A2
            "b1": ResidentFactory(name="赵淑珍", grid=tree.grid_b1, phone="13700001111", building="18号楼"),
            "x": ResidentFactory(name="孙玉梅", grid=tree.other_grid),
        }

    @pytest.mark.parametrize(
        ("who", "visible"),
        [
            ("grid_worker", {"a1"}),
            ("staff", {"a1", "a2"}),
            ("staff_b", {"b1"}),
            ("street_admin", {"a1", "a2", "b1"}),
            ("outsider_staff", {"x"}),
            ("outsider_grid_worker", {"x"}),
            ("volunteer", set()),
            ("resident_user", set()),
            ("stranger", set()),
        ],
    )
    def test_each_role_finds_residents_of_their_own_region_only(self, people, residents, who, visible):
        found = set(search_residents(getattr(people, who)))
        assert found == {residents[k] for k in visible}

    def test_anonymous_finds_nobody(self, residents):
        from django.contrib.auth.models import AnonymousUser

        assert list(search_residents(AnonymousUser())) == []

    def test_search_by_name_phone_ending_or_building(self, people, residents):
        admin = people.street_admin
        assert list(search_residents(admin, "淑珍")) == [residents["b1"]]
        assert list(search_residents(admin, "1111")) == [residents["b1"]]
        assert list(search_residents(admin, "18号楼")) == [residents["b1"]]
        assert list(search_residents(admin, "孙玉梅")) == []  # another street
        assert len(search_residents(admin, "  ")) == 3

    def test_results_are_limited(self, people, tree):
        for i in range(5):
            ResidentFactory(name=f"马{i}", grid=tree.grid_a1)
        assert len(search_residents(people.grid_worker, "马", limit=3)) == 3

    def test_a_grid_worker_in_two_grids_sees_both(self, people, residents, tree):
        worker = UserFactory(username="grid_two")
        grant(worker, Role.GRID_WORKER, tree.grid_a1)
        grant(worker, Role.GRID_WORKER, tree.grid_b1)
        assert set(search_residents(worker)) == {residents["a1"], residents["b1"]}


def test_viewing_a_full_record_is_audited(people):
    view_resident_record(people.resident, people.staff)
    entry = history_of(people.resident).get()
    assert (entry.action, entry.actor) == ("view_record", people.staff)


def test_the_resident_is_the_owner_of_their_record(people):
    from django.contrib.auth.models import AnonymousUser

    assert people.resident.relations_to(people.resident_user) == {"owner"}
    assert people.resident.relations_to(people.volunteer) == set()
    assert people.resident.relations_to(AnonymousUser()) == set()
    assert people.other_resident.relations_to(people.resident_user) == set()
