"""Posted ids that no table can hold, and words where ids belong, are a clear form error, never a
500: the forms' multiple choices and the admin's autocomplete fields (found by the page sweep,
tests/test_sweep_pages.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from weiguang.people.models import Resident
from weiguang.regions.models import Region

HUGE = 99999999999999999999

pytestmark = pytest.mark.django_db


def test_id_in_with_ids_past_any_column_matches_only_the_real_ones(people):
    resident = people.resident
    assert list(Resident.objects.filter(pk__in=[HUGE, resident.pk])) == [resident]
    assert not Resident.objects.filter(grid__in=[HUGE, -HUGE]).exists()
    assert not Region.objects.filter(children__in=[HUGE]).exists()


def test_volunteer_registration_with_huge_ids_is_the_form_again(client, people):
    client.force_login(people.stranger)
    response = client.post(
        "/volunteers/register/",
        {"name": "卫路人", "home_region": str(HUGE), "skills": [str(HUGE)], "slots": "x"},
    )
    assert response.status_code == 422
    assert "volunteer_register" in response.resolver_match.url_name


@pytest.fixture
def superuser_client(client):
    admin = get_user_model().objects.create_superuser("su", "su@example.org", "x-Weiguang-99")
    client.force_login(admin)
    return client


@pytest.mark.parametrize("posted", ["abc", str(HUGE)])
def test_admin_autocomplete_fields_survive_a_tampered_post(superuser_client, people, posted):
    resident = people.resident
    response = superuser_client.post(
        f"/admin/people/resident/{resident.pk}/change/",
        {"name": "王秀英", "grid": posted, "user": posted, "groups": posted},
    )
    assert response.status_code == 200  # the form again, with its errors
    assert "errornote" in response.content.decode()
    response = superuser_client.post(
        f"/admin/regions/region/{people.tree.street.pk}/change/",
        {
            "name": "八大湖街道",
            "parent": posted,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": posted,
        },
    )
    assert response.status_code == 200


def test_admin_lists_take_huge_ids_in_their_actions(superuser_client):
    response = superuser_client.post("/admin/auth/group/add/", {"name": "组", "permissions": str(HUGE)})
    assert response.status_code == 200
    response = superuser_client.post(
        "/admin/wishes/wishcategory/", {"action": "delete_selected", "_selected_action": str(HUGE)}
    )
    assert response.status_code in (200, 302)
