"""The offline kind "checkin" (core/offline.py): a ticket scanned or a code typed on the event
desk's scanner page, sent at once or, without network, kept on the phone and sent later.

Each entry makes one `CheckInScan` (exactly once per entry key, however often it is sent):
the check-in, or, when the person is in already (checked in by another device, at a desk, or
by this phone before), a scan flagged "duplicate" naming that first check-in. Two phones that
scanned the same ticket offline therefore give one check-in and one duplicate, in whichever
order they upload."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field

from weiguang.core.api import Id, InSchema, Text
from weiguang.core.errors import InvalidInput
from weiguang.core.offline import DUPLICATE, FieldKind, Outcome, parse, register_kind

from . import checkins
from .models import CheckInScan, Event


class CheckInFieldIn(InSchema):
    event_id: Id
    code: Text | None = Field(None, max_length=20)
    token: Text | None = Field(None, max_length=400)
    scanned_at: dt.datetime | None = None
    party: int | None = Field(None, ge=1, le=100)


def handle(entry) -> Outcome:
    data = parse(CheckInFieldIn, entry.payload)
    if not data.code and not data.token:
        raise InvalidInput(_("Type the 6-digit code or scan the QR code."), fields={"code": "required"})
    event = Event.objects.select_related("region").filter(pk=data.event_id).first()
    if event is None:
        raise InvalidInput(_("There is no such event."), fields={"event_id": "not_found"})
    result = checkins.record_scan(
        event, entry.user, code=data.code, token=data.token, at=data.scanned_at, party=data.party
    )
    return describe(entry.user, result.scan)


def describe(user, scan: CheckInScan) -> Outcome:
    visit = scan.checkin
    when = timezone.localtime(visit.checked_in_at).strftime("%H:%M")
    if scan.duplicate:
        return Outcome(
            scan, status=DUPLICATE, number=visit.masked_name, duplicate_of=f"#{visit.pk}",
            message=checkins.already_message(visit),
        )  # fmt: skip
    return Outcome(
        scan, number=visit.masked_name,
        message=_("%(name)s checked in at %(time)s.") % {"name": visit.masked_name, "time": when},
    )  # fmt: skip


def register() -> None:
    register_kind(
        FieldKind(
            name="checkin", label=gettext_lazy("Check-in"), model=CheckInScan, handle=handle,
            describe=describe, template=None, order=60,
        )
    )  # fmt: skip
