"""Templates keep the floors too: import-linter sees Python imports only, so a template of an app
that names a URL of an app on a floor above it (`{% url 'matching:...' %}` in a wish's page) is
caught here. What an app above shows on a page below it, it registers (core/navigation.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

import weiguang

SRC = Path(weiguang.__file__).parent
# The site's root, which every page's header links to: the one URL of the top floor core may name.
ANY_FLOOR = {"home"}
URL_TAG = re.compile(r"""{%\s*url\s+(['"])([\w:.-]+)\1""")


def floors() -> dict[str, int]:
    """app -> floor (0 is core), from the layers contract in pyproject.toml."""
    config = tomllib.loads((SRC.parent.parent / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return {
        module.strip().removeprefix("weiguang."): floor
        for floor, layer in enumerate(reversed(contract["layers"]))
        for module in layer.split(":")
    }


def url_apps(patterns=None, namespace: str = "", app: str | None = None) -> dict[str, str]:
    """URL name (with its namespace) -> the app whose URLconf declares it."""
    found: dict[str, str] = {}
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "")
            inner = module.split(".")[1] if app is None and module.startswith("weiguang.") else app
            prefix = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.update(url_apps(entry.url_patterns, prefix, inner))
        elif isinstance(entry, URLPattern) and entry.name and app is not None:
            found[namespace + entry.name] = app
    return found


def test_no_template_names_a_url_of_a_floor_above():
    floor = floors()
    owner = url_apps()
    assert owner["matching:wish_candidates"] == "matching" and owner["wish_detail"] == "wishes"
    upward = []
    for app, level in floor.items():
        for template in sorted((SRC / app / "templates").rglob("*.html")):
            for _, name in URL_TAG.findall(template.read_text()):
                above = None if name in ANY_FLOOR else owner.get(name)
                if above is not None and floor.get(above, -1) > level:
                    upward.append(f"{template.relative_to(SRC)}: {name} ({above})")
    assert not upward, "templates naming a URL of a floor above them:\n" + "\n".join(upward)
