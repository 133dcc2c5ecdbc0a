from __future__ import annotations

LARGE_TEXT_COOKIE = "wg_large"


class PreferencesMiddleware:
    """Reads the user's display preferences from cookies, so they stay on across visits and
    work without logging in: the large-text high-contrast mode, and the language.

    Placed before LocaleMiddleware. The UI is Chinese unless the user picks English with the
    language switch (a cookie): the browser's Accept-Language is ignored, because many
    residents use phones set to English without reading it, and a page that changes language
    by device would confuse them and the grid worker helping them. API clients (/api/) do
    choose their language with Accept-Language, as HTTP intends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.large_text = request.COOKIES.get(LARGE_TEXT_COOKIE) == "1"
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
