"""Wish pages: the public walls, a wish's page and its actions, posting, and the lists of
residents, volunteers and staff. Thin: parse, call a service, render."""

from __future__ import annotations

import hashlib
import io
import re
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from weiguang.accounts import residence
from weiguang.core.actions import run_page_action
from weiguang.core.errors import Conflict, ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.schemas import history_rows
from weiguang.core.templatetags.wg import safe_next
from weiguang.core.uploads import photo_notice
from weiguang.people.forms import AddResidentForm
from weiguang.people.models import PopulationGroup, Resident
from weiguang.people.services import (
    home_street_id,
    own_resident,
    resident_for,
    search_residents,
    view_resident_record,
)
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind

from . import services, wall
from .actions import WISH_ACTIONS
from .filters import WishFilter
from .forms import (
    OnBehalfWishForm,
    RejectForm,
    WishForm,
)
from .models import PUBLIC_STATUSES, PhotoStage, Wish, WishCategory, WishKind, WishStatus

QR_CACHE_SECONDS = 7 * 24 * 3600


# --- the public walls -------------------------------------------------------------------


def _wall_region(pk: int, kind: str) -> Region:
    region = Region.objects.filter(pk=pk, kind=kind).first()
    if region is None:
        raise Http404
    return region


def _wall_params(request) -> dict[str, str]:
    """The filters, normalised: unknown values are dropped so they cannot fill the cache."""
    get = request.GET
    params = {
        "kind": get.get("kind", "") if get.get("kind") in WishKind.values else "",
        "category": get.get("category", "") if re.fullmatch(r"\d{1,9}", get.get("category", "")) else "",
        "group": get.get("group", "") if re.fullmatch(r"[-a-z0-9_]{1,50}", get.get("group", "")) else "",
        "status": get.get("status", "") if get.get("status") in PUBLIC_STATUSES else "",
        "page": get.get("page", "") if re.fullmatch(r"[1-9]\d{0,4}", get.get("page", "")) else "",
    }
    return params


def _is_anonymous(request) -> bool:
    # Without a session cookie the visitor is anonymous and the session is never loaded.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    return not request.user.is_authenticated


def _wall_context(region: Region, params: dict[str, str], url_name: str) -> dict:
    qs = wall.wall_queryset(
        region,
        kind=params["kind"],
        category=params["category"],
        group=params["group"],
        status=params["status"],
    )
    page = Paginator(qs, settings.WEIGUANG["WALL_PAGE_SIZE"]).get_page(params["page"] or 1)
    filters = {k: v for k, v in params.items() if v and k != "page"}
    if region.kind == RegionKind.STREET:
        street, communities = (
            region,
            list(Region.objects.filter(parent_id=region.pk, kind=RegionKind.COMMUNITY)),
        )
    else:
        street, communities = Region.objects.filter(pk=region.parent_id).first(), []
    return {
        "region": region,
        "street": street,
        "communities": communities,
        "page_obj": page,
        "wishes": page.object_list,
        "params": params,
        "filters_active": bool(filters),
        "base_query": urlencode(filters),
        "wall_url": reverse(url_name, args=[region.pk]),
        "print_url": reverse(f"{url_name}_print", args=[region.pk]),
        "kinds": WishKind.choices,
        "categories": list(WishCategory.objects.filter(active=True)),
        "groups": list(PopulationGroup.objects.all()),
        "statuses": [(s.value, s.label) for s in PUBLIC_STATUSES],
    }


