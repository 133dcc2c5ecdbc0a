from django.urls import path

from . import checkin_views, views

urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("events/mine/", views.my_signups, name="event_my_signups"),
    path("events/manage/", views.manage_events, name="event_manage"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<id:pk>/", views.event_detail, name="event_detail"),
    path("events/<id:pk>/sign-up/", views.event_sign_up, name="event_sign_up"),
    path("events/<id:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<id:pk>/do/<slug:action>/", views.event_action, name="event_action"),
    path("events/<id:pk>/signups/", views.event_signups, name="event_signups"),
    path("events/<id:pk>/sign-up-for/", views.event_sign_up_for, name="event_sign_up_for"),
    path("events/signups/<id:pk>/qr.svg", views.signup_qr, name="event_signup_qr"),
    path("events/signups/<id:pk>/<slug:action>/", views.signup_action, name="event_signup_action"),
    # check-in and check-out at an event's desk (checkin_views.py)
    path("events/scan/", checkin_views.scanner, name="event_scanner"),
    path("events/<id:pk>/desk/", checkin_views.desk, name="event_desk"),
    path("events/<id:pk>/desk/walk-in/", checkin_views.desk_walk_in, name="event_desk_walk_in"),
    path(
        "events/<id:pk>/desk/<id:visit_id>/check-out/",
        checkin_views.desk_check_out,
        name="event_desk_check_out",
    ),
    path("events/<id:pk>/desk/<id:visit_id>/party/", checkin_views.desk_party, name="event_desk_party"),
    path("events/<id:pk>/desk/close/", checkin_views.desk_close, name="event_desk_close"),
    path("events/<id:pk>/desk/serve/", checkin_views.desk_serve, name="event_desk_serve"),
    path("events/<id:pk>/desk/helpers/", checkin_views.desk_add_helper, name="event_desk_add_helper"),
]
