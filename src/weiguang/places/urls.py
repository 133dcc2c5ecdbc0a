from django.urls import include, path

from .stations import views

urlpatterns = [
    # Stations
    path("stations/", views.stations, name="stations"),
    path("stations/<id:pk>/", views.station_detail, name="station_detail"),
    path("staff/stations/", views.staff_stations, name="staff_stations"),
    path("staff/stations/new/", views.station_new, name="station_new"),
    path("staff/stations/<id:pk>/", views.staff_station, name="staff_station"),
    path("staff/stations/<id:pk>/edit/", views.station_edit, name="station_edit"),
    path("staff/stations/<id:pk>/amenities/<slug:amenity>/", views.amenity_state, name="station_amenity"),
    path("staff/stations/<id:pk>/items/", views.pickup_items, name="station_pickup_items"),
    path("staff/stations/<id:pk>/pickups/", views.station_pickups, name="station_pickups"),
    path("staff/pickups/<id:pk>/hand-over/", views.pickup_hand_over, name="pickup_hand_over"),
    # Rooms
    path("", include("weiguang.places.rooms.urls")),  # function rooms and their bookings
]
