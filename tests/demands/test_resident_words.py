"""A resident reads about her demand in plain words: never the office's own (预警单, 吹哨, 退单),
not the names of the staff who handled it, on her demand page, in "my demands" or on the
tracking page (in Chinese, as she sees it)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

INTERNAL = ("预警单", "预警", "吹哨", "退单", "督办", "转办", "上报街道")


def test_an_unsatisfied_residents_demand_shows_no_internal_words(client, people, depts, make_demand):
    d = make_demand("reopened", via="transfer")  # unsatisfied: a warning order (预警单) inside
    assert d.warning_count == 1
    client.force_login(people.resident_user)
    pages = {
        "demand": client.get(f"/demands/{d.pk}/").content.decode(),
        "mine": client.get("/my/demands/").content.decode(),
        "track": client.get(f"/demands/track/{d.tracking_code}/").content.decode(),
    }
    for name, page in pages.items():
        assert d.title in page, name
        assert "重新办理中" in page, name  # what she reads instead
        for word in INTERNAL:
            assert word not in page, (name, word)
    assert depts.handler.first_name not in pages["demand"]  # who handled it is not hers to know
    assert "城管科" not in pages["demand"]  # nor which department
    # staff see the office's words
    client.force_login(people.staff)
    assert "预警单" in client.get(f"/demands/{d.pk}/").content.decode()
