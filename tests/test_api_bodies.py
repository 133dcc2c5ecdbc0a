"""A request body is a JSON object of the documented shape, or a 422 (issue 9, item 11).

ninja's Schema reads the attributes of any value, so `[]` once passed as a body whose fields
all took their defaults: `POST /wishes/{id}/release` with `[]` released a real claim and
`PATCH /projects/{id}` with `[null, null]` answered 200. Every request schema now derives
from core.api.InSchema, which takes JSON objects only."""

from __future__ import annotations

import re
import typing

import pydantic
import pytest

from weiguang.api import api
from weiguang.core.api import InSchema
from weiguang.core.models import ApiToken
from weiguang.wishes.models import WishStatus

from .factories import community_project

pytestmark = pytest.mark.django_db

NOT_OBJECTS = [b"[]", b"[null, null]", b'"text"', b"1", b"true"]  # (null: an optional body left out)


def _models(annotation):
    """Every pydantic model inside a type annotation (lists, unions, Annotated ...)."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def test_every_request_schema_takes_json_objects_only():
    loose = set()
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                for params in operation.models:
                    if params.__ninja_param_source__ not in {"body", "query", "form"}:
                        continue
                    for field in params.model_fields.values():
                        for model in _models(field.annotation):
                            if not issubclass(model, InSchema):
                                loose.add(f"{model.__module__}.{model.__qualname__}")
    assert loose == set()


def _json_body_operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method, path


def test_a_body_that_is_not_an_object_is_a_422_everywhere(client, people):
    token = ApiToken.issue(people.street_admin)
    tried = 0
    for method, path in _json_body_operations(client):
        url = re.sub(r"\{\w+\}", "1", path)
        for body in NOT_OBJECTS:
            response = client.generic(
                method.upper(),
                url,
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            if path == "/api/v1/auth/token" and method == "delete":
                continue
            assert response.status_code == 422, (method, url, body, response.content[:200])
            assert response.json()["code"] == "invalid", (method, url, body)
            tried += 1
    assert tried > 200


def test_a_nested_object_given_as_text_is_a_field_error(client, people):
    token = ApiToken.issue(people.street_admin)
    response = client.post(
        "/api/v1/assignments/confirm", {"pairs": ["x", 1]}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 422
    assert {"pairs.0", "pairs.1"} <= set(response.json()["errors"])


def test_releasing_with_a_list_for_a_body_keeps_the_claim(client, people, make_wish):
    wish = make_wish("claimed")
    token = ApiToken.issue(people.volunteer)
    response = client.post(
        f"/api/v1/wishes/{wish.pk}/release", b"[]", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 422 and response.json()["errors"] == {"body": "此项的类型不正确。"}
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED
    # with an object it is released as before
    response = client.post(
        f"/api/v1/wishes/{wish.pk}/release", {"reason": "临时有事"}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == WishStatus.PUBLISHED


def test_adding_a_resident_with_a_list_for_a_body_adds_no_one(client, people):
    from weiguang.people.models import Resident

    before = Resident.objects.count()
    token = ApiToken.issue(people.grid_worker)
    for body in NOT_OBJECTS:
        response = client.post(
            "/api/v1/residents", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 422 and response.json()["code"] == "invalid"
    assert Resident.objects.count() == before


def test_patching_a_project_with_a_list_changes_nothing(client, people, tree, make_wish):
    project = community_project(people, title="楼道清洁", plan="每周一次", wishes=[make_wish("published")])
    token = ApiToken.issue(people.staff)
    response = client.patch(
        f"/api/v1/projects/{project.pk}", b"[null, null]", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    project.refresh_from_db()
    assert (project.title, project.plan) == ("楼道清洁", "每周一次")
