"""Putting messages in the outbox. Everything here runs in the caller's transaction: the rows
exist exactly when the change that caused them commits, and their delivery is kicked when it
does (the periodic job picks up whatever the kick missed).

- `send(recipients, title, body, url, ...)`: a message to people, on the in-app inbox and the
  channels each of them chose (or exactly `channels=`); core.notify() comes here.
- `send_sms(phone, text, purpose=...)`: accounts.sms.send_sms comes here.
- `post_to_robot(robot, title, ...)`: a chat group's robot.
- `replay(row, by=...)`: a dead letter goes back in the queue (audited).

`key` names the logical message: the same key again adds no row (one row per key, recipient
and channel). Without a key every call is a new message, as notify() always was.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict
from weiguang.core.models import Notification

from . import quiet
from .models import Channel, OutboxMessage, Preference, Robot, Status

logger = logging.getLogger("weiguang.outbox")

OPTIONAL = (Channel.SMS, Channel.EMAIL)


def _kick(ids: list[int]) -> None:
    if not ids:
        return

    def enqueue():
        from . import tasks

        try:
            tasks.deliver.enqueue(ids)
        except Exception:  # the queue is down: the periodic job finds the rows
            logger.exception("could not enqueue outbox rows %s; the periodic job will send them", ids[:10])

    transaction.on_commit(enqueue)


def _insert(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Insert the rows whose key is new; queue the ones to send."""
    if not rows:
        return []
    known = set(OutboxMessage.objects.filter(key__in=[r.key for r in rows]).values_list("key", flat=True))
    rows = [r for r in rows if r.key not in known]
    made = OutboxMessage.objects.bulk_create(rows)
    _kick([r.pk for r in made if r.status == Status.QUEUED])
    return made


def _wanted(user, preference: Preference | None, channels) -> list[str]:
    if channels is not None:
        return [Channel(c) for c in channels if c != Channel.ROBOT]
    wanted = [Channel.INAPP]
    if preference is not None:
        wanted += [c for c in OPTIONAL if getattr(preference, c)]
    return wanted


def send(
    recipients: Iterable,
    title: str,
    body: str = "",
    url: str = "",
    *,
    key: str | None = None,
    urgent: bool = False,
    channels: Iterable[str] | None = None,
    purpose: str = "notice",
) -> list[OutboxMessage]:
    """One message to each recipient (users; None and repeats are skipped), on the in-app inbox
    plus the channels they chose, or exactly `channels` (a care alert's ladder picks its own).
    The inbox row is written now; the others wait for the commit. Returns the rows made."""
    users, seen = [], set()
    for user in recipients:
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            users.append(user)
    if not users:
        return []
    channels = list(channels) if channels is not None else None
    given, key = bool(key), key or uuid.uuid4().hex
    title = str(title)[:200]
    preferences = (
        {p.user_id: p for p in Preference.objects.filter(user__in=seen)}
        if channels is None or any(c in OPTIONAL for c in channels)
        else {}
    )
    now = timezone.now()
    plan = [
        (user, channel) for user in users for channel in _wanted(user, preferences.get(user.pk), channels)
    ]
    if given:  # a message sent before under this key is not sent again
        known = set(
            OutboxMessage.objects.filter(key__in=[f"{key}:{u.pk}:{c}" for u, c in plan]).values_list(
                "key", flat=True
            )
        )
        plan = [(u, c) for u, c in plan if f"{key}:{u.pk}:{c}" not in known]
    phones = _phones([u for u, c in plan if c == Channel.SMS])
    rows, notes = [], []
    for user, channel in plan:
        row = OutboxMessage(
            key=f"{key}:{user.pk}:{channel}",
            channel=channel,
            recipient=user,
            title=title,
            body=body,
            url=url,
            purpose=purpose[:40],
            urgent=urgent,
            next_attempt_at=now,
        )
        if channel == Channel.INAPP:
            note = Notification(recipient=user, title=title, body=body, url=url)
            notes.append(note)
            row.notification = note
            row.status, row.delivered_at, row.next_attempt_at = Status.DELIVERED, now, None
        elif channel == Channel.SMS:
            row.address = phones.get(user.pk, "")
            if not row.address:
                continue  # nobody to text: the inbox has it
            row.next_attempt_at = quiet.defer(row, now, preferences.get(user.pk))
        elif channel == Channel.EMAIL:
            row.address = user.email or ""
            if not row.address:
                continue
        rows.append(row)
    Notification.objects.bulk_create(notes)
    sms_rows = [r for r in rows if r.channel == Channel.SMS]
    if sms_rows:
        _attach_sms(sms_rows)
    return _insert(rows)


