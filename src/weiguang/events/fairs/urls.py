from django.urls import path

from . import staff_views, views

urlpatterns = [
    path("fairs/<id:pk>/", views.fair_stalls, name="fair_stalls"),
    path("fairs/<id:pk>/summary/", views.summary, name="fair_summary"),
    path("fairs/<id:pk>/summary.xlsx", views.summary_download, name="fair_summary_xlsx"),
    path("stalls/<id:pk>/", views.stall_detail, name="stall"),
    path("stalls/<id:pk>/take/", views.take_number, name="stall_take"),
    path("stalls/<id:pk>/book/", views.book_slot, name="stall_book"),
    path("stalls/<id:pk>/counter/", views.counter, name="stall_counter"),
    path("stalls/<id:pk>/display/", views.display, name="stall_display"),
    path("queue/<id:pk>/", views.ticket, name="fair_ticket"),
    # the staff's pages (staff_views.py): stall set-up, recording at a stall, the food bank
    path("fairs/<id:pk>/setup/", staff_views.fair_setup, name="fair_setup"),
    path("stalls/<id:pk>/edit/", staff_views.stall_edit, name="stall_edit"),
    path("stalls/<id:pk>/remove/", staff_views.stall_remove, name="stall_remove"),
    path("stalls/<id:pk>/counter/wish/", staff_views.counter_wish, name="stall_counter_wish"),
    path("stalls/<id:pk>/counter/demand/", staff_views.counter_demand, name="stall_counter_demand"),
    path("fairs/<id:pk>/food/", staff_views.fair_food, name="fair_food"),
    path("food/<id:pk>/", staff_views.food_round, name="food_round"),
    path("food/<id:pk>/hand-out/", staff_views.food_hand_out, name="food_round_hand_out"),
    path("queue/<id:pk>/cancel/", views.cancel_ticket, name="fair_ticket_cancel"),
] + [
    path(f"stalls/<id:pk>/counter/{step}/", views.counter_act, {"step": step}, name=f"stall_counter_{step}")
    for step in ("call_next", "take", "walk_in", "skip", "recall", "serve")
]
