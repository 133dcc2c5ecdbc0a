"""The filters of the room list and of the booking lists: the pages and the API."""

from __future__ import annotations

from typing import ClassVar, Literal

from weiguang.core.api import Id
from weiguang.core.filters import FilterSchema

from ..models import BookingStatus


class RoomFilter(FilterSchema):
    centre: Id | None = None
    floor: int | None = None

    lookups: ClassVar[dict[str, str]] = {"centre": "centre_id", "floor": "floor"}


class BookingFilter(FilterSchema):
    status: Literal[tuple(BookingStatus.values)] | None = None  # type: ignore[valid-type]
    room: Id | None = None

    lookups: ClassVar[dict[str, str]] = {"status": "status", "room": "room_id"}
