"""Handling evidence goes through the same re-encoding as every other upload (issue 9, item 1)."""

from __future__ import annotations

import pytest

from tests.core.test_uploads import assert_served_as_picture, png_polyglot
from weiguang.demands.models import DemandPhoto

from .test_api import DEMANDS, auth

pytestmark = pytest.mark.django_db


def test_a_handlers_evidence_polyglot_is_stored_as_a_picture(client, depts, make_demand):
    d = make_demand("transferred", via="transfer")
    r = client.post(
        f"{DEMANDS}/{d.pk}/handle",
        {"result": "已清理", "photos": [png_polyglot("after.htm")]},
        **auth(depts.handler),
    )
    assert r.status_code == 200, r.content
    photo = DemandPhoto.objects.get(demand=d, stage="result")
    assert photo.image.name.endswith(".png") and "after" not in photo.image.name
    assert_served_as_picture(client, photo.image.url)
