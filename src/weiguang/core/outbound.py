"""Posting JSON to a service outside Weiguang (an SMS gateway, a chat group's robot), with one
reading of its answer: try again later, or refused for good."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


class TryLater(Exception):
    """The service could not take the message now (5xx, 408, 429, a redirect, a timeout, no
    connection): the same message may be sent again later."""


class Refused(Exception):
    """The service refused the message for good (any other 4xx, or its own error code)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an error of the configured URL (the message stays queued)


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, payload: dict, *, timeout: float, headers: dict | None = None) -> bytes:
    """POST `payload` as UTF-8 JSON; the body of a 2xx answer (at most 10 kB)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    sent = {
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json",
        **(headers or {}),
    }
    request = urllib.request.Request(url, data=body, headers=sent, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.read(10_000)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace")
        if exc.code in (408, 429) or exc.code >= 500 or exc.code < 400:
            raise TryLater(f"HTTP {exc.code}: {detail}") from None
        raise Refused(f"HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:  # no connection, a timeout
        raise TryLater(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None


def json_answer(answer: bytes) -> dict:
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
