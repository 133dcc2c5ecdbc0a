"""Demand API (/api/v1/demands): thin — parse, call a service, render.

Anyone may submit a demand online (anonymously too) and follow it by its tracking code;
everything else needs a bearer token or a session, and who may do what is decided by the
services and regions.access. A department handler sees only demands transferred to it.
"""

from . import demands, meetings, transitions

# Mounted side by side under /demands (weiguang/api.py): a nested router would turn the
# list's path "" into "demands/".
routers = (demands.router, meetings.router, transitions.router)
