"""Any sequence of actions, by anyone, on a few wishes keeps the wish life whole.

Hypothesis drives random actions (publish, reject, claim personally or for a unit, release,
fulfil, confirm, withdraw, the expiry job) by random people with random (sometimes bad)
input, and after every step checks the invariants:

- at most one live claim per wish;
- status "claimed" exactly when there is one active claim;
- "fulfilled"/"confirmed" exactly when there is one done claim;
- every status change has exactly one audit entry, whose from/to chain matches the wish;
- the public walls list exactly the public wishes (never submitted, rejected or withdrawn).

Each example runs inside a transaction of its own that is rolled back in `teardown`, so
examples never see each other's rows; the place tree and the people are built once.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.factories import ResidentFactory, UserFactory, grant
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.regions import access
from weiguang.regions.models import Role
from weiguang.wishes import services, wall
from weiguang.wishes.models import (
    PUBLIC_STATUSES,
    WISH_TRANSITIONS,
    Claim,
    ClaimStatus,
    Wish,
    WishKind,
    WishStatus,
)

ACTORS = [
    "resident_user",
    "vol_resident",  # a volunteer who is also the owner of the third wish
    "staff",
    "street_admin",
    "staff_b",
    "grid_worker",
    "volunteer",
    "volunteer2",
    "partner_rep",
    "outsider_volunteer",
    "stranger",
    "anonymous",
    "the_claimer",  # whoever holds the wish's live claim (a stranger if nobody does)
    "the_owner",  # the wish's resident (a stranger if they have no account)
]
TITLES = ["想要一个书包", "想请人修理电视"]
PICK = st.integers(min_value=0, max_value=4)
ANY_WISH = st.sampled_from([False, False, True])  # usually a wish the action fits
PROMISE_IN = st.sampled_from([7, 0, 30, 60, -1, 61])  # days from today; -1 and 61 are refused
# the actions that end a wish's life early (reject, withdraw) are tried on any wish half of
# the time, mostly with an empty reason or by anyone at all, so that they do not end every
# run before it reaches claims, fulfilment and confirmation
ENDING = st.booleans()


def who(*likely: str):
    """Anyone at all, or (two times out of three) someone whose job the action is, so that
    random runs get past the wall and reach claims, fulfilment and confirmation."""
    return st.one_of(st.sampled_from(likely), st.sampled_from(likely), st.sampled_from(ACTORS))


REVIEWERS = who("staff", "street_admin")
CLAIMERS = who("volunteer", "volunteer2", "partner_rep", "vol_resident")
HOLDER = who("the_claimer")
OWNERS = who("the_owner", "staff")


class WishLife(RuleBasedStateMachine):
    def __init__(self, people, vol_resident):
        super().__init__()
        self.people = people
        self.users = {name: getattr(people, name, None) for name in ACTORS}
        self.users["vol_resident"] = vol_resident
        self.users["anonymous"] = AnonymousUser()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.ids: list[int] = []
        self.changes: dict[int, int] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize()
    def post_wishes(self):
        p = self.people
        posted = [
            services.submit_wish(p.resident_user, kind=WishKind.ITEM, title="想要一个电饭煲")[0],
            services.submit_wish(
                p.grid_worker, kind=WishKind.SERVICE, title="想请人上门理发", resident=p.resident
            )[0],
            services.submit_wish(self.users["vol_resident"], kind=WishKind.SERVICE, title="想请人陪我去医院")[
                0
            ],
        ]
        self.ids = [w.pk for w in posted]
        self.changes = dict.fromkeys(self.ids, 0)

    @rule(kind=st.sampled_from(WishKind.values))
    def post_another(self, kind):
        """A few more wishes, so a run does not end with every wish rejected or withdrawn."""
        if len(self.ids) >= 3 + len(TITLES):
            return
        wish, _ = services.submit_wish(self.people.resident_user, kind=kind, title=TITLES[len(self.ids) - 3])
        self.ids.append(wish.pk)
        self.changes[wish.pk] = 0

    # --- doing things -------------------------------------------------------------------

    def pick(self, action: str, pick: int, any_wish: bool) -> Wish:
        sources = WISH_TRANSITIONS[action].sources
        fitting = list(Wish.objects.filter(pk__in=self.ids, status__in=sources).values_list("pk", flat=True))
        pool = self.ids if any_wish or not fitting else sorted(fitting)
        return Wish.objects.get(pk=pool[pick % len(pool)])

    def actor(self, name: str, wish: Wish):
        if name == "the_claimer":
            claim = wish.current_claim
            return claim.claimer if claim else self.people.stranger
        if name == "the_owner":
            return wish.resident.user or self.people.stranger
        return self.users[name]

    def attempt(self, action: str, pick: int, any_wish: bool, who: str, call, bad_input: bool = False):
        """Run `call(wish, user)` and check the outcome against the transition table."""
        wish = self.pick(action, pick, any_wish)
        user = self.actor(who, wish)
        transition = WISH_TRANSITIONS[action]
        allowed = access.can(user, transition.permission, wish)
        before = wish.status
        audit_before = history_of(wish).count()
        try:
            call(wish, user)
        except InvalidInput:
            assert bad_input, f"{action} by {who} refused good input"
            self.assert_unchanged(wish, before, audit_before)
            return
        except NotAllowed:
            assert not bad_input
            self.assert_unchanged(wish, before, audit_before)
            return
        except Conflict as e:
            assert not bad_input
            assert allowed, f"{who} learnt the state of a wish they may not touch"
            assert e.code == "state_conflict"
            assert before not in transition.sources
            self.assert_unchanged(wish, before, audit_before)
            return
        assert not bad_input, f"{action} by {who} accepted bad input"
        assert allowed, f"{action} by {who} succeeded without permission"
        assert before in transition.sources
        assert Wish.objects.get(pk=wish.pk).status == transition.target
        self.changes[wish.pk] += 1

    def assert_unchanged(self, wish, status, audit_count):
        assert Wish.objects.get(pk=wish.pk).status == status
        assert history_of(wish).count() == audit_count

    @rule(i=PICK, anywhere=ANY_WISH, who=REVIEWERS)
    def publish(self, i, anywhere, who):
        self.attempt("publish", i, anywhere, who, lambda w, u: services.publish_wish(w, u))

    @rule(i=PICK, anywhere=ENDING, who=REVIEWERS, reason=st.sampled_from(["", "价值过高", "  ", ""]))
    def reject(self, i, anywhere, who, reason):
        self.attempt(
            "reject",
            i,
            anywhere,
            who,
            lambda w, u: services.reject_wish(w, u, reason=reason),
            not reason.strip(),
        )

    def _claim(self, i, anywhere, who, days, partner):
        promised = timezone.localdate() + dt.timedelta(days=days)
        bad = not 0 <= days <= 60
        self.attempt(
            "claim",
            i,
            anywhere,
            who,
            lambda w, u: services.claim_wish(w, u, promised_date=promised, partner=partner),
            bad,
        )

    @rule(i=PICK, anywhere=ANY_WISH, who=CLAIMERS, days=PROMISE_IN)
    def claim(self, i, anywhere, who, days):
        self._claim(i, anywhere, who, days, None)

    @rule(i=PICK, anywhere=ANY_WISH, who=who("partner_rep"), days=PROMISE_IN)
    def claim_for_unit(self, i, anywhere, who, days):
        self._claim(i, anywhere, who, days, self.people.partner)

    @rule(i=PICK, anywhere=ANY_WISH, who=HOLDER)
    def release(self, i, anywhere, who):
        self.attempt("release", i, anywhere, who, lambda w, u: services.release_claim(w, u))

    @rule(i=PICK, anywhere=ANY_WISH, who=HOLDER, note=st.sampled_from(["已送到家", "", "修好了"]))
    def fulfil(self, i, anywhere, who, note):
        self.attempt("fulfil", i, anywhere, who, lambda w, u: services.fulfil_wish(w, u, note=note), not note)

    @rule(i=PICK, anywhere=ANY_WISH, who=OWNERS, rating=st.sampled_from([5, None, 3, 0, 6]))
    def confirm(self, i, anywhere, who, rating):
        bad = rating is not None and not 1 <= rating <= 5
        self.attempt(
            "confirm",
            i,
            anywhere,
            who,
            lambda w, u: services.confirm_wish(w, u, rating=rating, thanks="谢谢"),
            bad,
        )

    @rule(i=PICK, anywhere=ENDING, who=st.sampled_from(ACTORS))
    def withdraw(self, i, anywhere, who):
        self.attempt("withdraw", i, anywhere, who, lambda w, u: services.withdraw_wish(w, u))

    @rule(days_ahead=st.integers(min_value=0, max_value=70))
    def expiry_job(self, days_ahead):
        today = timezone.localdate() + dt.timedelta(days=days_ahead)
        due = set(
            Claim.objects.filter(
                wish_id__in=self.ids, status=ClaimStatus.ACTIVE, promised_date__lt=today
            ).values_list("wish_id", flat=True)
        )
        assert services.expire_overdue_claims(today) == len(due)
        for wish_id in due:
            assert Wish.objects.get(pk=wish_id).status == WishStatus.PUBLISHED
            self.changes[wish_id] += 1

    # --- what must always hold ------------------------------------------------------------

    @invariant()
    def claims_match_status(self):
        wishes = Wish.objects.filter(pk__in=self.ids).annotate(
            active=Count("claims", filter=Q(claims__status=ClaimStatus.ACTIVE)),
            done=Count("claims", filter=Q(claims__status=ClaimStatus.DONE)),
        )
        for w in wishes:
            assert w.active + w.done <= 1, f"{w.active + w.done} live claims on {w.status} wish"
            assert (w.status == WishStatus.CLAIMED) == (w.active == 1), (w.status, w.active)
            assert (w.status in {WishStatus.FULFILLED, WishStatus.CONFIRMED}) == (w.done == 1), (
                w.status,
                w.done,
            )

    @invariant()
    def every_change_is_audited_once(self):
        for wish in Wish.objects.filter(pk__in=self.ids):
            entries = list(history_of(wish).exclude(action__in=["submit", "view_record"]))
            assert len(entries) == self.changes[wish.pk]
            state = WishStatus.SUBMITTED
            for entry in entries:
                assert entry.from_state == state, (entry.action, entry.from_state, state)
                assert WISH_TRANSITIONS[entry.action].target == entry.to_state
                state = entry.to_state
            assert state == wish.status

    @invariant()
    def walls_show_exactly_the_public_wishes(self):
        tree = self.people.tree
        public = set(
            Wish.objects.filter(pk__in=self.ids, status__in=PUBLIC_STATUSES).values_list("pk", flat=True)
        )
        for region in (tree.street, tree.community_a):
            listed = set(wall.wall_queryset(region).filter(pk__in=self.ids).values_list("pk", flat=True))
            assert listed == public
            hidden = Wish.objects.filter(pk__in=listed, status__in=["submitted", "rejected", "withdrawn"])
            assert not hidden.exists()


def test_any_sequence_of_actions_keeps_the_invariants(people, tree):
    vol_resident = UserFactory(username="vol_resident", first_name="刘桂芳")
    grant(vol_resident, Role.VOLUNTEER, tree.community_a)
    ResidentFactory(name="刘桂芳", grid=tree.grid_a1, user=vol_resident)
    run_state_machine_as_test(
        lambda: WishLife(people, vol_resident),
        settings=settings(max_examples=25, stateful_step_count=50, deadline=None),
    )
