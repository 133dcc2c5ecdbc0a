from django.urls import path

from . import views

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
    path("queue/<id:pk>/cancel/", views.cancel_ticket, name="fair_ticket_cancel"),
] + [
    path(f"stalls/<id:pk>/counter/{step}/", views.counter_act, {"step": step}, name=f"stall_counter_{step}")
    for step in ("call_next", "take", "walk_in", "skip", "recall", "serve")
]
