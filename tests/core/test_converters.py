"""Ids in URLs: every pattern takes them with the bounded `id` converter (core/converters.py),
so an id past the database's bigint range is a 404 — JSON under /api/ — never a 500."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from weiguang.core.converters import MAX_ID, IdConverter

HUGE = "99999999999999999999"  # > 2**63 - 1

# Django's own admin shortcut (/admin/r/<int:content_type_id>/...) is not ours to change; it
# answers a huge id with a 404 itself (tested below).
DJANGO_OWN = {"admin/r/<int:content_type_id>/<path:object_id>/"}


def _patterns(resolvers, prefix=""):
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def test_no_url_pattern_takes_an_unbounded_int():
    unbounded = [
        route
        for route, entry in _patterns(get_resolver().url_patterns)
        if route not in DJANGO_OWN
        and any(type(c) is IntConverter for c in getattr(entry.pattern, "converters", {}).values())
    ]
    assert unbounded == []
    # and the id converter is really in use, for pages and API paths alike
    routes = [route for route, _ in _patterns(get_resolver().url_patterns)]
    assert "wishes/<id:pk>/" in routes and "api/v1/wishes/<id:wish_id>" in routes


def test_the_id_converter_stops_at_the_bigint_range():
    converter = IdConverter()
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    with pytest.raises(ValueError):
        converter.to_python(str(MAX_ID + 1))
    assert reverse("wish_detail", args=[MAX_ID]) == f"/wishes/{MAX_ID}/"


@pytest.mark.django_db
def test_a_page_with_an_id_out_of_range_is_a_404(client, people):
    client.force_login(people.staff)
    for url in (f"/wishes/{HUGE}/", f"/demands/{HUGE}/", f"/teams/{HUGE}/", f"/partners/{HUGE}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "页面不存在" in response.content.decode()
    assert client.post(f"/teams/memberships/{HUGE}/approve/").status_code == 404


@pytest.mark.django_db
def test_an_api_path_with_an_id_out_of_range_is_a_json_404(client, people):
    client.force_login(people.staff)
    for method, url in (
        ("post", f"/api/v1/teams/{HUGE}/memberships/1/decide"),
        ("post", f"/api/v1/teams/1/memberships/{HUGE}/decide"),
        ("get", f"/api/v1/wishes/{HUGE}"),
        ("get", f"/api/v1/demands/{HUGE}/history"),
        ("patch", f"/api/v1/projects/{HUGE}"),
    ):
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found", url


@pytest.mark.django_db
def test_the_api_documents_the_id_range(client):
    schema = client.get("/api/v1/openapi.json").json()
    (param,) = schema["paths"]["/api/v1/wishes/{wish_id}"]["get"]["parameters"]
    assert param["schema"]["minimum"] == 1 and param["schema"]["maximum"] == MAX_ID


@pytest.mark.django_db
def test_djangos_admin_shortcut_answers_a_huge_id_with_a_404(admin_client):
    assert admin_client.get(f"/admin/r/{HUGE}/1/").status_code == 404
