"""In English, categories and population groups are English too: a name_en beside the Chinese
name, filled for the default and demo ones, shown by one helper (core.names.local_name)."""

from __future__ import annotations

import pytest

from weiguang.demands.models import DemandCategory
from weiguang.demands.services import intake
from weiguang.people.models import PopulationGroup
from weiguang.wishes.models import WishCategory

pytestmark = pytest.mark.django_db


def test_the_default_categories_and_groups_have_english_names():
    assert WishCategory.objects.exists() and PopulationGroup.objects.exists()
    assert list(WishCategory.objects.filter(name_en="").values_list("name", flat=True)) == []
    assert list(PopulationGroup.objects.filter(name_en="").values_list("name", flat=True)) == []


def test_english_pages_show_english_names_and_chinese_pages_chinese(client, people, make_wish):
    care = WishCategory.objects.get(name="助老助残")
    wish = make_wish("published", title="想请人陪我去医院", kind="service", category=care)
    client.force_login(people.staff)
    page = client.get(f"/wishes/{wish.pk}/").content.decode()
    assert "助老助残" in page and "Help for the elderly and disabled" not in page
    client.cookies["wg_lang"] = "en"
    page = client.get(f"/wishes/{wish.pk}/").content.decode()
    assert "Help for the elderly and disabled" in page and "助老助残" not in page
    wall = client.get(f"/communities/{people.tree.community_a.pk}/wall/").content.decode()
    assert ">Elderly living alone</option>" in wall and ">Daily necessities</option>" in wall

    repairs = DemandCategory.objects.create(name="设施维修", name_en="Repairs to facilities")
    lamp = DemandCategory.objects.create(name="楼道照明", name_en="Stairwell lighting", parent=repairs)
    d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="楼道灯坏了", category=lamp)
    assert "Stairwell lighting" in client.get(f"/demands/{d.pk}/").content.decode()
    assert ">Stairwell lighting</option>" in client.get("/desk/demands/new/").content.decode()
    # a category without an English name keeps its Chinese one
    DemandCategory.objects.filter(pk=lamp.pk).update(name_en="")
    assert "楼道照明" in client.get(f"/demands/{d.pk}/").content.decode()


def test_skills_are_english_on_english_pages(client, people):
    from weiguang.volunteers.models import Skill

    Skill.objects.create(name="家电维修", name_en="Appliance repair")
    client.force_login(people.stranger)
    assert "家电维修" in client.get("/volunteers/register/").content.decode()
    client.cookies["wg_lang"] = "en"
    page = client.get("/volunteers/register/").content.decode()
    assert "Appliance repair" in page and "家电维修" not in page
