"""Hostile and odd search input (issue 7, item 5): a 4xx with a clear message or a correct
answer, never a 5xx; invisible characters and look-alike letters do not change the answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cradle.service.app import create_app
from cradle.service.querytext import clean_query
from tests.support import fake_settings
from tests.support.service import built_dir, raw_get


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = create_app(fake_settings(built_dir(tmp_path_factory)))
    with TestClient(app):
        yield app


@pytest.fixture(scope="module")
def client(app: Any) -> TestClient:
    return TestClient(app)


def uris(client: TestClient, q: str) -> list[str]:
    r = client.get("/search", params={"q": q, "k": 10})
    assert r.status_code == 200, r.text
    return [h["uri"] for h in r.json()["results"]]


@pytest.mark.parametrize("q", ["", " ", "\t\n", "\u200b\u200d\u2060", "\u202e\u202c", "\x00"])
def test_empty_or_invisible_query_is_422(client: TestClient, q: str) -> None:
    r = client.get("/search", params={"q": q})
    assert r.status_code == 422
    assert "empty" in r.json()["detail"]


def test_missing_query_is_422_naming_q(client: TestClient) -> None:
    r = client.get("/search")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "q"]


@pytest.mark.parametrize("k", ["0", "-1", str(10**9), "ten", "1.5", "", "NaN", "1e3"])
def test_bad_k_is_422_naming_k(client: TestClient, k: str) -> None:
    r = client.get("/search", params={"q": "safe sleep", "k": k})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["loc"] == ["query", "k"] and detail[0]["msg"]
    assert "input" not in detail[0]  # the rejected value is not echoed back


@pytest.mark.parametrize("facet", ["locality", "topic", "format", "audience", "status"])
def test_unknown_facet_value_is_422_naming_the_facet(client: TestClient, facet: str) -> None:
    r = client.get("/search", params={"q": "safe sleep", facet: "atlantis"})
    assert r.status_code == 422
    assert facet in r.json()["detail"] and "atlantis" in r.json()["detail"]


def test_hundred_thousand_character_query_is_422(app: Any) -> None:
    status, headers, body = raw_get(app, "/search", b"q=" + b"a" * 100_000)
    assert status == 422
    assert b"1000" in body and len(body) < 1000  # a short message, not the query echoed


def test_hundred_thousand_character_query_in_the_ui_is_422(app: Any) -> None:
    status, _, body = raw_get(app, "/", b"q=" + b"b" * 100_000, [(b"accept", b"text/html")])
    assert status == 422
    assert b"at most 1000 characters" in body


@pytest.mark.parametrize(
    "disguised",
    [
        "sa\u200bfe sle\u200cep",  # zero-width space and non-joiner
        "\u202esafe sleep\u202c",  # bidi override and pop
        "\u2067safe\u2069 \ufeffsleep",  # isolates and a BOM
        "s\u0430fe sl\u0435ep",  # Cyrillic а and е
        "\uff53\uff41\uff46\uff45 sleep",  # full-width letters
        "safe\x00 sleep",  # NUL
    ],
)
def test_invisible_and_look_alike_characters_do_not_change_the_answer(
    client: TestClient, disguised: str
) -> None:
    assert uris(client, disguised) == uris(client, "safe sleep")
    assert client.get("/search", params={"q": disguised}).json()["query"] == "safe sleep"


def test_invisible_characters_in_facet_values_are_dropped(client: TestClient) -> None:
    plain = client.get("/search", params={"q": "sleep", "locality": "bolton"}).json()
    odd = client.get("/search", params={"q": "sleep", "locality": "bol\u200bton\u202c"}).json()
    assert odd["results"] == plain["results"]


def test_welsh_query_gets_an_answer_with_its_letters_kept(client: TestClient) -> None:
    r = client.get("/search", params={"q": "Cysgu'n ddiogel i fabanod ŵyr"})
    assert r.status_code == 200
    assert r.json()["query"] == "Cysgu'n ddiogel i fabanod ŵyr"


def test_lone_surrogate_and_bad_percent_encoding_are_answered(app: Any) -> None:
    for query in (b"q=%ED%A0%80safe", b"q=%FF%FEsafe", b"q=%", b"q=safe&q=sleep"):
        status, _, _ = raw_get(app, "/search", query)
        assert status in (200, 422)


def test_query_text_is_escaped_in_the_page(client: TestClient) -> None:
    r = client.get("/", params={"q": "<script>alert(1)</script>"})
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text


def test_clean_query_keeps_genuine_other_scripts() -> None:
    assert clean_query("Москва") == "Москва"  # wholly Cyrillic: not a disguise
    assert clean_query("αβγ test") == "αβγ test"
    assert clean_query("caf\u0065\u0301") == "café"  # NFKC composes
