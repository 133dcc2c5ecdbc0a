"""A Chinese 404 and 500 page in the site's style, and a favicon (issue 9, item 10)."""

from __future__ import annotations

import pytest
from django.urls import include, path

from weiguang.core.views import server_error


def boom(request):
    raise RuntimeError("a bug")


def bad(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("a forged request")


urlpatterns = [path("boom/", boom), path("bad/", bad), path("", include("weiguang.urls"))]
handler400 = "weiguang.core.views.bad_request"
handler500 = "weiguang.core.views.server_error"


@pytest.mark.django_db
def test_a_server_error_is_a_chinese_page_in_the_site_style(client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "出错了" in page and "返回首页" in page and 'href="/"' in page
    assert "Server Error" not in page and "微光" in page
    assert 'lang="zh-Hans"' in page and "#c8102e" in page  # the site's red bar
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_bad_request_is_a_chinese_page_too(client, settings):
    settings.ROOT_URLCONF = __name__
    response = client.get("/bad/")
    page = response.content.decode()
    assert response.status_code == 400
    assert "请求有误" in page and "返回首页" in page and "微光" in page and "Bad Request" not in page


def test_the_500_page_renders_without_a_request_or_a_database(rf):
    """No context processor runs (they may be what failed): a bare request suffices."""
    from django.utils import translation

    with translation.override("zh-hans"):
        response = server_error(rf.get("/"))
    assert response.status_code == 500 and "出错了" in response.content.decode()


@pytest.mark.django_db
def test_the_500_page_is_english_for_an_english_visitor(client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/boom/").content.decode()
    assert "Something went wrong" in page and 'lang="en"' in page


@pytest.mark.django_db
def test_a_missing_page_is_a_chinese_page_with_the_site_around_it(client):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page
    assert "core/weiguang.css" in page and 'class="site-header"' in page


@pytest.mark.django_db
def test_an_api_404_stays_json(client):
    response = client.get("/api/v1/wishes/999999")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_every_page_links_the_icon_and_favicon_ico_answers(client):
    page = client.get("/").content.decode()
    assert 'rel="icon" href="/static/core/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/core/favicon.ico"
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert client.get("/static/core/favicon.svg").status_code == 200
