"""Deadline reminders."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.notifications import notify
from weiguang.regions import access

from ..models import (
    YELLOW_WINDOW,
    DeadlineReminder,
    Demand,
    DemandStatus,
    Transfer,
    TransferStatus,
)
from .common import demand_url

# --- reminders ----------------------------------------------------------------------------


def _remind(demand: Demand, target: str, kind: str, due: dt.datetime, recipients, title: str) -> bool:
    """Send one reminder unless it was sent before (the unique row decides, also when two
    jobs run at once)."""
    try:
        with transaction.atomic():
            DeadlineReminder.objects.create(demand=demand, target=target, kind=kind, due=due)
            notify(recipients, title, url=demand_url(demand))
    except IntegrityError:
        return False
    return True


def send_deadline_reminders(now: dt.datetime | None = None) -> int:
    """Periodic job: remind whoever must act when a deadline is near (yellow) and when it has
    passed (red): community staff for first contact, the assignee or departments for handling."""
    now = now or timezone.now()
    soon = now + YELLOW_WINDOW
    recent = now - dt.timedelta(days=2)  # a deadline missed long ago was reminded then
    sent = 0

    def kind_of(due: dt.datetime) -> str:
        return "due" if due <= now else "soon"

    pending_contact = Demand.objects.filter(
        status=DemandStatus.RECEIVED, first_response_at__isnull=True, response_due__lte=soon,
        response_due__gte=recent,
    ).select_related("grid")  # fmt: skip
    for d in pending_contact:
        kind = kind_of(d.response_due)
        title = (_("Overdue: contact the resident about “%(t)s”") if kind == "due"
                 else _("Due soon: contact the resident about “%(t)s”")) % {"t": d.title}  # fmt: skip
        sent += _remind(d, "response", kind, d.response_due, access.holders(access.STAFF, d.grid.path), title)

    handling = Demand.objects.filter(
        status__in=[DemandStatus.ASSIGNED, DemandStatus.REOPENED],
        handle_due__lte=soon,
        handle_due__gte=recent,
    ).select_related("assignee", "grid")
    for d in handling:
        kind = kind_of(d.handle_due)
        title = (_("Overdue: “%(t)s” should have been handled") if kind == "due"
                 else _("Due soon: handle “%(t)s”")) % {"t": d.title}  # fmt: skip
        recipients = [d.assignee] if d.assignee_id else list(access.holders(access.STAFF, d.grid.path))
        sent += _remind(d, "handle", kind, d.handle_due, recipients, title)

    transfers = Transfer.objects.filter(
        status=TransferStatus.ACTIVE, deadline__lte=soon, deadline__gte=recent
    ).select_related("demand", "department")
    for t in transfers:
        kind = kind_of(t.deadline)
        title = (_("Overdue: %(dep)s should have handled “%(t)s”") if kind == "due"
                 else _("Due soon: %(dep)s, please handle “%(t)s”")) % {"dep": t.department.name, "t": t.demand.title}  # fmt: skip
        sent += _remind(t.demand, f"transfer:{t.pk}", kind, t.deadline, t.department.handlers.all(), title)
    return sent
