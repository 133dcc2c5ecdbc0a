"""Navigation entries, home tiles, object links and the role flags they ask about. Each app
registers its own from its AppConfig.ready() (`register_flag`, `register_entry`, `register_tile`,
`register_object_link`); the header (`{% load nav %}`), site's home page and the object pages
read them. Core knows no app's entries.

A role flag is a fact about the user ("is a resident", "handles a department's demands"). It is
either a query expression on the user's row (`annotation`: all of them are read in one query,
the first time any is asked) or computed from the user and other flags (`compute`). A user's
flags are computed at most once per request: `role_flags(user)` is kept on the user object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

# A URL: the name of a URL pattern without arguments, or a callable (flags) -> URL.
Url = str | Callable[["Flags"], str]
# Who sees it: a flag's name (its value is truthy) or a callable (flags) -> bool.
When = str | Callable[["Flags"], bool] | None


@dataclass(frozen=True)
class Flag:
    name: str
    annotation: Callable[[], Any] | None = None  # () -> expression over the user model's row
    compute: Callable[[Flags], Any] | None = None  # (flags) -> value
    default: Any = False  # for anonymous users


@dataclass(frozen=True)
class Entry:
    """A link of the header's navigation."""

    key: str  # data-nav
    label: Any  # lazy translatable
    url: Url
    order: int
    when: When = None
    badge: Callable[[Flags], int] | None = None  # (flags) -> the number beside the label


@dataclass(frozen=True)
class Tile:
    """A tile of the home page: an icon, a label and a line under it (a caption, or a count)."""

    key: str  # data-tile
    label: Any
    url: Url
    order: int
    icon: str
    when: When = None
    # Lazy text (a plural from ngettext_lazy(..., "n") gets n = the count), or (flags, counted) -> text or None.
    caption: Any = None
    count: Callable[[Flags], Any] | None = None  # (flags) -> the number(s) for caption/notice
    primary: bool | Callable[[Flags], bool] = False
    hide_when_zero: bool = False  # shown only while its count is non-zero
    notice: Callable[[Flags, Any], str | None] | None = None  # (flags, counted) -> a line above the tiles


@dataclass(frozen=True)
class ObjectLink:
    """A link an app shows on the page of another app's object (matching's candidates on a wish's
    page), so that the app below names no URL of the app above."""

    key: str  # data-testid
    label: Any
    url: Callable[[Any], str]  # (obj) -> URL
    order: int
    when: Callable[[Flags, Any], bool]  # (flags, obj) -> shown?


# Filled by each app from its AppConfig.ready(); read by the header, the home page and object pages.
FLAGS: dict[str, Flag] = {}
ENTRIES: dict[str, Entry] = {}
TILES: dict[str, Tile] = {}
OBJECT_LINKS: dict[str, dict[str, ObjectLink]] = {}  # page ("wish", "demand") -> key -> link


def register_flag(
    name: str,
    *,
    annotation: Callable[[], Any] | None = None,
    compute: Callable[[Flags], Any] | None = None,
    default: Any = False,
) -> None:
    """A role flag `name`, read as `flags.<name>` in predicates and templates. `annotation` is
    called once (after the apps are loaded) for an expression over the user model."""
    if (annotation is None) == (compute is None):
        raise ValueError(f"flag {name!r}: give either an annotation or a compute function")
    FLAGS[name] = Flag(name, annotation, compute, default)


def register_entry(key: str, label, url: Url, *, order: int, when: When = None, badge=None) -> None:
    """A navigation entry; registering the same key again replaces it."""
    ENTRIES[key] = Entry(key, label, url, order, when, badge)


def register_tile(key: str, label, url: Url, *, order: int, icon: str, **options) -> None:
    """A home tile (options: when, caption, count, primary, hide_when_zero, notice; see Tile);
    registering the same key again replaces it."""
    TILES[key] = Tile(key, label, url, order, icon, **options)


def register_object_link(page: str, key: str, label, url: Callable[[Any], str], *, order: int, when) -> None:
    """A link on the object pages named `page` (its template: `{% object_links page obj as links %}`),
    shown when `when(flags, obj)`; registering the same key again replaces it."""
    OBJECT_LINKS.setdefault(page, {})[key] = ObjectLink(key, label, url, order, when)


