"""The remembering negotiation answers exactly as DRF's, first time and every time after."""

import pytest
from django.http import Http404
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from taskmanager.api import negotiation
from taskmanager.api.negotiation import KEPT_ANSWERS, RememberingContentNegotiation

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/*",
    "text/*, application/json",
    "application/json;q=0.1, text/html",
]


@pytest.fixture(autouse=True)
def forgetful(monkeypatch):
    monkeypatch.setattr(RememberingContentNegotiation, "answers", {})


def _request(accept, query=""):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get(f"/api/v1/me/{query}", **headers))


def _select(negotiator, accept, query="", suffix=None):
    renderers = [ORJSONRenderer(), BrowsableAPIRenderer()]
    renderer, media_type = negotiator.select_renderer(_request(accept, query), renderers, suffix)
    return renderers.index(renderer), type(renderer), media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize(
    "query, suffix", [("", None), ("?format=json", None), ("?format=api", None), ("", "json")]
)
def test_the_same_answer_as_drf_and_again_from_memory(accept, query, suffix):
    expected = _outcome(DefaultContentNegotiation(), accept, query, suffix)
    remembering = RememberingContentNegotiation()
    assert _outcome(remembering, accept, query, suffix) == expected
    assert len(RememberingContentNegotiation.answers) == (0 if expected is NotAcceptable else 1)
    # The remembered answer picks the renderer of the new request's list.
    assert _outcome(remembering, accept, query, suffix) == expected


def _outcome(negotiator, *args):
    try:
        return _select(negotiator, *args)
    except NotAcceptable:
        return NotAcceptable


def test_refusals_are_not_remembered():
    remembering = RememberingContentNegotiation()
    for _ in range(2):
        with pytest.raises(NotAcceptable):
            _select(remembering, "application/xml")
        with pytest.raises(Http404):
            _select(remembering, "*/*", "?format=yaml")
    assert RememberingContentNegotiation.answers == {}


def test_what_clients_send_cannot_grow_the_process():
    remembering = RememberingContentNegotiation()
    for n in range(KEPT_ANSWERS * 3):
        assert _select(remembering, f"application/json; v={n}")[1] is ORJSONRenderer
    assert len(RememberingContentNegotiation.answers) == KEPT_ANSWERS
    long_header = "application/json, " + "text/plain;q=0.1, " * 20
    assert len(long_header) > negotiation.KEPT_HEADER_LENGTH
    assert _select(remembering, long_header)[1] is ORJSONRenderer
    assert len(RememberingContentNegotiation.answers) == KEPT_ANSWERS


@pytest.mark.django_db
def test_served_answers_follow_the_accept_header(client):
    for _ in range(2):
        assert (
            client.get("/api/v1/meta/", HTTP_ACCEPT="application/json")["Content-Type"] == "application/json"
        )
        assert client.get("/api/v1/meta/", HTTP_ACCEPT="text/html")["Content-Type"].startswith("text/html")
        refused = client.get("/api/v1/meta/", HTTP_ACCEPT="application/xml")
        assert refused.status_code == 406
        assert refused["Content-Type"] == "application/json"


def test_one_header_with_another_format_or_renderers_is_negotiated_again():
    remembering = RememberingContentNegotiation()
    assert _select(remembering, "*/*")[1] is ORJSONRenderer
    assert _select(remembering, "*/*", "?format=api")[1] is BrowsableAPIRenderer
    assert _select(remembering, "*/*", "", "api")[1] is BrowsableAPIRenderer
    browsable_first = [BrowsableAPIRenderer(), ORJSONRenderer()]
    renderer, _ = remembering.select_renderer(_request("*/*"), browsable_first)
    assert renderer is browsable_first[0]
