"""Places: service stations (驿站) with their amenities, and the service centre's function
rooms with their bookings. Above the domain apps (it reads the street's holiday calendar and
the love supermarket's redemptions), below events (an event happens at a station or a room)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "weiguang.places"
    verbose_name = _("Stations and rooms")

    def ready(self) -> None:
        import datetime as dt

        from weiguang.core import scheduler

        # Rooms: a booking nobody checked in to is released a quarter of an hour after its start.
        scheduler.register("weiguang.places.rooms.tasks.release_unclaimed_bookings", dt.timedelta(minutes=5))
        # Rooms: a request nobody decided on before its start lapses.
        scheduler.register("weiguang.places.rooms.tasks.lapse_undecided_requests", dt.timedelta(minutes=5))
        # Stations: "out of order" lasts until its last day; the next day the amenity is available.
        scheduler.register("weiguang.places.stations.tasks.reset_expired_amenities", dt.timedelta(minutes=10))

        from weiguang.volunteers import services as volunteers

        from .stations import navigation, personal_data, services

        navigation.register()
        personal_data.register()
        # Stations: a redemption of an item with a pick-up station is collected there
        volunteers.REDEEM_HOOKS.append(services.record_pickup)
        volunteers.PICKUP_DESCRIBERS.append(services.pickup_places)

        from .rooms import navigation as rooms_navigation

        rooms_navigation.register()  # the rooms' navigation entry and home tiles
        from .rooms import personal_data as rooms_personal_data

        rooms_personal_data.register()  # the room bookings in a person's data (accounts.personal_data)
