"""The filters of the event lists (the pages and GET /api/v1/events) and of an event's
sign-ups (the staff page and GET /api/v1/events/{id}/signups)."""

from __future__ import annotations

from typing import ClassVar, Literal

from django.utils import timezone

from weiguang.core.filters import FilterSchema

from .models import EventKind, EventStatus, SignUpStatus


class EventFilter(FilterSchema):
    kind: Literal[tuple(EventKind.values)] | None = None  # type: ignore[valid-type]
    status: Literal[tuple(EventStatus.values)] | None = None  # type: ignore[valid-type]
    when: Literal["upcoming", "past"] | None = None

    lookups: ClassVar[dict[str, str]] = {"kind": "kind", "status": "status"}

    def filter_when(self, qs, value):
        now = timezone.now()
        return qs.filter(ends_at__gte=now) if value == "upcoming" else qs.filter(ends_at__lt=now)


class SignUpFilter(FilterSchema):
    status: Literal[tuple(SignUpStatus.values)] | None = None  # type: ignore[valid-type]

    lookups: ClassVar[dict[str, str]] = {"status": "status"}