def notify(recipients: Iterable, title: str, body: str = "", url: str = "", **options) -> int:
    """core.notify(), as the outbox installs it: the number of people told."""
    rows = send(recipients, title, body, url, **options)
    return len({r.recipient_id for r in rows})


def _phones(users) -> dict[int, str]:
    if not users:
        return {}
    from weiguang.accounts.models import Account

    found = Account.objects.filter(user__in=users, phone__isnull=False).values_list("user_id", "phone")
    return {user_id: phone for user_id, phone in found if phone}


def _attach_sms(rows: list[OutboxMessage]) -> None:
    from weiguang.accounts.models import SmsMessage

    for row in rows:
        text = "\n".join(p for p in (row.title, row.body) if p)
        row.sms = SmsMessage.objects.create(
            phone=row.address, text=text, purpose=row.purpose, next_attempt_at=row.next_attempt_at
        )


def send_sms(phone: str, text: str, *, purpose: str, key: str | None = None, urgent: bool = True):
    """accounts.sms.send_sms: one text message to a number, by the outbox's SMS channel."""
    from weiguang.accounts.models import SmsMessage

    row_key = f"sms:{key}" if key else f"sms:{uuid.uuid4().hex}"
    if key:
        existing = OutboxMessage.objects.filter(key=row_key).select_related("sms").first()
        if existing is not None and existing.sms is not None:
            return existing.sms
    now = timezone.now()
    message = SmsMessage.objects.create(phone=phone, text=text, purpose=purpose[:40], next_attempt_at=now)
    row = OutboxMessage(
        key=row_key,
        channel=Channel.SMS,
        address=phone,
        title=text[:200],
        body=text,
        purpose=purpose[:40],
        urgent=urgent,
        sms=message,
        next_attempt_at=now,
    )
    _insert([row])
    return message


def post_to_robot(
    robot: Robot,
    title: str,
    body: str = "",
    url: str = "",
    *,
    key: str | None = None,
    urgent: bool = False,
    purpose: str = "notice",
) -> OutboxMessage | None:
    """One message to a chat group's robot; None if the key was used already."""
    made = _insert(
        [
            OutboxMessage(
                key=f"robot:{key or uuid.uuid4().hex}:{robot.pk}",
                channel=Channel.ROBOT,
                robot=robot,
                title=str(title)[:200],
                body=body,
                url=url,
                urgent=urgent,
                purpose=purpose[:40],
                next_attempt_at=timezone.now(),
            )
        ]
    )
    return made[0] if made else None


def replay(row: OutboxMessage, *, by, note: str = "") -> OutboxMessage:
    """Put a dead letter back in the queue, due now, with fresh attempts; audited."""
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=row.pk)
        if locked.status != Status.DEAD:
            raise Conflict(_("Only a dead letter can be sent again."))
        OutboxMessage.objects.filter(pk=locked.pk).update(
            status=Status.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            dead_at=None,
            claim="",
            lease_until=None,
        )
        log_action(
            locked,
            "outbox.replay",
            by,
            from_state=Status.DEAD,
            to_state=Status.QUEUED,
            note=note or locked.last_error[:200],
        )
        locked.refresh_from_db()
        from .channels import CHANNELS

        CHANNELS[locked.channel].mirror(locked)
        _kick([locked.pk])
    return locked


def preference_of(user) -> Preference:
    """The person's choices (the defaults, unsaved, if they never chose)."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def phone_of(user) -> str:
    return _phones([user]).get(user.pk, "")


def set_preferences(
    user, *, sms: bool, email: bool, quiet_from, quiet_until, email_address: str | None = None
):
    """Save how `user` wants to be told (their own choice; audited). Text messages need the
    account's mobile number, e-mail an address."""
    from weiguang.core.errors import InvalidInput

    errors = {}
    if sms and not phone_of(user):
        errors["sms"] = _("Your account has no mobile number for text messages.")
    address = (email_address if email_address is not None else user.email or "").strip()
    if email and not address:
        errors["email_address"] = _("Enter the e-mail address to send to.")
    if errors:
        raise InvalidInput(_("Please correct the settings."), fields=errors)
    with transaction.atomic():
        preference, _made = Preference.objects.select_for_update().get_or_create(user=user)
        preference.sms, preference.email = sms, email
        preference.quiet_from, preference.quiet_until = quiet_from, quiet_until
        preference.save()
        if email_address is not None and address != user.email:
            get_user_model().objects.filter(pk=user.pk).update(email=address)
            user.email = address
        log_action(
            preference,
            "outbox.preferences",
            user,
            sms=sms,
            email=email,
            quiet=f"{quiet_from:%H:%M}-{quiet_until:%H:%M}",
        )
    return preference
