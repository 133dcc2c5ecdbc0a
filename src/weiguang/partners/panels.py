"""Sections that apps of a floor above add to a partner unit's page (the lists app adds what
the unit delivered). Registered from the app's AppConfig.ready(), so partners knows no app
above it."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

# panel(request, unit) -> the section's HTML, or "" to show nothing
UnitPanel = Callable[..., SafeString | str]
_unit_panels: list[UnitPanel] = []


def register_unit_panel(panel: UnitPanel) -> None:
    if panel not in _unit_panels:
        _unit_panels.append(panel)


def unit_panels(request, unit) -> list[SafeString | str]:
    return [html for panel in _unit_panels if (html := panel(request, unit))]
