from django.urls import path

from . import views_settings
from .views import desk, detail, figures, meetings, queues, resident

urlpatterns = [
    # residents, no account needed
    path("demands/new/", resident.demand_new, name="demand_new"),
    path("demands/done/<str:code>/", resident.demand_done, name="demand_done"),
    path("demands/track/", resident.track_form, name="demand_track_form"),
    path("demands/track/<str:code>/", resident.track, name="demand_track"),
    path("demands/track/<str:code>/evaluate/", resident.track_evaluate, name="demand_track_evaluate"),
    path("my/demands/", resident.my_demands, name="my_demands"),
    # one demand
    path("demands/<id:pk>/", detail.demand_detail, name="demand_detail"),
    path("demands/<id:pk>/<slug:action>/", detail.demand_action, name="demand_action"),
    path("demands/from-wish/<id:wish_pk>/", detail.convert_wish, name="demand_from_wish"),
    # the desk
    path("desk/demands/new/", desk.desk_new, name="desk_demand_new"),
    path("desk/demands/sessions/new/", desk.desk_session_new, name="desk_session_new"),
    path("desk/demands/residents/", desk.desk_resident_search, name="desk_resident_search"),
    path("desk/demands/residents/<id:pk>/", desk.desk_resident_pick, name="desk_resident_pick"),
    # staff
    path("staff/demands/", queues.queue, name="demand_queue"),
    path("staff/demands/all/", queues.region_list, name="region_demands"),
    path("staff/demands/figures/", figures.figures, name="demand_figures"),
    path("staff/meetings/", meetings.meetings, name="meetings"),
    path("staff/meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("staff/meetings/<id:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("staff/meetings/<id:pk>/decide/", meetings.meeting_decide, name="meeting_decide"),
    # departments and the street
    path("dept/demands/", queues.dept_inbox, name="dept_inbox"),
    path("street/demands/escalated/", queues.escalation_board, name="escalation_board"),
    # the street's settings: holiday calendar, category tree, departments
    path("street/demands/holidays/", views_settings.holidays, name="demand_holidays"),
    path(
        "street/demands/holidays/<id:pk>/remove/",
        views_settings.holiday_remove,
        name="demand_holiday_remove",
    ),
    path("street/demands/categories/", views_settings.categories, name="demand_categories"),
    path(
        "street/demands/categories/<id:pk>/<slug:action>/",
        views_settings.category_action,
        name="demand_category_action",
    ),
    path("street/demands/departments/", views_settings.departments, name="demand_departments"),
    path(
        "street/demands/departments/<id:pk>/rename/",
        views_settings.department_rename,
        name="demand_department_rename",
    ),
    path(
        "street/demands/departments/<id:pk>/handlers/", views_settings.handler_add, name="demand_handler_add"
    ),
    path(
        "street/demands/departments/<id:pk>/handlers/<id:user_pk>/remove/",
        views_settings.handler_remove,
        name="demand_handler_remove",
    ),
]
