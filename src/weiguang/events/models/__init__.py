"""Events (活动): theme party days, micro-lectures, courses, service fairs, volunteer activities
and home visits; who signed up for them, and the waiting list.

An event lives in a community or a street (`region`). Its places are held by the sign-ups
that are confirmed or offered (a party of three holds three places); every hold goes through
`core.capacity.reserve()` (services.py). A sign-up that does not fit waits; when places free
up, the next waiting party that fits gets an offer that expires, or is confirmed at once when
the event promotes automatically.

Where an event happens is a free address for now (`place_text`); stations and rooms
(`places`) join as optional keys beside it, and `where` then prefers them.

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
