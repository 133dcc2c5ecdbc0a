"""The API tells the truth about text lengths (issue 9, item 11): a schema's maxLength is the
limit its service applies (one constant), so a client that stays within the documented length
is never refused as too long — reasons were documented as 1,000 characters and refused over 300."""

from __future__ import annotations

import pytest

from weiguang.core.models import ApiToken
from weiguang.demands.services import common
from weiguang.lists import services as list_services
from weiguang.partners import services as partner_services
from weiguang.people import services as people_services
from weiguang.volunteers import services as volunteer_services
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import WishStatus

pytestmark = pytest.mark.django_db


def _body_property(schema, path, method, name):
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    body = next((b for b in body.get("anyOf", [body]) if "$ref" in b or "properties" in b), body)
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    prop = body["properties"][name]
    return next((p for p in prop.get("anyOf", [prop]) if p.get("type") == "string"), prop)


@pytest.mark.parametrize(
    ("path", "method", "field", "limit"),
    [
        ("/api/v1/wishes/{wish_id}/reject", "post", "reason", wish_services.REASON_MAX),
        ("/api/v1/wishes/{wish_id}/release", "post", "reason", wish_services.REASON_MAX),
        ("/api/v1/wishes/{wish_id}/confirm", "post", "thanks", wish_services.REASON_MAX),
        ("/api/v1/wishes/{wish_id}/fulfil", "post", "note", wish_services.TEXT_MAX),
        ("/api/v1/wishes", "post", "title", wish_services.TITLE_MAX),
        ("/api/v1/wishes", "post", "description", wish_services.TEXT_MAX),
        ("/api/v1/demands/{demand_id}/return", "post", "reason", common.REASON_MAX),
        ("/api/v1/demands/{demand_id}/escalate", "post", "reason", common.REASON_MAX),
        ("/api/v1/demands/{demand_id}/assign", "post", "note", common.REASON_MAX),
        ("/api/v1/demands/{demand_id}/evaluate", "post", "note", common.REASON_MAX),
        ("/api/v1/demands", "post", "place", common.PLACE_MAX),
        ("/api/v1/demands", "post", "contact_name", common.CONTACT_NAME_MAX),
        ("/api/v1/volunteers/{volunteer_id}/reject", "post", "reason", volunteer_services.REASON_MAX),
        ("/api/v1/volunteers/{volunteer_id}/honour_hours", "post", "reason", volunteer_services.TEXT_MAX),
        ("/api/v1/service_records/{record_id}/reject", "post", "reason", volunteer_services.REASON_MAX),
        ("/api/v1/service_records", "post", "content", volunteer_services.CONTENT_MAX),
        ("/api/v1/projects/{project_id}/cancel", "post", "reason", list_services.REASON_MAX),
        ("/api/v1/projects", "post", "plan", list_services.PLAN_MAX),
        ("/api/v1/resources", "post", "title", partner_services.TITLE_MAX),
        ("/api/v1/residents", "post", "name", people_services.NAME_MAX),
        ("/api/v1/residents", "post", "door", people_services.PLACE_MAX),
    ],
)
def test_the_documented_length_is_the_service_limit(client, path, method, field, limit):
    schema = client.get("/api/v1/openapi.json").json()
    assert _body_property(schema, path, method, field)["maxLength"] == limit


def _post(client, user, url, body):
    return client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}"
    )


def test_a_reason_of_the_documented_length_is_accepted_and_one_more_is_a_field_error(
    client, people, make_wish
):
    schema = client.get("/api/v1/openapi.json").json()
    limit = _body_property(schema, "/api/v1/wishes/{wish_id}/reject", "post", "reason")["maxLength"]
    too_long = make_wish("submitted")
    response = _post(
        client, people.staff, f"/api/v1/wishes/{too_long.pk}/reject", {"reason": "理" * (limit + 1)}
    )
    assert response.status_code == 422 and set(response.json()["errors"]) == {"reason"}
    assert str(limit) in response.json()["errors"]["reason"]
    wish = make_wish("submitted", title="想要一台收音机")
    response = _post(client, people.staff, f"/api/v1/wishes/{wish.pk}/reject", {"reason": "理" * limit})
    assert response.status_code == 200 and response.json()["status"] == WishStatus.REJECTED


def _all_models():
    import typing

    import pydantic

    from weiguang.api import api

    found = set()

    def walk(annotation):
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            if annotation in found:
                return
            found.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for arg in typing.get_args(annotation):
            walk(arg)

    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                for params in operation.models:
                    for field in params.model_fields.values():
                        walk(field.annotation)
                for response in (getattr(operation, "response_models", None) or {}).values():
                    for field in getattr(response, "model_fields", {}).values():
                        walk(field.annotation)
    return found


def test_no_two_different_schemas_share_a_name_in_the_openapi_document():
    """The document keeps one component per class name: two different classes of one name
    (ConfirmIn for a wish and for a bulk assignment) made one operation document the other's body."""
    import json

    shapes: dict[str, set[str]] = {}
    for model in _all_models():
        shapes.setdefault(model.__name__, set()).add(json.dumps(model.model_json_schema(), sort_keys=True))
    assert {name for name, variants in shapes.items() if len(variants) > 1} == set()


def test_a_rate_limited_submission_is_a_documented_429(client, people, tree, settings):
    """Rate limits stay on under fuzzing; where they answer 429, the document says so."""
    settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_PUBLIC_PER_HOUR": 1, "PUBLIC_SUBMISSIONS_PER_HOUR": 1}
    schema = client.get("/api/v1/openapi.json").json()
    demand = {"grid": tree.grid_a1.pk, "title": "楼道灯坏了", "description": "三楼"}
    statuses = [
        client.post("/api/v1/demands", demand, content_type="application/json").status_code for _ in "ab"
    ]
    assert statuses == [201, 429]
    assert "429" in schema["paths"]["/api/v1/demands"]["post"]["responses"]
    token = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(people.resident_user)}"}
    wishes = [
        client.post(
            "/api/v1/wishes", {"kind": "item", "title": title}, content_type="application/json", **token
        )
        for title in ("想要一个电饭煲", "想学用智能手机")
    ]
    assert [r.status_code for r in wishes] == [201, 429] and wishes[1].json()["code"] == "rate_limited"
    assert "429" in schema["paths"]["/api/v1/wishes"]["post"]["responses"]
