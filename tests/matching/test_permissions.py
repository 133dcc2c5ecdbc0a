"""Who sees which volunteers on the matching pages. The bulk-assignment page showed community
staff the full name of every approved volunteer of the street, while the recommendations of a
wish mask those the viewer may not see (issue 10): both now show the same."""

from __future__ import annotations

import json

import pytest

from weiguang.core.privacy import mask_name
from weiguang.regions.models import Role
from weiguang.volunteers import services as vol_services

from ..factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(people, register, tree):
    """A volunteer of community A, one of community B who may claim anywhere in the street, and
    one of community B who may claim only there."""

    def volunteer(username, name, region):
        v = register(UserFactory(username=username, first_name=name), home_region=region)
        return vol_services.approve_volunteer(v, people.street_admin)

    own = volunteer("own_a", "周建国", tree.grid_a1)
    near = volunteer("near_b", "吴卫东", tree.community_b)
    grant(near.user, Role.VOLUNTEER, tree.street)
    far = volunteer("far_b", "郑红梅", tree.community_b)
    return own, near, far


def test_bulk_assignment_shows_the_volunteers_as_recommendations_do(client, people, make_wish, tree, three):
    own, near, far = three
    wish = make_wish("published", title="想请人陪同去医院", kind="service", description="陪同 就医")
    client.force_login(people.staff)  # community A's staff
    candidates = client.get(f"/staff/wishes/{wish.pk}/candidates/").content.decode()
    bulk = client.get(f"/staff/assignments/?community={tree.community_a.pk}").content.decode()
    for page in (candidates, bulk):
        assert own.name in page  # of their own community: in full
        assert near.name not in page and mask_name(near.name) in page  # another community's: masked
        # who cannot claim in community A is not offered at all
        assert far.name not in page and mask_name(far.name) not in page
    api = client.get(f"/api/v1/wishes/{wish.pk}/candidates").json()
    named = {c["name"] for c in api["items"] if c["kind"] == "volunteer"}
    assert named == {own.name, mask_name(near.name)}
    # once invited, the wish's invitations name them as the candidates do
    client.post(f"/staff/wishes/{wish.pk}/invite/", {"user": near.user_id})
    client.post(f"/staff/wishes/{wish.pk}/invite/", {"user": own.user_id})
    page = client.get(f"/staff/wishes/{wish.pk}/candidates/").content.decode()
    assert 'name="note"' in page and page.count(mask_name(near.name)) == 2 and page.count(own.name) == 2
    assert near.name not in page
    # the proposal names the claimers as the page does
    r = client.post("/staff/assignments/", {
        "community": tree.community_a.pk, "step": "propose", "wish": [wish.pk], f"cap-u-{near.user_id}": "1",
    })  # fmt: skip
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="proposal"' in html
    assert near.name not in html and mask_name(near.name) in html


def test_the_bulk_assignment_api_names_nobody(client, people, make_wish, three):
    own, near, far = three
    wish = make_wish("published", title="想请人陪同去医院", kind="service", description="陪同 就医")
    client.force_login(people.staff)
    body = {
        "wish_ids": [wish.pk],
        "claimers": [{"user_id": v.user_id, "capacity": 1} for v in (own, near, far)],
    }
    r = client.post("/api/v1/assignments/propose", body, content_type="application/json")
    assert r.status_code == 200
    text = json.dumps(r.json(), ensure_ascii=False)
    assert not any(name in text for v in three for name in (v.name, mask_name(v.name)))
    # the one who cannot claim in community A gets nothing
    assert far.user_id not in {p["user_id"] for p in r.json()["pairs"]}
