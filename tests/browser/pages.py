"""What every browser journey does: log in as a person, check the page fits the phone, read a
record's status from the page."""

from __future__ import annotations

PASSWORD = "pass-Weiguang-1"  # tests.factories.UserFactory's password


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")
    assert "/login/" not in page.url


def follow(page, selector: str) -> None:
    """Click a link and wait for the page it leads to: asserting on the page right after a
    bare click may read the old page, or none while the new one loads."""
    with page.expect_navigation():
        page.click(selector)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def status_of(page) -> str:
    return page.get_attribute("[data-testid=status]", "data-status")
