"""API root (django-ninja), versioned under /api/v1/: composition only."""

from weiguang.accounts.api import auth as accounts_auth_api
from weiguang.accounts.api import data as accounts_data_api
from weiguang.accounts.api import staff as staff_accounts_api
from weiguang.accounts.api.me import me_router
from weiguang.accounts.api.residence import residence_router
from weiguang.core.api import WeiguangAPI, auth_chain, fallback_router
from weiguang.core.api import router as auth_router
from weiguang.core.offline_api import router as field_router
from weiguang.demands import api as demands_api
from weiguang.demands.api_settings import router as demand_settings_router
from weiguang.events import api as events_api
from weiguang.events.checkin_api import router as checkins_router
from weiguang.events.fairs import api as fairs_api
from weiguang.lists import api as lists_api
from weiguang.matching import api as matching_api
from weiguang.outbox.api import router as message_settings_router
from weiguang.partners import api as partners_api
from weiguang.people.api import residents_router
from weiguang.places.rooms import api as rooms_api
from weiguang.places.stations import api as stations_api
from weiguang.regions.api import regions_router
from weiguang.volunteers import api as volunteers_api
from weiguang.wishes.api import router as wishes_router

api = WeiguangAPI(  # NinjaAPI with JSON errors throughout (core.api)
    title="Weiguang API",
    version="1",
    description="微光 community service platform. Authenticate with POST /api/v1/auth/token, then "
    "send `Authorization: Bearer <token>`; browsers may use their session.",
    urls_namespace="api-v1",
    auth=auth_chain,
)
api.add_router("/auth", auth_router)
api.add_router("/auth", accounts_auth_api.router)  # sign-up, login by code, password reset
api.add_router("/me", me_router)  # who I am (core.api.me_body), my profile and residence
api.add_router("/regions", regions_router)  # the place tree, buildings included
api.add_router("/residence_requests", residence_router)
api.add_router("/wishes", wishes_router)
for demands_router in demands_api.routers:  # demands, sessions and meetings, transitions
    api.add_router("/demands", demands_router)
api.add_router("/demands", demand_settings_router)  # holidays, categories, departments
api.add_router("/volunteers", volunteers_api.volunteers_router)
api.add_router("/teams", volunteers_api.teams_router)
api.add_router("/service_records", volunteers_api.records_router)
api.add_router("/points", volunteers_api.points_router)
api.add_router("/certificates", volunteers_api.certificates_router)
api.add_router("/partners", partners_api.partners_router)
api.add_router("/partners", lists_api.units_router)  # a unit's record, the street's deliveries
api.add_router("/resources", partners_api.resources_router)
api.add_router("/projects", lists_api.projects_router)
api.add_router("/surveys", lists_api.surveys_router)
api.add_router("/lists", lists_api.lists_router)
api.add_router("/residents", residents_router)
api.add_router("/me", accounts_data_api.me_data_router)  # GET /me/data: the personal-data export
api.add_router("/me", message_settings_router)  # GET/PUT /me/message_settings: channels, quiet hours
api.add_router("/data_requests", accounts_data_api.data_requests_router)
api.add_router("/wishes", matching_api.wish_candidates_router)  # recommended claimers, invite
api.add_router("/demands", matching_api.demand_candidates_router)
api.add_router("/invitations", matching_api.invitations_router)
api.add_router("/assignments", matching_api.assignments_router)
api.add_router("/events", checkins_router)  # check-in and check-out at an event's desk
api.add_router("/staff", staff_accounts_api.router)  # staff accounts and roles
api.add_router("/field", field_router)  # what a device recorded offline (core.offline's kinds)
api.add_router("/stations", stations_api.stations_router)  # stations (驿站), amenities, pick-ups
api.add_router("/rooms", rooms_api.rooms_router)  # function rooms of the service centres
api.add_router("/bookings", rooms_api.bookings_router)  # their bookings, weekly series, check-in
api.add_router("/events", events_api.events_router)  # events, sign-ups, the waiting list
api.add_router("/events", events_api.signups_router)  # my sign-ups, cancel, leave, accept an offer
api.add_router("/stalls", fairs_api.stalls_router)  # a fair's stalls, slots, its summary
api.add_router("/queue", fairs_api.queue_router)  # queue numbers: my position, call steps
api.add_router("/food_rounds", fairs_api.food_router)  # food-bank rounds and hand-outs
api.add_router("", fallback_router)  # last: unknown paths get a JSON 404
