"""What every browser journey does: log in as a person, check the page fits the phone, read a
record's status from the page; and what two journeys do on the grid worker's wish page: add the
resident the search did not find, on the spot, and record the wish."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "pass-Weiguang-1"  # tests.factories.UserFactory's password


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in with the password and, where the site asks for it (a street admin), the code of the
    person's authenticator app: set up at the first login from the secret the page shows."""
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_selector("form[action='/logout/']")
    assert "/login/" not in page.url
    if page.query_selector("[data-testid=otp-verify]"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from ..otp import code_for

        enter_code(page, code_for(TOTPDevice.objects.get(user__username=username, confirmed=True)))
    elif page.query_selector("[data-testid=otp-setup]"):
        set_up_authenticator(page)
        with page.expect_navigation():
            page.click("[data-testid=recovery-codes] a.btn")


def enter_code(page, code: str) -> None:
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("form button[type=submit].big")


def set_up_authenticator(page) -> str:
    """Type the secret the set-up page shows into an authenticator "app" and confirm its code;
    returns the secret. The page then shows the recovery codes."""
    from ..otp import code_for_secret

    secret = page.inner_text("[data-testid=otp-secret]")
    enter_code(page, code_for_secret(secret))
    page.wait_for_selector("[data-testid=recovery-codes]")
    return secret


def follow(page, selector: str) -> None:
    """Click a link and wait for the page it leads to: asserting on the page right after a
    bare click may read the old page, or none while the new one loads."""
    with page.expect_navigation():
        page.click(selector)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page, folder: Path, name: str) -> None:
    """A screenshot of the whole page, folder/name.png, for a person to look at."""
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def status_of(page) -> str:
    return page.get_attribute("[data-testid=status]", "data-status")


def search_a_resident_not_there(page, name: str) -> None:
    """On the grid worker's wish page: search a name no resident has; the live search opens the
    form to add one on the spot, with the searched name typed in already."""
    page.fill("#resident-q", name)
    page.locator("#add-resident[open]").wait_for()
    assert "找不到？现场添加居民" in page.inner_text("#add-resident")
    assert page.input_value("#id_nr-name") == name


def fill_the_resident(page) -> None:
    page.fill("#id_nr-phone", "137 0000 1111")
    page.fill("#id_nr-building", "5号楼")
    page.fill("#id_nr-door", "2单元302室")
    page.check("[data-testid=add-resident] .choices input >> nth=0")
    page.check("#id_nr-consent")


def add_the_resident(page) -> None:
    """Submit the form that adds the resident: the page comes back with her chosen, or with the
    form's errors."""
    with page.expect_navigation():
        page.click("[data-testid=add-resident-submit]")


def add_a_resident_on_the_spot(page, name: str, grid: str) -> None:
    """All of it, for a grid worker of one `grid`: the search finds no `name`, the form opens with
    the name typed and their grid chosen, they fill it in and add her; she is chosen at step 2."""
    search_a_resident_not_there(page, name)
    assert page.locator("#id_nr-grid option:checked").inner_text().endswith(grid)
    fill_the_resident(page)
    assert fits_the_phone(page)
    add_the_resident(page)
    assert name in page.locator("[data-testid=chosen-resident]").inner_text()


def record_the_wish(page, title: str) -> None:
    page.fill("#id_title", title)
    page.click("#wish-form button[type=submit]:not([name])")
    page.wait_for_selector("[data-testid=status]")
