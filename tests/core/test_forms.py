"""Every select of every page form says 请选择 (Please choose), never Django's "---------"."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django import forms

import weiguang
from weiguang.core.forms import PleaseChooseMixin


def page_forms() -> list[type]:
    found = {}
    for module in pkgutil.walk_packages(weiguang.__path__, "weiguang."):
        if not module.name.endswith(("forms", "forms_settings", "views")) or ".migrations" in module.name:
            continue
        for _name, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__.startswith("weiguang."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def test_every_form_with_a_select_shares_the_mixin():
    with_selects = [
        cls for cls in page_forms() if any(isinstance(f, forms.ChoiceField) for f in cls.base_fields.values())
    ]
    assert len(with_selects) >= 15  # demands, wishes, volunteers, partners...
    assert [cls.__qualname__ for cls in with_selects if not issubclass(cls, PleaseChooseMixin)] == []


@pytest.mark.django_db
def test_pages_say_please_choose(client, people):
    client.force_login(people.stranger)  # the account knows no community: the select is empty
    page = client.get("/volunteers/register/").content.decode()
    assert '<option value="" selected>请选择</option>' in page and "---------" not in page
    client.force_login(people.street_admin)
    page = client.get("/projects/new/").content.decode()
    assert "---------" not in page
