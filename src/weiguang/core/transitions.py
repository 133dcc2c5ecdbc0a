"""The one way to change the state of a stateful record.

A model declares its states and allowed transitions in one `StateMachine`; `perform()` runs
a transition inside a transaction with a row lock, checks the actor's permission through
the installed access rules (core/permissions.py: regions.access), applies the transition's side effects, writes an audit entry and registers
the machine's after-commit hooks (cache invalidation, notifications).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from . import permissions as access
from .audit import log_action
from .errors import Conflict, NotAllowed

SYSTEM = None  # the actor of periodic jobs


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the state stays as it is (a step recorded inside one state)
    permission: str | None  # an access action; None means only the system may do it
    label: str = ""


@dataclass
class StateMachine:
    field: str
    transitions: dict[str, Transition]
    on_commit: list[Callable] = field(default_factory=list)  # hook(obj, action), after commit
    # hook(obj, action, by), inside the transaction: another app's records that must change
    # together with this one (e.g. a fulfilled wish writes the volunteer's service record)
    in_transaction: list[Callable] = field(default_factory=list)

    @classmethod
    def build(cls, field: str, rows: Iterable[tuple[str, Iterable[str], str | None, str | None, str]]):
        return cls(
            field,
            {
                name: Transition(name, frozenset(src), dst, perm, label)
                for name, src, dst, perm, label in rows
            },
        )

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def available(self, obj, user) -> list[Transition]:
        """Transitions `user` may start from `obj`'s current state (for buttons)."""
        state = getattr(obj, self.field)
        return [
            t
            for t in self.transitions.values()
            if state in t.sources and t.permission and access.can(user, t.permission, obj)
        ]


def perform(
    obj,
    action: str,
    by,
    *,
    note: str = "",
    apply: Callable | None = None,
    check: Callable | None = None,
    audit: dict | None = None,
    conflict: Conflict | None = None,
):
    """Run transition `action` on `obj` as `by` (None = the system). Returns the fresh object.

    `conflict`: the error when the current state allows no such transition, for a record that
    says it in its own words ("already withdrawn"); by default a state_conflict.

    `check(locked)` may raise to refuse with a business reason; `apply(locked)` sets the
    other fields and writes related rows. Both run inside the transaction, after the lock.
    """
    model = type(obj)
    machine: StateMachine = model.state_machine
    t = machine[action]
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        current = getattr(locked, machine.field)
        if t.permission is None:
            if by is not SYSTEM:
                raise NotAllowed(_("Only the system may do this."))
        elif not access.can(by, t.permission, locked):
            raise NotAllowed(_("You are not allowed to do this."))
        if current not in t.sources:
            if conflict is not None:
                raise conflict
            raise Conflict(
                _("This cannot be done now: the current state is “%(state)s”.")
                % {
                    "state": locked.get_status_display() if hasattr(locked, "get_status_display") else current
                },
                code="state_conflict",
            )
        if check:
            check(locked)
        if apply:
            apply(locked)
        target = current if t.target is None else t.target
        setattr(locked, machine.field, target)
        locked.save()
        log_action(locked, action, by, from_state=current, to_state=target, note=note, **(audit or {}))
        for hook in machine.in_transaction:
            hook(locked, action, by)
        for hook in machine.on_commit:
            transaction.on_commit(lambda hook=hook: hook(locked, action))
    return locked
