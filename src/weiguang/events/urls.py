from django.urls import path

from . import checkin_views

urlpatterns: list = [
    # check-in and check-out at an event's desk (checkin_views.py)
    path("events/scan/", checkin_views.scanner, name="event_scanner"),
    path("events/<id:pk>/desk/", checkin_views.desk, name="event_desk"),
    path("events/<id:pk>/desk/walk-in/", checkin_views.desk_walk_in, name="event_desk_walk_in"),
    path(
        "events/<id:pk>/desk/<id:visit_id>/check-out/",
        checkin_views.desk_check_out,
        name="event_desk_check_out",
    ),
    path("events/<id:pk>/desk/close/", checkin_views.desk_close, name="event_desk_close"),
    path("events/<id:pk>/desk/serve/", checkin_views.desk_serve, name="event_desk_serve"),
    path("events/<id:pk>/desk/helpers/", checkin_views.desk_add_helper, name="event_desk_add_helper"),
]
