"""The API describes itself (OpenAPI + interactive docs), and no operation it describes
answers bad input with a server error or with anything but JSON."""

from __future__ import annotations

import re

import pytest

from weiguang.core.models import ApiToken

pytestmark = pytest.mark.django_db

WISH_PATHS = {
    "/api/v1/wishes": {"get", "post"},
    "/api/v1/wishes/{wish_id}": {"get"},
    "/api/v1/wishes/{wish_id}/history": {"get"},
    **{
        f"/api/v1/wishes/{{wish_id}}/{a}": {"post"}
        for a in ["publish", "reject", "claim", "release", "fulfil", "confirm", "withdraw"]
    },
    "/api/v1/auth/token": {"post", "delete"},
    # accounts: sign-up, login by code and password reset by SMS code
    **{f"/api/v1/auth/{a}": {"post"} for a in ["sms_code", "register", "token_by_code", "password_reset"]},
}


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_lists_every_wish_and_auth_operation(schema):
    assert schema["openapi"].startswith("3.")
    for path, methods in WISH_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


def test_openapi_documents_both_ways_to_authenticate(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    post_wish = schema["paths"]["/api/v1/wishes"]["post"]
    assert {"BearerAuth": []} in post_wish["security"]
    for path in ["token", "sms_code", "register", "token_by_code", "password_reset"]:
        assert "security" not in schema["paths"][f"/api/v1/auth/{path}"]["post"], path
    # anonymous visitors may read the wall: "no credentials" ({}) is one of the options there
    assert {} in schema["paths"]["/api/v1/wishes"]["get"]["security"]
    assert {} in schema["paths"]["/api/v1/wishes/{wish_id}"]["get"]["security"]
    assert {} not in post_wish["security"]


def test_openapi_documents_the_error_shape_and_the_idempotency_header(schema):
    post_wish = schema["paths"]["/api/v1/wishes"]["post"]
    assert {"201", "200", "401", "403", "409", "422"} <= set(post_wish["responses"])
    error = schema["components"]["schemas"]["ErrorOut"]
    assert {"message", "code"} <= set(error["required"])
    assert "Idempotency-Key" in {p["name"] for p in post_wish["parameters"]}
    fulfil_body = schema["paths"]["/api/v1/wishes/{wish_id}/fulfil"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(fulfil_body)


def test_adding_a_resident_on_the_spot_is_documented(schema):
    add = schema["paths"]["/api/v1/residents"]["post"]
    assert {"201", "200", "401", "403", "409", "422"} <= set(add["responses"])
    assert "Idempotency-Key" in {p["name"] for p in add["parameters"]}
    body = schema["components"]["schemas"]["ResidentIn"]
    assert {"grid_id", "name", "phone", "consent"} <= set(body["required"])
    assert (
        "duplicate_resident"
        in schema["components"]["schemas"]["ErrorOut"]["properties"]["duplicate_of"]["description"]
    )


def test_list_parameters_are_documented(schema):
    params = {p["name"] for p in schema["paths"]["/api/v1/wishes"]["get"]["parameters"]}
    assert {
        "scope",
        "street",
        "community",
        "kind",
        "category",
        "group",
        "status",
        "limit",
        "offset",
    } <= params


def test_interactive_docs_page(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" in page.lower()
    assert "/api/v1/openapi.json" in page


GARBAGE_BODIES = [
    ("application/json", b"{"),
    ("application/json", b"[]"),
    ("application/json", b"null"),
    ("application/json", b'"text"'),
    (
        "application/json",
        b'{"kind": {"a": 1}, "title": 3, "note": [], "reason": 1, "rating": "x", "promised_date": 5}',
    ),
    ("application/json", '{"title": "\u0000\ud800"}'.encode("utf-8", "surrogatepass")),
    # well-formed, but every text carries a null character (PostgreSQL cannot store one)
    (
        "application/json",
        b'{"kind": "item", "title": "a\\u0000b", "description": "\\u0000", "note": "\\u0000",'
        b' "reason": "\\u0000", "thanks": "\\u0000", "username": "u\\u0000", "password": "\\u0000"}',
    ),
    ("application/json", b'{"kind": "item", "title": "ok title", "value": "1e400", "category": 1e400}'),
    ("application/json", b'{"promised_date": "9999-99-99", "partner_id": 99999999999999999999999}'),
    ("text/plain", b"hello"),
    ("application/x-www-form-urlencoded", b"kind=item&title=x"),
]


def test_no_operation_answers_bad_input_with_a_server_error(client, schema, people, make_wish):
    """Every documented operation, with garbage bodies and odd ids (in every path parameter:
    wish, demand, volunteer, team ... ids and tracking codes), as a street admin (who may do
    most things): always a JSON answer below 500."""
    wish = make_wish("claimed")
    tried = 0
    for path, operations in schema["paths"].items():
        for method in operations:
            for wish_id in [wish.pk, 0, 2**62, 2**70]:
                url = re.sub(r"\{\w+\}", str(wish_id), path)
                bodies = GARBAGE_BODIES if method in ("post", "put", "patch") else [(None, b"")]
                for content_type, body in bodies:
                    kwargs = {"content_type": content_type} if content_type else {}
                    # a fresh token each time: DELETE /auth/token revokes the one it is sent with
                    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(people.street_admin)}"}
                    response = client.generic(method.upper(), url, body, **kwargs, **headers)
                    tried += 1
                    assert response.status_code < 500, (method, url, body, response.content[:300])
                    if response.status_code != 204:
                        assert response["Content-Type"].startswith("application/json"), (method, url)
                        if response.status_code >= 400:
                            assert {"message", "code"} <= set(response.json()), (
                                method,
                                url,
                                response.content,
                            )
    assert tried > 100


@pytest.mark.parametrize(
    "query",
    [
        "limit=abc",
        "offset=-5",
        "limit=99999999999999999999",
        "street=1e400",
        "category=%00",
        "group=" + "x" * 500,
        "group=elderly%00",
        "scope=",
    ],
)
def test_odd_query_strings_are_422_not_500(client, db, query):
    response = client.get(f"/api/v1/wishes?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    "query", ["street=99999999999999999999", "category=-1", "community=0", "group=nobody"]
)
def test_filters_that_match_nothing_give_an_empty_page(client, db, query):
    response = client.get(f"/api/v1/wishes?{query}")
    assert response.status_code in (200, 422), response.content
    if response.status_code == 200:
        assert response.json()["count"] == 0


@pytest.mark.parametrize(
    "method, url, allowed",
    [("delete", "/api/v1/wishes", {"GET", "POST"}), ("put", "/api/v1/auth/token", {"POST", "DELETE"})],
)
def test_a_wrong_method_is_a_json_405(client, db, method, url, allowed):
    response = client.generic(method.upper(), url)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert {m.strip() for m in response["Allow"].split(",")} == allowed


def test_unknown_api_paths_are_json_404(client, db):
    for url in ["/api/v1/nothing", "/api/v1/wishes/1/explode", "/api/v1/wishes/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
