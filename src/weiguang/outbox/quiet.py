"""Quiet hours: a text message that is not urgent waits for the end of the recipient's quiet
hours (22:00–07:00 unless they chose others), in the site's time zone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Channel, Preference

DEFAULT = (dt.time(22, 0), dt.time(7, 0))


def is_quiet(moment: dt.time, start: dt.time, end: dt.time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # over midnight


def end_of_quiet(when: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime:
    """`when` itself if it is not in the quiet hours, else the moment they end."""
    local = timezone.localtime(when)
    if not is_quiet(local.time(), start, end):
        return when
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)


def hours_of(preference: Preference | None) -> tuple[dt.time, dt.time]:
    return (preference.quiet_from, preference.quiet_until) if preference else DEFAULT


def defer(row, when: dt.datetime, preference: Preference | None = None) -> dt.datetime:
    """When `row` may go at `when` or later: text messages to a person that are not urgent
    wait for the end of their quiet hours."""
    if row.channel != Channel.SMS or row.urgent or row.recipient_id is None:
        return when
    if preference is None:
        preference = Preference.objects.filter(user_id=row.recipient_id).first()
    return end_of_quiet(when, *hours_of(preference))