def _wall(request, pk: int, kind: str, url_name: str):
    """A warm anonymous hit is one cache round trip: no query, no rendering, no session.
    The region is looked up only when a page has to be built (a missing one is a 404)."""
    params = _wall_params(request)
    lang = get_language()
    memo: dict = {}

    def region() -> Region:
        if "region" not in memo:
            memo["region"] = _wall_region(pk, kind)
        return memo["region"]

    def context() -> dict:
        if "context" not in memo:
            memo["context"] = _wall_context(region(), params, url_name)
        return memo["context"]

    def cached(variant: str, build) -> str:
        return wall.cached_page(pk, params, f"{kind}:{lang}:{variant}", build)

    if request.htmx and not request.htmx.history_restore_request:
        html = cached("list", lambda: render_to_string("wishes/wall.html#wish-list", context()))
        response = HttpResponse(html)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def body() -> str:
        return cached("body", lambda: render_to_string("wishes/wall.html#wall-body", context()))

    def page_context() -> dict:
        filters = {k: v for k, v in params.items() if v}
        current_url = reverse(url_name, args=[pk]) + ("?" + urlencode(filters) if filters else "")
        return {"region": region(), "current_url": current_url, "wall_body": mark_safe(body())}

    if _is_anonymous(request) and "messages" not in request.COOKIES:
        # The whole page is shared by every anonymous visitor with the same language and
        # display mode.
        html = cached(
            f"{int(request.large_text)}:page",
            lambda: render_to_string(
                "wishes/wall.html", {**page_context(), "user": AnonymousUser(), "messages": ()}, request
            ),
        )
        response = HttpResponse(html)
    else:
        response = render(request, "wishes/wall.html", page_context())
    patch_vary_headers(response, ["HX-Request", "Cookie"])
    return response


@require_GET
def street_wall(request, pk: int):
    return _wall(request, pk, RegionKind.STREET, "street_wall")


@require_GET
def community_wall(request, pk: int):
    return _wall(request, pk, RegionKind.COMMUNITY, "community_wall")


PRINT_MAX = 60  # cards on one printed sheet set


def _wall_print(request, pk: int, kind: str, url_name: str):
    """The wall's wishes as printable cards, each with its QR code: for a notice board, a
    stall or a door-to-door round. Wishes open to claim, unless a state filter says otherwise."""
    region = _wall_region(pk, kind)
    params = _wall_params(request)
    wishes = wall.wall_queryset(
        region, kind=params["kind"], category=params["category"], group=params["group"],
        status=params["status"] or WishStatus.PUBLISHED,
    )[:PRINT_MAX]  # fmt: skip
    return render(
        request,
        "wishes/wall_print.html",
        {"region": region, "wishes": wishes, "wall_url": reverse(url_name, args=[region.pk])},
    )


@require_GET
def street_wall_print(request, pk: int):
    return _wall_print(request, pk, RegionKind.STREET, "street_wall")


@require_GET
def community_wall_print(request, pk: int):
    return _wall_print(request, pk, RegionKind.COMMUNITY, "community_wall")


@require_GET
def wish_qr(request, pk: int):
    """A QR code of the wish page's address; cached, and kept out of the wall's hot path."""
    url = request.build_absolute_uri(reverse("wish_detail", args=[pk]))
    key = "qr:" + hashlib.blake2b(url.encode(), digest_size=12).hexdigest()
    svg = cache.get(key)
    if svg is None:
        if not Wish.objects.filter(pk=pk).exists():
            raise Http404
        buf = io.BytesIO()
        segno.make(url, error="m").save(
            buf, kind="svg", scale=4, border=2, xmldecl=False, title=_("Scan to open this wish")
        )
        svg = buf.getvalue().decode()
        cache.set(key, svg, QR_CACHE_SECONDS)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- one wish ---------------------------------------------------------------------------


_ONE_WISH = Wish.objects.select_related(
    "resident", "resident__grid", "category", "community", "grid", "street"
)


def _load_wish(pk: int) -> Wish:
    return get_object_or_404(_ONE_WISH, pk=pk)


def _visible_wish(user, pk: int) -> Wish:
    return access.get_for_user(_ONE_WISH, user, see=services.may_view, pk=pk)


def _history(wish: Wish) -> list[dict]:
    """The audit trail as the API gives it (actors masked), shaped for the template."""
    states = dict(WishStatus.choices)
    return [
        {"at": row["at"], "who": row["actor"], "action": row["action_label"], "state": states.get(row["to"], ""),
         "note": row["note"]}
        for row in history_rows(wish, _("Posted"))
    ]  # fmt: skip


