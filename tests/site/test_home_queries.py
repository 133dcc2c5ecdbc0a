"""The queries of a plain page: the role flags are read once per request, in two queries (the
memberships and one row of annotations), and no count grows with the rows it counts."""

from __future__ import annotations

import pytest

from weiguang.core.notifications import notify

pytestmark = pytest.mark.django_db

# session, user, memberships, the flags' row, and the walls (streets, their communities) ...
RESIDENT_HOME = 10  # ... + my wishes, my demands, unread, her next events
STAFF_HOME = 15  # ... + to review, overdue demands, volunteers to approve, hours to verify,
# personal-data requests waiting, addresses to confirm, room requests to decide, unread, and whether
# the staff member has set up two-factor sign-in (accounts.security.gate)
RESIDENT_INBOX = (
    7  # session, user, memberships, the flags' row, unread, a page of notifications and their count
)


def more_rows(people, make_wish, n: int) -> None:
    for i in range(n):
        make_wish("submitted", title=f"想要一个电饭煲{i}")
        make_wish("fulfilled", title=f"想要一台收音机{i}")
        notify([people.resident_user, people.staff], f"消息{i}")


@pytest.mark.parametrize(
    ("who", "path", "expected"),
    [
        ("resident_user", "/", RESIDENT_HOME),
        ("staff", "/", STAFF_HOME),
        ("resident_user", "/inbox/", RESIDENT_INBOX),
    ],
)
def test_a_plain_page_counts_its_queries_and_they_do_not_grow(
    client, people, make_wish, django_assert_num_queries, who, path, expected
):
    client.force_login(getattr(people, who))
    more_rows(people, make_wish, 1)
    with django_assert_num_queries(expected):
        assert client.get(path).status_code == 200
    more_rows(people, make_wish, 4)
    with django_assert_num_queries(expected):
        assert client.get(path).status_code == 200


def test_the_role_flags_are_read_once_per_request(client, people, django_assert_num_queries):
    """Two of the flags' queries on a page where the header and the home page both read them."""
    from weiguang.core.navigation import role_flags

    user = people.staff
    with django_assert_num_queries(2):  # the memberships, then the annotated row
        flags = role_flags(user)
        assert flags.staff and flags.grid and not flags.is_resident and not flags.department
        assert flags.volunteer_status == "" and not flags.team_leader and flags.street_id
    with django_assert_num_queries(0):
        assert role_flags(user) is flags and flags.region_list
