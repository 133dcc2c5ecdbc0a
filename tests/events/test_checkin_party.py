"""A sign-up brings a party: the desk says how many of it came (all of them unless told, at most
the party's size), and the figures count people, not tickets."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from weiguang.core.errors import InvalidInput
from weiguang.events import checkins, services
from weiguang.events.fairs.summary import fair_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(make_event, residents, people):
    """A party of 3 and one of 2 signed up; the clock 10 minutes after the start."""
    event = make_event(capacity=None, max_party_size=3)
    three = services.sign_up(event, residents[0].user, party_size=3)
    two = services.sign_up(event, residents[1].user, party_size=2)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=10), tick=False):
        yield event, three, two


def test_a_party_checked_in_counts_as_its_size(parties, people):
    event, three, two = parties
    visit = checkins.check_in_ticket(event, people.staff, code=three.code)
    assert visit.party == 3
    checkins.check_in_ticket(event, people.staff, code=two.code, party=1)  # one of the two came
    f = checkins.figures(event)
    assert (f["people"], f["visits"], f["here"]) == (4, 4, 4)


def test_more_than_the_party_or_none_is_refused(parties, people):
    event, three, _two = parties
    for wrong in (4, 0):
        with pytest.raises(InvalidInput) as err:
            checkins.check_in_ticket(event, people.staff, code=three.code, party=wrong)
        assert "party" in err.value.fields
    assert not event.checkins.exists()


def test_in_twice_counts_the_party_once_among_people(parties, people):
    event, three, _two = parties
    first = checkins.check_in_ticket(event, people.staff, code=three.code, party=2)
    checkins.check_out(first, people.staff)
    checkins.check_in_ticket(event, people.staff, code=three.code)  # the third came later
    f = checkins.figures(event)
    assert (f["people"], f["visits"]) == (3, 5)


def test_the_desk_corrects_how_many_came(parties, people, client):
    event, three, _two = parties
    visit = checkins.check_in_ticket(event, people.staff, code=three.code)
    client.force_login(people.staff)
    page = client.get(f"/events/{event.pk}/desk/").content.decode()
    assert 'data-testid="party-form"' in page
    response = client.post(f"/events/{event.pk}/desk/{visit.pk}/party/", {"party": 2})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.party == 2 and checkins.figures(event)["visits"] == 2
    client.post(f"/events/{event.pk}/desk/{visit.pk}/party/", {"party": 9})
    visit.refresh_from_db()
    assert visit.party == 2


def test_the_api_takes_the_party(parties, people, client):
    event, three, two = parties
    client.force_login(people.staff)
    url = f"/api/v1/events/{event.pk}/checkins"
    made = client.post(url, {"code": three.code, "party": 2}, content_type="application/json")
    assert made.status_code == 201 and made.json()["party"] == 2
    too_many = client.post(url, {"code": two.code, "party": 3}, content_type="application/json")
    assert too_many.status_code == 422
    fixed = client.post(f"{url}/{made.json()['id']}/party", {"party": 3}, content_type="application/json")
    assert fixed.status_code == 200 and fixed.json()["party"] == 3
    assert client.get(f"{url}/figures").json()["visits"] == 3


def test_the_fair_summary_counts_the_party(people, residents):
    from tests.events.fairs.conftest import make_fair

    fair = make_fair(people, hours_from_now=2)
    fair = services.update_event(fair, people.staff, {"max_party_size": 3})
    signup = services.sign_up(fair, residents[0].user, party_size=3)
    with time_machine.travel(fair.starts_at + dt.timedelta(minutes=10), tick=False):
        checkins.check_in_ticket(fair, people.staff, code=signup.code)
        checkins.walk_in(fair, people.staff, name="来访的李先生")
    summary = fair_summary(fair)
    assert (summary.came, summary.door_visits) == (4, 4)