class Flags:
    """The role flags of one user, each computed the first time it is read."""

    def __init__(self, user) -> None:
        self.user = user
        self.authenticated = bool(getattr(user, "is_authenticated", False))
        self._values: dict[str, Any] = {}
        self._memo: dict[Callable, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            pass
        flag = FLAGS.get(name)
        if flag is None:
            raise AttributeError(f"no role flag {name!r} is registered")
        if not self.authenticated:
            self._values[name] = flag.default
        elif flag.annotation is not None:
            self._read_row()
        else:
            self._values[name] = flag.compute(self)
        return self._values[name]

    def __getitem__(self, name: str) -> Any:  # templates look up `flags.x` as flags["x"] first
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def _read_row(self) -> None:
        """Every annotated flag not read yet, in one query on the user's row."""
        todo = {f"nav_{n}": f for n, f in FLAGS.items() if f.annotation is not None and n not in self._values}
        row = (
            get_user_model()
            ._default_manager.filter(pk=self.user.pk)
            .annotate(**{a: f.annotation() for a, f in todo.items()})
        )
        values = row.values(*todo).first() or {}
        for alias, flag in todo.items():
            self._values[flag.name] = values.get(alias, flag.default)

    def memo(self, fn: Callable[[Flags], Any]) -> Any:
        """fn(self), computed once per request (a count shared by an entry and a tile)."""
        if fn not in self._memo:
            self._memo[fn] = fn(self)
        return self._memo[fn]

    def passes(self, when: When) -> bool:
        if when is None:
            return True
        if isinstance(when, str):
            return bool(getattr(self, when))
        return bool(when(self))

    def url(self, url: Url) -> str:
        return url(self) if callable(url) else reverse(url)


def role_flags(user) -> Flags:
    """The user's flags, kept on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return Flags(user)
    cached = getattr(user, "_wg_flags", None)
    if cached is None:
        cached = user._wg_flags = Flags(user)
    return cached


def forget(user) -> None:
    """Drop the cached flags (after a role was granted or removed)."""
    if hasattr(user, "_wg_flags"):
        del user._wg_flags


def entries_for(user, path: str = "") -> list[dict]:
    """The navigation for the user: [{key, url, label, badge, active}] in order."""
    flags = role_flags(user)
    items = []
    for entry in sorted(ENTRIES.values(), key=lambda e: e.order):
        if not flags.passes(entry.when):
            continue
        url = flags.url(entry.url)
        target = url.split("#")[0]
        item = {
            "key": entry.key,
            "url": url,
            "label": entry.label,
            "active": target != "/" and path.startswith(target),
        }
        if entry.badge is not None:
            item["badge"] = flags.memo(entry.badge)
        items.append(item)
    # /staff/wishes/all/ lies under /staff/wishes/ too: only the closest entry is the current one
    longest = max((len(i["url"].split("#")[0]) for i in items if i["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"].split("#")[0]) == longest
    return items


def tiles_for(user) -> tuple[list[str], list[dict]]:
    """The home page's notices and tiles for the user: ([text], [{key, url, label, icon, caption,
    primary}]); each tile's count is computed only when the user sees the tile."""
    flags = role_flags(user)
    notices, tiles = [], []
    for tile in sorted(TILES.values(), key=lambda t: t.order):
        if not flags.passes(tile.when):
            continue
        counted = flags.memo(tile.count) if tile.count is not None else None
        if tile.hide_when_zero and not counted:
            continue
        url = flags.url(tile.url)
        caption = tile.caption
        if callable(caption):
            caption = caption(flags, counted)
        elif caption is not None and isinstance(counted, int):
            caption = caption % {"n": counted}
        primary = tile.primary(flags) if callable(tile.primary) else tile.primary
        if tile.notice is not None and (notice := tile.notice(flags, counted)):
            notices.append({"text": notice, "url": url})
        tiles.append(
            {
                "key": tile.key,
                "url": url,
                "label": tile.label,
                "icon": tile.icon,
                "caption": caption,
                "primary": primary,
            }
        )
    return notices, tiles


def object_links_for(user, page: str, obj) -> list[dict]:
    """The links registered for `page` that the user sees on `obj`'s page: [{key, url, label}] in order."""
    flags = role_flags(user)
    links = sorted(OBJECT_LINKS.get(page, {}).values(), key=lambda link: link.order)
    return [
        {"key": link.key, "url": link.url(obj), "label": link.label}
        for link in links
        if link.when(flags, obj)
    ]
