"""Helpers for tests that read rendered pages."""


def html(response) -> str:
    return response.content.decode()
