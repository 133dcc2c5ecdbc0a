from __future__ import annotations

LARGE_TEXT_COOKIE = "wg_large"


class PreferencesMiddleware:
    """Reads the resident's display preferences (large-text high-contrast mode) from a cookie,
    so the choice stays on across visits and works without logging in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.large_text = request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"
        return self.get_response(request)
