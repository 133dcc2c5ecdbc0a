"""The UI is Chinese by default and fully translated; English is available."""

from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_chinese_catalogue_is_complete():
    po = polib.pofile(str(CATALOGUE))
    missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert missing == []
    assert len(po.translated_entries()) > 100


def test_placeholders_survive_translation():
    po = polib.pofile(str(CATALOGUE))
    import re

    for entry in po.translated_entries():
        wanted = sorted(re.findall(r"%\(\w+\)[sd]", entry.msgid))
        got = sorted(re.findall(r"%\(\w+\)[sd]", entry.msgstr or entry.msgstr_plural.get(0, "")))
        assert wanted == got, entry.msgid


def test_pages_default_to_chinese_and_switch_to_english(client, db):
    page = client.get("/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Log in" in client.get("/login/").content.decode()


def test_no_message_is_translated_twice():
    """Two entries for one msgid: the compiled catalogue silently keeps the last, so a page says
    what another app meant (the fair summary said 人次 for its 服务人次 when the check-in desk
    added its own "Person-visits")."""
    po = polib.pofile(str(CATALOGUE))
    seen: dict = {}
    twice = {e.msgid for e in po if seen.setdefault((e.msgctxt, e.msgid), e) is not e}
    assert twice == set()
