"""What a person sees when a page is missing or Kith fails: Kith's own calm pages, not bare server text."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path


@pytest.fixture
def no_debug(settings):
    settings.DEBUG = False


def test_a_missing_page_is_kiths_own_with_a_way_back(alice_client, no_debug):
    response = alice_client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Nothing here" in page and 'href="/contacts/"' in page and "kith.css" in page


def test_a_failure_shows_a_page_that_needs_nothing_from_the_request(no_debug, settings):
    settings.ROOT_URLCONF = "tests.test_error_pages"
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on Kith" in response.content.decode()


def _boom(request):
    raise RuntimeError("boom")


# The URLconf of the failure test: one view that fails.
urlpatterns = [path("boom/", _boom)]
