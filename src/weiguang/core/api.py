"""API plumbing shared by every module: authentication, JSON errors, and the token endpoints.

Authentication (`auth_chain`): a bearer token (`Authorization: Bearer <token>`, from
POST /auth/token) or the browser's Django session. Session requests with an unsafe method
must carry the CSRF token (header `X-CSRFToken`; GET /auth/csrf hands one out). Endpoints
that anonymous visitors may use take `optional_auth` and read the user with `current_user()`.

Every error leaves the API as JSON: {"message": text in the request's language,
"code": stable machine code, "errors": {field: text} (when fields are at fault)}.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from typing import Annotated, Any

import pydantic
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    UnreadablePostError,
)
from django.http.request import RawPostDataException
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from . import lockout
from .errors import BadCredentials, InvalidInput, ServiceError, TooManyAttempts, Unauthenticated
from .models import ApiToken
from .permissions import memberships

logger = logging.getLogger("django.request")

TOKEN_TOUCH_SECONDS = 60  # write last_used_at at most once a minute per token


def _no_null_character(value: str) -> str:
    if "\x00" in value:  # PostgreSQL cannot store it; refuse it as bad input, not a 500
        raise PydanticCustomError("null_character", "Null characters are not allowed.")
    return value


Text = Annotated[str, AfterValidator(_no_null_character)]
"""A string field of an API schema: any text but the null character."""

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
"""A database id in an API schema: a positive 64-bit integer (larger ones overflow SQLite)."""

IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,80}$"  # visible ASCII, e.g. a UUID


class InSchema(Schema):
    """Base of every request schema (bodies, their nested objects, query filters): a JSON
    object and nothing else. ninja's Schema reads the attributes of *any* value, so without
    this a body of `[]`, `[null, null]` or `"x"` passed as an object whose fields all took
    their defaults (a release with no reason, an empty PATCH answered 200). A test
    (tests/test_api_bodies.py) fails when an operation's body is not an InSchema."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info):  # replaces ninja's (same name)
        if isinstance(values, cls):
            return values
        if not isinstance(values, dict):
            raise PydanticCustomError("model_type", "Input should be an object")
        return handler(values)


# --- authentication ----------------------------------------------------------------------


# --- shapes and helpers every API module shares ----------------------------------------


# A record named by id and name (a region, a department, a unit, a skill...). No docstring:
# it would become the schema's description, and the OpenAPI document keeps one `Ref`.
class Ref(Schema):
    id: int
    name: str


def ref(obj) -> dict:
    """The `Ref` of a record with a `name`."""
    return {"id": obj.pk, "name": obj.name}


class Page(Schema):
    """What a paged list says besides its items (`limit`/`offset` as the request gave them)."""

    count: int
    limit: int
    offset: int

    @staticmethod
    def window(rows, filters):
        """The rows a paged request asks for: `filters.limit` of them from `filters.offset`."""
        return rows[filters.offset : filters.offset + filters.limit]

    @staticmethod
    def body(filters, count: int, items: list) -> dict:
        """The page's answer: the `items` of the request's window and `count`, the rows in all."""
        return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": items}


def invalid(field: str, message: str) -> InvalidInput:
    """A 422 that puts `message` on one field of the request."""
    return InvalidInput(message, fields={field: message})


def referenced(rows, pk: int | None, field: str, message: str):
    """The row of `rows` (a manager or query set) that a request's `field` names by id, None when
    it names none; an unknown id is a 422 on that field."""
    if pk is None:
        return None
    row = rows.filter(pk=pk).first()
    if row is None:
        raise invalid(field, message)
    return row


def many_of(rows, ids, field: str, message: str) -> list:
    """The rows of `rows` (a manager or query set) that a request's `field` names by ids, each
    once, in the order given; an unknown id is a 422 on that field."""
    ids = list(dict.fromkeys(ids or []))
    found = rows.in_bulk(ids)
    if len(found) != len(ids):
        raise invalid(field, message)
    return [found[i] for i in ids]


