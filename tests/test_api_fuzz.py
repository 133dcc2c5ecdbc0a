"""schemathesis fuzzes the whole OpenAPI document, with the demo street loaded, as an anonymous
visitor, a resident and a member of staff: no server error, and every answer is one the
document describes (a documented status code, its content type, a body of its schema).

Bounded and reproducible: 20 derandomized examples per operation, 14 valid and 6 invalid on
purpose (under a minute per role on this machine). The login lockout and the rate limits stay
on: where they may answer 429, the document says so."""

from __future__ import annotations

import contextlib
import time

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# valid requests, and requests made invalid on purpose (wrong types, missing fields ...)
EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 14, GenerationMode.NEGATIVE: 6}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The requests go through Django's WSGI handler, whose request signals would close the
    test's database connection (Django's test client disconnects them the same way)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _demo_ids() -> dict[str, list]:
    """Ids of the demo's objects, by the name of the path parameter that takes them: the
    fuzzer reaches real records, not only 404s."""
    from django.contrib.auth import get_user_model

    from weiguang.demands.models import (
        Deliberation,
        Demand,
        DemandCategory,
        Department,
        Holiday,
        IntakeSession,
    )
    from weiguang.events.models import Event, SignUp
    from weiguang.lists.models import Project, Survey
    from weiguang.matching.models import Invitation
    from weiguang.partners.models import PartnerUnit, Resource
    from weiguang.places.models import Pickup, Station
    from weiguang.volunteers.models import ServiceRecord, Team, TeamMembership, Volunteer
    from weiguang.wishes.models import Wish

    models = {
        "wish_id": Wish, "demand_id": Demand, "volunteer_id": Volunteer, "team_id": Team,
        "membership_id": TeamMembership, "record_id": ServiceRecord, "invitation_id": Invitation,
        "unit_id": PartnerUnit, "resource_id": Resource, "project_id": Project, "survey_id": Survey,
        "user_id": get_user_model(), "session_id": IntakeSession, "meeting_id": Deliberation,
        "holiday_id": Holiday, "category_id": DemandCategory, "department_id": Department,
        "station_id": Station, "pickup_id": Pickup, "event_id": Event, "signup_id": SignUp,
    }  # fmt: skip
    ids = {
        name: list(model.objects.order_by("pk").values_list("pk", flat=True)[:50])
        for name, model in models.items()
    }
    ids["code"] = list(Demand.objects.exclude(tracking_code="").values_list("tracking_code", flat=True)[:20])
    return {name: values for name, values in ids.items() if values}


def fuzz(headers) -> tuple[list[str], int, float]:
    """Every operation, EXAMPLES_PER_OPERATION derandomized examples of each kind; returns the
    failures (one line each), the number of requests and the seconds taken."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    known = _demo_ids()

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # most of the time a real object of the demo, sometimes what the fuzzer made up
        if not path_parameters:
            return st.just(path_parameters)
        return st.fixed_dictionaries(
            {
                name: st.one_of(st.sampled_from(known[name]), st.just(value))
                if name in known
                else st.just(value)
                for name, value in path_parameters.items()
            }
        )

    failures: list[str] = []
    statuses: dict[int, int] = {}
    sent = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES_PER_OPERATION.items():

            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                nonlocal sent
                response = case.call(headers=headers())
                sent += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        line = f"{case.operation.label} -> {response.status_code}: {failure.title}: {failure.message}"
                        failures.append(line[:600])

            # (Unsatisfiable: nothing of this operation can be made invalid, e.g. no parameters)
            with contextlib.suppress(Unsatisfiable):
                run()
    print("statuses:", dict(sorted(statuses.items())))
    return sorted(set(failures)), sent, time.monotonic() - started


def _credentials(role: str):
    """The request headers of `role`: a fresh API token for each request (DELETE /auth/token
    revokes the token it is sent with)."""
    from django.contrib.auth import get_user_model

    from weiguang.core.models import ApiToken

    if role == "anonymous":
        return dict
    user = get_user_model().objects.get(username=role)
    return lambda: {"Authorization": f"Bearer {ApiToken.issue(user)}"}


@pytest.mark.parametrize("role", ["anonymous", "resident", "staff"])
def test_the_api_keeps_its_word_under_fuzzing(demo, role):
    failures, sent, seconds = fuzz(_credentials(role))
    print(f"fuzz as {role}: {sent} requests in {seconds:.0f} s, {len(failures)} failures")
    assert sent > 300
    assert failures == [], "\n".join(failures)
