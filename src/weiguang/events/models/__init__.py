"""Events (活动): theme party days, micro-lectures, courses, service fairs, volunteer activities
and home visits; who signed up for them, and the waiting list.

An event lives in a community or a street (`region`). Its places are held by the sign-ups
that are confirmed or offered (a party of three holds three places); every hold goes through
`core.capacity.reserve()` (services.py). A sign-up that does not fit waits; when places free
up, the next waiting party that fits gets an offer that expires, or is confirmed at once when
the event promotes automatically.

Where an event happens is one of: a station, a function room of a service centre (held for
the event's times by a room booking, through the rooms' own service) or a free address
(`place_text`); `where` says it in words.

The models are split by sub-area: `events.py` (events and sign-ups), `checkins.py` (the
desk and its roster), `fairs.py` (stalls, queues, slots, food bank); every name is
importable from `weiguang.events.models`.
"""

from .checkins import (
    CHECKIN_TRANSITIONS,
    CheckIn,
    CheckInMethod,
    CheckInRole,
    CheckInScan,
    CheckInStatus,
    EventHelper,
)
from .events import (
    EVENT_TRANSITIONS,
    HOLDING,
    LIVE,
    SIGNUP_TRANSITIONS,
    Event,
    EventKind,
    EventPhoto,
    EventStatus,
    OrganiserKind,
    SignUp,
    SignUpStatus,
    room_label,
)
from .fairs import (
    BOOKING_TRANSITIONS,
    LANE_LETTER,
    TICKET_LIVE,
    TICKET_TRANSITIONS,
    BookingStatus,
    FoodParcel,
    FoodRound,
    Lane,
    ProviderKind,
    QueueTicket,
    SlotBooking,
    Stall,
    StallVisit,
    StallWish,
    TicketChannel,
    TicketStatus,
    VisitKind,
)

__all__ = [
    "BOOKING_TRANSITIONS",
    "BookingStatus",
    "CHECKIN_TRANSITIONS",
    "CheckIn",
    "CheckInMethod",
    "CheckInRole",
    "CheckInScan",
    "CheckInStatus",
    "EVENT_TRANSITIONS",
    "Event",
    "EventHelper",
    "EventKind",
    "EventPhoto",
    "EventStatus",
    "FoodParcel",
    "FoodRound",
    "HOLDING",
    "LANE_LETTER",
    "LIVE",
    "Lane",
    "OrganiserKind",
    "ProviderKind",
    "QueueTicket",
    "SIGNUP_TRANSITIONS",
    "SignUp",
    "SignUpStatus",
    "room_label",
    "SlotBooking",
    "Stall",
    "StallVisit",
    "StallWish",
    "TICKET_LIVE",
    "TICKET_TRANSITIONS",
    "TicketChannel",
    "TicketStatus",
    "VisitKind",
]