def patched(data: dict, required=(), blank: dict | None = None) -> dict:
    """A PATCH body (`data`, the fields it sets) with its nulls checked: a field of `required`
    set to null is a 422 on it; a field of `blank` set to null takes its value there ("", 0)."""
    for name in required:
        if name in data and data[name] is None:
            raise invalid(name, _("This field is required."))
    for name, empty in (blank or {}).items():
        if name in data and data[name] is None:
            data[name] = empty
    return data


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`. A header with an unknown token is refused (401)
    rather than treated as anonymous, so a client notices a revoked token at once."""

    def authenticate(self, request: HttpRequest, token: str):
        token = (token or "").strip()
        record = (
            ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(token)).first()
            if token
            else None
        )
        if record is None or not record.user.is_active:
            raise AuthenticationError(401, _("The API token is not valid; request a new one."))
        now = timezone.now()
        if record.last_used_at is None or (now - record.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
            record.last_used_at = now
        request.user = record.user
        request.api_token = record
        return record.user


class SessionAuth(APIKeyCookie):
    """The browser's Django session (ninja's SessionAuth, but the CSRF check only applies to
    a request that is actually logged in, so an anonymous POST gets 401, not a CSRF error)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "csrf")
        return user

    def authenticate(self, request: HttpRequest, key: str | None):  # pragma: no cover - __call__ decides
        return request.user if request.user.is_authenticated else None


class Anonymous:
    """Last link of `optional_auth`: lets a request without credentials through."""

    def __call__(self, request: HttpRequest):
        return _ANONYMOUS


class _AnonymousMarker:
    def __bool__(self) -> bool:  # ninja only accepts a truthy auth result
        return True


_ANONYMOUS = _AnonymousMarker()

auth_chain = [BearerAuth(), SessionAuth()]
optional_auth = [*auth_chain, Anonymous()]
# For the OpenAPI document of an `optional_auth` operation: either credential, or none ({}).
OPTIONAL_AUTH_OPENAPI = {"security": [{"BearerAuth": []}, {"SessionAuth": []}, {}]}


def current_user(request: HttpRequest):
    """The authenticated user of an API request, or AnonymousUser."""
    auth = getattr(request, "auth", None)
    if auth is not None and getattr(auth, "is_authenticated", False):
        return auth
    return AnonymousUser()


def require_user(request: HttpRequest):
    user = current_user(request)
    if not user.is_authenticated:
        raise Unauthenticated(_("Please log in first."))
    return user


# --- errors ------------------------------------------------------------------------------


class ErrorOut(Schema):
    message: str = Field(description="For people, in the request's language")
    code: str = Field(description="For programs: stable, e.g. invalid, forbidden, state_conflict")
    errors: dict[str, str] | None = Field(None, description="Field name → what is wrong with it")
    duplicate_of: int | None = Field(
        None,
        description="With code possible_duplicate: the similar wish; with duplicate_resident: the "
        "resident already recorded with that phone",
    )


ERROR_RESPONSES = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
THROTTLED = {429: ErrorOut}
"""For an operation behind a rate limit or the login lockout: it may answer 429 (Retry-After)."""

_CODE_LIKE = re.compile(r"^[a-z][a-z0-9_]*$")


def error_response(
    api, request, status: int, code: str, message: str, errors: dict | None = None, **extra
) -> HttpResponse:
    body: dict[str, Any] = {"message": str(message), "code": code}
    if errors:
        body["errors"] = {str(k): str(v) for k, v in errors.items()}
    body.update(extra)
    return api.create_response(request, body, status=status)


def service_error_fields(exc: ServiceError) -> tuple[dict[str, str], dict]:
    """A ServiceError's field errors as a client shows them, and its `duplicate_of` apart."""
    fields = dict(exc.fields)
    extra = {}
    if "duplicate_of" in fields:
        value = fields.pop("duplicate_of")
        extra["duplicate_of"] = int(value) if str(value).isdigit() else value
    # Services name a field's problem either in words or by a short code ("over_cap"); a
    # client shows the words, so a code is replaced by the error's own message.
    errors = {str(k): str(exc.message if _CODE_LIKE.match(str(v)) else v) for k, v in fields.items()}
    return errors, extra


def _service_error(api, request, exc: ServiceError):
    errors, extra = service_error_fields(exc)
    response = error_response(api, request, exc.status, exc.code, exc.message, errors, **extra)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(max(1, int(retry_after)))
    return response


# pydantic error types → a message a person understands (in their language).
def field_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "null_character":
        return _("Null characters are not allowed.")
    if kind == "string_pattern_mismatch":
        return _("This value contains characters that are not allowed.")
    if kind in {"string_too_long", "too_long"}:
        return _("At most %(max)d characters.") % {"max": int(ctx.get("max_length", 0))}
    if kind in {"string_too_short", "too_short"}:
        return _("At least %(min)d characters.") % {"min": int(ctx.get("min_length", 0))}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"decimal_parsing", "decimal_type", "float_parsing", "float_type"} or kind.startswith(
        "decimal_"
    ):
        return _("Enter a number.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Enter a number of at least %(min)s.") % {"min": ctx.get("ge", ctx.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Enter a number of at most %(max)s.") % {"max": ctx.get("le", ctx.get("lt", ""))}
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Enter the date as YYYY-MM-DD.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind in {"string_type", "model_type", "dict_type", "list_type", "model_attributes_type"}:
        return _("This value has the wrong type.")
    return _("This value is not valid.")


# Where a value came from in ninja's error locations, and the names our endpoints give a
# whole-body parameter: neither is a field name a client knows.
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}
BODY_PARAM = "data"


def _field_name(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] in {BODY_PARAM, "filters"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_error(api, request, exc: NinjaValidationError):
    errors: dict[str, str] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(error.get("loc", ())), field_message(error))
    if len(errors) == 1:
        message = next(iter(errors.values()))
    else:
        message = _("Some fields are not valid; see the details.")
    return error_response(api, request, 422, "invalid", message, errors)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    429: "throttled",
}


def _http_error(api, request, exc: HttpError):
    status = exc.status_code
    if status == 403 and exc.message == "csrf":
        return error_response(
            api, request, 403, "csrf_failed",
            _("The form expired or the CSRF token is missing; reload the page and try again."),
        )  # fmt: skip
    messages = {
        400: _("The request could not be read; send JSON."),
        401: _("Please log in first."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        429: _("Too many requests; please wait a moment and try again."),
    }
    message = messages.get(status, exc.message)
    if isinstance(exc, AuthenticationError) and exc.message not in {"Unauthorized", ""}:
        message = exc.message  # our own, already translated (e.g. a bad token)
    return error_response(api, request, status, _HTTP_CODES.get(status, "error"), message)


def _not_found(api, request, exc):
    return error_response(api, request, 404, "not_found", _("Not found."))


def _forbidden(api, request, exc):
    return error_response(api, request, 403, "forbidden", _("You are not allowed to do this."))


def _django_validation(api, request, exc: DjangoValidationError):
    errors = {}
    if hasattr(exc, "error_dict"):
        errors = {
            field: " ".join(str(m) for e in errs for m in e.messages)
            for field, errs in exc.error_dict.items()
        }
    message = next(iter(errors.values()), None) or " ".join(exc.messages)
    return error_response(api, request, 422, "invalid", message, errors)


def _unreadable(api, request, exc):
    # e.g. a form posted to a JSON endpoint after the CSRF check read the form stream
    return error_response(api, request, 400, "bad_request", _("The request could not be read; send JSON."))


def _too_large(api, request, exc):
    return error_response(api, request, 413, "too_large", _("The request is too large."))


def _suspicious(api, request, exc):
    # e.g. too many form fields or files: Django refuses the request body
    return error_response(api, request, 400, "bad_request", _("The request could not be read; send JSON."))


def _server_error(api, request, exc):
    """A bug: logged with its traceback and signalled like any Django error (so error
    reporters and the test client see it); the client still gets our JSON shape."""
    logger.error("Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500})
    got_request_exception.send(sender=None, request=request)
    return error_response(
        api, request, 500, "server_error", _("Something went wrong on our side; please try again later.")
    )


def install_error_handlers(api) -> None:
    """Replace ninja's default handlers so that every error is our JSON shape."""
    api.add_exception_handler(Exception, lambda request, exc: _server_error(api, request, exc))
    api.add_exception_handler(SuspiciousOperation, lambda request, exc: _suspicious(api, request, exc))
    api.add_exception_handler(RawPostDataException, lambda request, exc: _unreadable(api, request, exc))
    api.add_exception_handler(UnreadablePostError, lambda request, exc: _unreadable(api, request, exc))
    api.add_exception_handler(RequestDataTooBig, lambda request, exc: _too_large(api, request, exc))
    api.add_exception_handler(ServiceError, lambda request, exc: _service_error(api, request, exc))
    api.add_exception_handler(NinjaValidationError, lambda request, exc: _validation_error(api, request, exc))
    api.add_exception_handler(HttpError, lambda request, exc: _http_error(api, request, exc))
    api.add_exception_handler(Http404, lambda request, exc: _not_found(api, request, exc))
    api.add_exception_handler(PermissionDenied, lambda request, exc: _forbidden(api, request, exc))
    api.add_exception_handler(
        DjangoValidationError, lambda request, exc: _django_validation(api, request, exc)
    )


def _json_method_not_allowed(view):
    """ninja answers a wrong method with a plain-text 405; make it our JSON error."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                {"message": _("This method is not allowed here."), "code": "method_not_allowed"}, status=405
            )
            response["Allow"] = allowed
        return response

    return wrapper


class WeiguangAPI(NinjaAPI):
    """NinjaAPI whose every error, including a wrong HTTP method, is JSON."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        install_error_handlers(self)
        self._schemas: dict = {}

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        # Building the document takes seconds and it never changes while the process runs: a
        # public URL that costs that much on every request is an easy way to load the server.
        key = (path_prefix, tuple(sorted((path_params or {}).items())), get_language())
        if key not in self._schemas:
            self._schemas[key] = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return self._schemas[key]

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns, app_name, namespace


# --- endpoints: /auth --------------------------------------------------------------------

router = Router(tags=["auth"])

# What a login through POST /auth/token must pass besides the password: each check is called as
# check(request, user, data) once the password is right and refuses with a ServiceError. Core
# knows no second factor; accounts registers its check from its AppConfig.ready().
TOKEN_CHECKS: list = []


def register_token_check(check) -> None:
    if check not in TOKEN_CHECKS:
        TOKEN_CHECKS.append(check)


def run_token_checks(request, user, data) -> None:
    """Before any endpoint hands `user` a token (the password's, the SMS code's)."""
    for check in TOKEN_CHECKS:
        check(request, user, data)


# The `otp` field of a request for a token (two-factor sign-in).
OTP = Field(
    None,
    max_length=20,
    description="The code of the user's authenticator app, or one of their recovery codes: "
    "required from a user who has set up two-factor sign-in (street admins must)",
)


class TokenIn(InSchema):
    username: Text = Field(min_length=1, max_length=150)
    password: Text = Field(min_length=1, max_length=4096)
    otp: Text | None = OTP


class TokenOut(Schema):
    token: str


class CsrfOut(Schema):
    token: str


class RoleOut(Schema):
    role: str
    region_path: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[RoleOut]


@router.post(
    "/token",
    auth=None,
    response={201: TokenOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Exchange a username and password for an API token",
)
def issue_token(request, data: TokenIn):
    """Returns a new bearer token. The token is shown only once; send it as
    `Authorization: Bearer <token>`. Repeated wrong passwords lock the user name at that
    address (and many at one address lock the address) for a while, the same lockout as the
    login page's: 429 with the wait in `message` and in the Retry-After header (seconds).
    A user with two-factor sign-in sends the code as `otp` too (missing: 422 `otp_required`;
    wrong: 401 `invalid_otp`, counted in the same lockout); a street admin who has not set it up
    yet gets 403 `otp_setup_required` until they do so on the website."""
    user = authenticate(request, username=data.username, password=data.password)
    if user is None or not user.is_active:
        if lockout.is_refused(request):
            raise TooManyAttempts(lockout.message(request, data.username))
        raise BadCredentials(_("Wrong username or password."))
    run_token_checks(request, user, data)
    # as a login through the page: last_login, the access log, and this user's failures at
    # this address are cleared (core.lockout)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return Status(201, {"token": ApiToken.issue(user)})


@router.delete("/token", response={204: None, 401: ErrorOut}, summary="Revoke the token used by this request")
def revoke_token(request):
    token = getattr(request, "api_token", None)
    if token is None:
        raise ServiceError(_("This request was not made with an API token."), code="no_token")
    token.delete()
    return Status(204, None)


@router.get("/csrf", auth=None, response=CsrfOut, summary="A CSRF token for session (browser) clients")
def csrf_token(request):
    """Sets the CSRF cookie and returns the token to send as the `X-CSRFToken` header."""
    return {"token": get_token(request)}


def me_body(user) -> dict:
    """Who the user is (MeOut): the start of GET /me, which accounts extends with the profile
    (accounts/api/me.py)."""
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "roles": [{"role": role, "region_path": path} for role, path in memberships(user)],
    }


# --- bodies with photos ------------------------------------------------------------------


def parse_body(request, schema: type[pydantic.BaseModel], files: str = "photos"):
    """Parse a JSON or a multipart/form body into `schema`; returns (data, uploaded files).
    For endpoints that take photos: JSON clients send none, forms send them as `files`."""
    content_type = request.content_type or ""
    uploads = []
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raw = {k: v for k, v in request.POST.items()}
        uploads = request.FILES.getlist(files)
    elif request.body:
        try:
            raw = json.loads(request.body)
        except ValueError:
            raise HttpError(400, "Cannot parse request body") from None
        if not isinstance(raw, dict):
            raise NinjaValidationError([{"loc": ("body",), "type": "dict_type", "msg": "not an object"}])
    else:
        raw = {}
    try:
        return schema.model_validate(raw), uploads
    except pydantic.ValidationError as e:
        raise NinjaValidationError(
            [{"loc": ("body", *err["loc"]), "type": err["type"], "ctx": err.get("ctx")} for err in e.errors()]
        ) from None


def json_or_multipart_body(schema: type[pydantic.BaseModel], files: str = "photos") -> dict:
    """The OpenAPI request body of an endpoint read with parse_body(): JSON, or a form with
    the same fields plus up to 6 pictures under `files`."""
    json_schema = schema.model_json_schema()
    form = {
        "type": "object",
        "required": json_schema.get("required", []),
        "properties": {
            **{name: {"type": "string"} for name in json_schema.get("properties", {})},
            files: {"type": "array", "items": {"type": "string", "format": "binary"}},
        },
    }
    return {
        "required": True,
        "content": {"application/json": {"schema": json_schema}, "multipart/form-data": {"schema": form}},
    }


# --- fallback: unknown paths under the API answer JSON too --------------------------------

fallback_router = Router()


@fallback_router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{anypath:rest}", auth=None, include_in_schema=False
)
def unknown_path(request, rest: str):
    raise Http404