def _detail_context(request, wish: Wish, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    available = {t.name: t for t in Wish.state_machine.available(wish, user)}
    contact = services.can_see_contact(user, wish)
    if contact:  # the contact is shown: audited (PIPL)
        view_resident_record(wish.resident, user, via="wish", ref=wish.pk)
    relations = wish.relations_to(user)
    staff = bool(access.roles_at(user, wish.grid.path) & access.STAFF) if user.is_authenticated else False
    photos = list(wish.photos.all())
    return {
        "wish": wish,
        "claim": wish.current_claim,
        "available": available,
        "contact": contact,
        "is_owner": "owner" in relations,
        "is_claimer": "claimer" in relations,
        "is_staff": staff,
        "resident_record": wish.resident if access.can(user, "resident.view_log", wish.resident) else None,
        "history": _history(wish) if (contact or staff) else None,
        "intake_photos": [p for p in photos if p.stage == PhotoStage.INTAKE],
        "fulfil_photos": [p for p in photos if p.stage == PhotoStage.FULFIL],
        **{
            f"{name}_form": form for name, form in WISH_ACTIONS.forms(request, wish, available, bound).items()
        },
        "wall_url": reverse("community_wall", args=[wish.community_id]),
    }


@require_GET
def wish_detail(request, pk: int):
    wish = _load_wish(pk)
    if not services.may_view(request.user, wish):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    return render(request, "wishes/detail.html", _detail_context(request, wish))


def render_wish_page(request, pk: int, status: int = 200):
    """The wish's page as the user sees it, e.g. with the error of an action another app
    refused on it (a wish converted to a demand: demands.views.detail)."""
    return render(request, "wishes/detail.html", _detail_context(request, _load_wish(pk)), status=status)


@require_GET
def staff_wish(request, pk: int):
    return redirect("wish_detail", pk=pk)


@login_required
@require_POST
def wish_action(request, pk: int, action: str):
    """POST /wishes/<pk>/<action>/: one transition. A refusal is shown to the user (with the
    HTTP status the API would use), never a server error."""
    if action not in WISH_ACTIONS:
        raise Http404
    wish = _visible_wish(request.user, pk)
    bound: dict = {}
    errors: list[str] = []
    try:
        ok = run_page_action(WISH_ACTIONS[action], request, wish, bound)
        status = 200 if ok else 422
    except ServiceError as err:
        ok, status = False, err.status
        errors.append(err.message)
        form = bound.get(action)
        if action == "fulfil" and "photos" in err.fields:
            bound["photo_error"] = err.message  # shown next to the photo field
        elif form is not None and err.fields:
            apply_service_error(form, err)
    if request.POST.get("from") == "queue" and request.htmx:
        # The review queue swaps just this wish's row.
        form = bound.get("reject") or RejectForm()
        errors += [str(e) for e in form.errors.get("reason", [])] if form.is_bound else []
        return render(
            request,
            "wishes/staff_queue.html#queue-row",
            {
                "wish": _load_wish(pk),
                "reject_form": form,
                "done": WISH_ACTIONS[action].success if ok else "",
                "errors": errors,
            },
        )
    if ok:
        messages.success(request, WISH_ACTIONS[action].success)
        return redirect(safe_next(request, reverse("wish_detail", args=[pk])))
    for text in errors:
        messages.error(request, text)
    fresh = _visible_wish(request.user, pk)
    context = _detail_context(request, fresh, bound)
    if action == "fulfil":
        notice = photo_notice(request)
        context.update(
            fulfil_photos_sent=notice["photos_sent"], fulfil_photo_error=bound.get("photo_error", "")
        )
    return render(request, "wishes/detail.html", context, status=status)


# --- posting a wish -----------------------------------------------------------------------


def _own_resident(user) -> Resident | None:
    return own_resident(user)


def _submit(request, form, template: str, context: dict, resident: Resident | None = None):
    """Call submit_wish with a valid form; on success go to the wish, else show why."""
    duplicate, refusal = None, None
    try:
        wish, created = services.submit_wish(
            request.user, resident=resident, photos=request.FILES.getlist("photos"), **form.service_kwargs()
        )
    except Conflict as err:
        if err.code != "possible_duplicate":
            raise
        duplicate = err.message
    except ServiceError as err:
        refusal = err
        if "photos" not in err.fields:
            apply_service_error(form, err)
    else:
        if created:
            messages.success(
                request, _("Your wish was posted. Staff will review it soon; we will tell you in your inbox.")
            )
        return redirect("wish_detail", pk=wish.pk)
    return render(
        request,
        template,
        {**context, "form": form, "duplicate": duplicate, **photo_notice(request, refusal)},
        status=200 if duplicate else 422,
    )


@login_required
def wish_new(request):
    """Post a wish in three steps: the kind, the words (and a photo), done."""
    resident = _own_resident(request.user)
    if resident is None:
        if access.can(request.user, "wish.create_for_resident"):
            return redirect("grid_wish_new")
        standing = residence.standing(request.user)  # unconfirmed: waits for the staff's confirmation
        return render(request, "wishes/new.html", {"no_resident": True, "standing": standing}, status=403)
    cap = services.value_cap_for(resident.grid.street)
    context = {"resident": resident, "value_cap": cap, "kinds": WishKind.choices}
    if request.method == "POST":
        form = WishForm(request.POST)
        if form.is_valid():
            return _submit(request, form, "wishes/new.html", {**context, "step": 2})
        return render(
            request,
            "wishes/new.html",
            {**context, "step": 2, "form": form, **photo_notice(request)},
            status=422,
        )
    kind = request.GET.get("kind", "")
    if kind not in WishKind.values:
        return render(request, "wishes/new.html", {**context, "step": 1})
    return render(
        request, "wishes/new.html", {**context, "step": 2, "form": WishForm(initial={"kind": kind})}
    )


@require_GET
def suggest_category(request):
    """htmx: re-render the category field with the category suggested by the text, unless the
    user picked one of their own."""
    text = request.GET.get("title", "") + " " + request.GET.get("description", "")
    kind = request.GET.get("kind", "")
    current = request.GET.get("category", "")
    previous = request.GET.get("suggested", "")
    suggestion = (
        services.suggest_category(text, kind if kind in WishKind.values else None) if text.strip() else None
    )
    chosen = current
    if current in ("", previous):
        chosen = str(suggestion.pk) if suggestion else ""
    form = WishForm(
        initial={"category": chosen, "suggested": chosen if current in ("", previous) else previous}
    )
    return render(request, "wishes/wish_form.html#category-field", {"form": form, "suggestion": suggestion})


@login_required
def grid_wish_new(request):
    """A grid worker or staff member records a wish for a resident of their own grids."""
    user = request.user
    if not access.can(user, "wish.create_for_resident"):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("add_resident"):
        return _add_resident_on_spot(request)
    raw = request.POST.get("resident") or request.GET.get("resident") or ""
    if not raw.isdigit():
        q = request.GET.get("q", "")
        results = (
            search_residents(user, q) if q or request.GET.get("all") else search_residents(user, "", limit=10)
        )
        context = {"q": q, "results": results, "step": 1, "add_form": AddResidentForm.after_search(user, q)}
        return render(request, "wishes/grid_new.html", context)
    try:
        resident = resident_for(user, raw)
    except ServiceError:
        raise Http404 from None
    context = {"resident": resident, "step": 2, "value_cap": services.value_cap_for(resident.grid.street)}
    if request.method == "POST":
        form = OnBehalfWishForm(request.POST)
        if form.is_valid():
            return _submit(request, form, "wishes/grid_new.html", context, resident=resident)
        return render(
            request, "wishes/grid_new.html", {**context, "form": form, **photo_notice(request)}, status=422
        )
    default_channel = "grid" if "grid_worker" in access.roles_at(user, resident.grid.path) else "desk"
    form = OnBehalfWishForm(
        initial={"resident": resident.pk, "channel": default_channel, "kind": WishKind.ITEM}
    )
    return render(request, "wishes/grid_new.html", {**context, "form": form})


def _add_resident_on_spot(request):
    """The resident the search did not find, added on the spot (people.forms.AddResidentForm);
    then step 2 with them chosen. Bad input: step 1 again with the errors, nothing added."""
    user = request.user
    add_form = AddResidentForm(request.POST, user=user)
    resident = add_form.save()
    if resident is not None:
        messages.success(request, _("%(name)s was added. Now record the wish.") % {"name": resident.name})
        return redirect(reverse("grid_wish_new") + "?" + urlencode({"resident": resident.pk}))
    q = request.POST.get("q", "")[:50]
    context = {"q": q, "results": search_residents(user, q) if q else [], "step": 1, "add_form": add_form}
    return render(request, "wishes/grid_new.html", context, status=422)


@login_required
@require_GET
def resident_search(request):
    """htmx live search of the residents the user may record wishes for."""
    if not access.can(request.user, "wish.create_for_resident"):
        raise PermissionDenied
    q = request.GET.get("q", "")
    return render(
        request,
        "wishes/grid_new.html#resident-results",
        {
            "q": q,
            "results": search_residents(request.user, q),
            "add_form": AddResidentForm.after_search(request.user, q),
        },
    )


# --- lists --------------------------------------------------------------------------------


@login_required
def my_wishes(request):
    wishes = (
        Wish.objects.select_related("category", "community")
        .restrict(request.user, "wish.view_private")
        .filter(resident__user=request.user)
        .order_by("-created_at", "-id")
    )
    page = Paginator(wishes, 20).get_page(request.GET.get("page"))
    return render(request, "wishes/my_wishes.html", {"page_obj": page, "wishes": page.object_list})


@login_required
def my_claims(request):
    claims = list(services.my_claims(request.user)[:200])
    active = [c for c in claims if c.status == "active"]
    done = [c for c in claims if c.status != "active"]
    street_id = home_street_id(request.user, own_resident(request.user))
    return render(request, "wishes/my_claims.html", {"active": active, "done": done, "street_id": street_id})


def _require_staff(user) -> None:
    if not access.has_role(user, access.STAFF):
        raise PermissionDenied


@login_required
def staff_queue(request):
    _require_staff(request.user)
    wishes = (
        services.region_wishes(request.user, "wish.review")
        .filter(status=WishStatus.SUBMITTED)
        .prefetch_related("photos")
        .order_by("created_at", "id")
    )
    page = Paginator(wishes, 30).get_page(request.GET.get("page"))
    # Wishes the resident says did not come true: staff follow them up first.
    disputed = (
        services.region_wishes(request.user, "wish.review")
        .filter(status=WishStatus.DISPUTED)
        .order_by("updated_at", "id")[:100]
    )
    return render(
        request,
        "wishes/staff_queue.html",
        {"page_obj": page, "wishes": page.object_list, "reject_form": RejectForm(), "disputed": disputed},
    )


@login_required
def staff_all(request):
    if not access.can(request.user, "wish.list_region"):
        raise PermissionDenied
    filters = WishFilter.from_query(request.GET)
    wishes = filters.apply(services.region_wishes(request.user, "wish.list_region")).order_by(
        "-created_at", "-id"
    )
    q = request.GET.get("q", "").strip()[:60]
    if q:
        wishes = wishes.filter(title__contains=q)
    page = Paginator(wishes, 30).get_page(request.GET.get("page"))
    query = urlencode({**filters.active(), **({"q": q} if q else {})})
    return render(
        request,
        "wishes/staff_all.html",
        {
            "page_obj": page,
            "wishes": page.object_list,
            "status": filters.status or "",
            "q": q,
            "statuses": WishStatus.choices,
            "query": query,
        },
    )
