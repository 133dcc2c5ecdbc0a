"""Events: theme party days, micro-lectures, courses, service fairs with stalls and queues,
volunteer activities and home visits; sign-ups, the waiting list, check-in and check-out."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "weiguang.events"
    verbose_name = _("Events and service fairs")

    def ready(self) -> None:
        import datetime as dt

        from weiguang.core import scheduler

        # an offer lapses within a minute of its time, so the next person hears of it soon
        scheduler.register("weiguang.events.tasks.expire_offers", dt.timedelta(minutes=1))
        # everyone still in at an event's end is checked out at its end
        scheduler.register("weiguang.events.tasks.exit_at_close", dt.timedelta(minutes=5))

        from weiguang.places.rooms.services import RELEASE_EXEMPT

        from .services import room_bookings_held

        # an event's room booking is checked in at the event's desk, not at the room's door
        RELEASE_EXEMPT.append(room_bookings_held)

        from . import offline

        offline.register()  # the scanner page's check-ins, online or queued offline
        from weiguang.core.offline import register_offline_page

        # the scanner opens without signal too: the page and what it loads stay on the phone
        register_offline_page(
            "event_scanner", "events/checkin.css", "events/scanner.js", "vendor/zxing/zxing-browser.min.js"
        )

        from . import checkin_personal_data

        checkin_personal_data.register()  # a person's check-ins on their "my data" page

        from . import navigation, personal_data

        navigation.register()  # its navigation entries and home tiles
        personal_data.register()  # a person's sign-ups (accounts.personal_data)
        from .fairs import personal_data as fair_data

        fair_data.register()  # queue numbers, bookings, visits, parcels in a person's data
