"""The partner demo builds a livelihood alliance, resources, a tallied survey and two projects
through the services."""

from __future__ import annotations

import random

import pytest

from weiguang.core.models import AuditEntry
from weiguang.lists import services
from weiguang.lists.demo import SURVEY_RESPONSES, seed_partner_demo
from weiguang.lists.models import ProjectStatus
from weiguang.partners.models import PartnerKind

from ..factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_seed_partner_demo(people, tree, other_unit, make_wish, make_demand):
    PartnerFactory(name="八大湖社区卫生服务中心", kind=PartnerKind.HOSPITAL, region=tree.street)
    PartnerFactory(name="惠民超市八大湖店", kind=PartnerKind.MERCHANT, region=tree.street)
    make_wish("published", title="电饭煲坏了想修一修")
    make_demand("received", title="希望定期义诊")
    made = seed_partner_demo(
        tree.street, [tree.community_a, tree.community_b], people.street_admin, random.Random(7)
    )

    units = list(made["alliance"].units.all())
    assert made["alliance"].name == "民生联盟" and len(units) == 4
    for unit in units:
        assert 2 <= unit.resources.count() <= 3, unit
        assert unit.party_organisation
    titles = {r.title for r in made["resources"]}
    assert {"社区义诊日", "家电义务维修", "食物银行爱心包"} <= titles

    t = services.tally(made["survey"])
    assert t.responses == SURVEY_RESPONSES
    assert [o for o, _n in t.top[:4]] == ["义诊", "家电维修", "免费理发", "文化活动"]

    running, done = made["projects"]
    assert running.status == ProjectStatus.RUNNING and running.resources.exists()
    assert done.status == ProjectStatus.DONE and done.outcome
    assert running.surveys.get() == made["survey"]
    assert AuditEntry.objects.filter(action="finish", object_id=str(done.pk)).exists()
    # it all shows in the street's lists
    needs = services.needs_list(people.street_admin, tree.street)
    assert [s.survey for s in needs.surveys] == [made["survey"]]
    assert services.resources_list(people.street_admin, tree.street).count() == len(made["resources"])
    assert services.projects_list(people.street_admin, tree.street).count() == 2
