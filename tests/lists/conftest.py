"""Lists fixtures: the partner fixtures (tests/partners/conftest.py) and a survey of
community A."""

from __future__ import annotations

import pytest

from tests.demands.conftest import depts, make_demand  # noqa: F401
from tests.partners.conftest import SERVICES, auth, call, other_unit  # noqa: F401
from weiguang.lists import services


@pytest.fixture
def survey(people):
    """Community A's survey: services wanted (several), age group (one), other suggestions (text)."""
    return services.create_survey(
        people.staff,
        region=people.tree.community_a,
        title="居民服务需求调查",
        questions=[
            {"text": "您最希望社区提供哪些服务？", "options": SERVICES, "multiple": True},
            {"text": "您的年龄段", "options": ["60岁以下", "60岁及以上"]},
            {"text": "其他建议"},
        ],
    )


def questions(survey):
    return [str(q.pk) for q in survey.questions.all()]
