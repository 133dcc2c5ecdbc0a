"""Actions: what a person may do to a stateful record, driven from its state machine.

Each app keeps one table per machine (`ActionTable`): transition name -> its input (a form on
the page, a schema in the API), the service call that performs it, the page's message and
the API operation's summary. The page's action view dispatches through `run_page_action()`,
and `register_api_actions()` registers one POST endpoint per row. Which buttons a user sees
still comes from `machine.available(obj, user)`.

A service takes the record, the user and keyword inputs; a form's `cleaned_data` and a
schema's fields are those inputs unless the row says how to map them (`page_inputs`,
`api_inputs`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages

from .api import Id, require_user
from .errors import ServiceError
from .forms import apply_service_error
from .transitions import StateMachine


@dataclass(frozen=True)
class Action:
    name: str  # the transition's name, or the name of a step that runs one of `transitions`
    run: Callable[..., Any]  # the service: run(obj, user, **inputs) -> the changed record
    summary: str  # the API operation's summary
    success: Any = ""  # the page's message once done (a lazy string)
    description: str = ""  # the API operation's description
    operation: str = ""  # the API endpoint's name (its operation id's end), if not `name`
    # API: the request body. `body_required=False` makes it optional (its defaults apply);
    # schema None: no body, or one `api_inputs` parses itself (see `openapi_extra`).
    schema: type | None = None
    body_required: bool = False
    api_inputs: Callable[[Any, Any], dict] | None = None  # (request, data) -> inputs
    openapi_extra: dict | None = None
    # page: form(request, obj, data) -> a form, bound when `data` is the POST; None: no input
    form: Callable[..., Any] | None = None
    # (request, valid form or None) -> inputs, or None when they are not enough (shown again);
    # default: the form's cleaned_data
    page_inputs: Callable[[Any, Any], dict | None] | None = None
    lenient: bool = False  # page: an invalid (optional) input is dropped rather than shown
    # the machine's transitions the step may run (e.g. review_return: approve or reject the
    # return); default: the one named `name`
    transitions: tuple[str, ...] = ()


class ActionTable(dict):
    """The actions of one state machine, in the order the API lists them."""

    def __init__(self, machine: StateMachine, actions: Iterable[Action]):
        super().__init__()
        self.machine = machine
        for action in actions:
            for name in action.transitions or (action.name,):
                if machine[name].permission is None:  # a KeyError: the machine has no such transition
                    raise ValueError(f"{name} is done by the system, not by people")
            self[action.name] = action

    def forms(self, request, obj, names: Iterable[str], bound: dict) -> dict:
        """The form of each of `names` that takes input, by name: the bound one from a failed
        attempt, else a fresh one."""
        return {
            name: bound.get(name) or self[name].form(request, obj, None)
            for name in names
            if name in self and self[name].form is not None
        }


def run_page_action(action: Action, request, obj, bound: dict) -> bool:
    """Parse the action's form into `bound[name]` and call its service. False: the form is
    invalid. A refusal by the service propagates as ServiceError."""
    form, cleaned = None, {}
    if action.form is not None:
        form = bound[action.name] = action.form(request, obj, request.POST)
        if form.is_valid():
            cleaned = form.cleaned_data
        elif not action.lenient:
            return False
    inputs = action.page_inputs(request, form) if action.page_inputs else dict(cleaned)
    if inputs is None:  # the form is valid but leaves the step without what it needs
        return False
    action.run(obj, request.user, **inputs)
    return True


def run_page_action_reporting(action: Action, request, obj, bound: dict) -> tuple[bool, int]:
    """run_page_action(), with a refusal shown as the page shows it: its message as a message
    and its field errors on the action's form. (ok, the HTTP status the API would answer.)"""
    try:
        ok = run_page_action(action, request, obj, bound)
    except ServiceError as err:
        messages.error(request, err.message)
        if bound.get(action.name) is not None and err.fields:
            apply_service_error(bound[action.name], err)
        return False, err.status
    return ok, 200 if ok else 422


def _api_inputs(action: Action, request, data) -> dict:
    if action.api_inputs is not None:
        return action.api_inputs(request, data)
    if action.schema is None:
        return {}
    return dict(data if data is not None else action.schema())


def register_api_actions(
    router,
    table: ActionTable,
    *,
    path: str,
    load: Callable[[Any, int], Any],
    render: Callable[[Any, Any], Any],
    response,
    module: str,
):
    """One POST `<path>/<name>` per action of `table`. `path` names one id parameter, e.g.
    "/{id:wish_id}"; `load(user, id)` fetches the record and `render(user, obj)` answers.
    Each endpoint is named after its action (or `operation`) in `module`, so OpenAPI
    operation ids stay `<module>_<name>`."""
    param = path.rsplit(":", 1)[-1].strip("{}/")
    for action in table.values():

        def endpoint(request, _action=action, **kwargs):
            user = require_user(request)
            inputs = _api_inputs(_action, request, kwargs.get("data"))
            obj = load(user, kwargs[param])
            return render(user, _action.run(obj, user, **inputs))

        params = [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(param, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Id),
        ]
        if action.schema is not None:
            params.append(
                inspect.Parameter("data", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=action.schema)
                if action.body_required
                else inspect.Parameter(
                    "data",
                    inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    annotation=action.schema | None,
                    default=None,
                )
            )
        endpoint.__signature__ = inspect.Signature(params)
        endpoint.__name__ = endpoint.__qualname__ = action.operation or action.name
        endpoint.__module__ = module
        endpoint.__doc__ = action.description or None
        router.post(
            f"{path}/{action.name}",
            response=response,
            summary=action.summary,
            openapi_extra=action.openapi_extra,
        )(endpoint)
