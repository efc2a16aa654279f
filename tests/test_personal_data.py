"""Personal data (issue 7, item 7): the contact names and personal e-mail address in the source
document never reach the graph, the index, the SPARQL endpoint, search results, pages or logs,
even when the private contacts file is configured; staff load that file on purpose only."""

from __future__ import annotations

import ast
import logging
import os
from pathlib import Path

import httpx
import pytest

from cradle.core.errors import ContactsError
from cradle.graph.commands import run_import
from cradle.graph.sources.contacts import Contact, load_contacts, staff_contacts
from cradle.graph.sources.document import import_file
from tests.support import ROOT, fake_settings
from tests.support.service import running_server

#: Named in the document; the test also takes every contact the importer finds.
KNOWN = ["Shona Green", "Steven Gavin", "Sean.roebuck@rochdale.gov.uk"]
EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


@pytest.fixture(scope="module")
def personal(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every personal detail to look for: full contacts and their distinctive parts."""
    from tests.support import SOURCE_DOCUMENT, shared

    shared(SOURCE_DOCUMENT)
    found = [c["contact"] for c in import_file(SOURCE_DOCUMENT).contacts]
    assert set(KNOWN) <= set(found)  # the importer finds them all
    parts = [p for c in found for p in c.replace("@", " ").replace(".", " ").split() if len(p) > 5]
    return sorted({x.lower() for x in found + [p for p in parts if p.lower() != "rochdale"]})


def assert_clean(text: str, personal: list[str], where: str) -> None:
    low = text.lower()
    leaked = [p for p in personal if p in low]
    assert not leaked, f"{where} contains personal data: {leaked}"


@pytest.fixture(scope="module")
def contacts_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support import SOURCE_DOCUMENT, shared

    shared(SOURCE_DOCUMENT)
    out = tmp_path_factory.mktemp("private") / "contacts.yaml"
    run_import(SOURCE_DOCUMENT, tmp_path_factory.mktemp("imp") / "c.yaml", out)
    return out


@pytest.mark.slow
def test_no_personal_data_in_build_endpoint_search_pages_or_logs(
    personal: list[str],
    contacts_file: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from cradle.commands import run_build as build

    caplog.set_level(logging.DEBUG)
    data = tmp_path / "build"
    build(fake_settings(data, private_contacts=contacts_file))
    assert_clean(caplog.text, personal, "the build log")
    out, err = capfd.readouterr()
    assert_clean(out + err, personal, "the build output")
    for path in data.rglob("*"):
        if path.is_file():
            assert_clean(path.read_bytes().decode("utf-8", "replace"), personal, str(path))
    os.environ["CRADLE_PRIVATE_CONTACTS"] = str(contacts_file)  # configured, yet never served
    try:
        with running_server(data, tmp_path / "server.log") as base:
            http = httpx.Client(base_url=base, timeout=30)
            everything = http.post(
                "/sparql", data={"query": EVERYTHING}, headers={"accept": "application/n-triples"}
            )
            assert everything.status_code == 200 and everything.text.count("\n") > 1000
            assert_clean(everything.text, personal, "CONSTRUCT over /sparql")
            for q in [
                "thematic safe sleeping review",
                "coping with infant crying Rochdale",
                "male caregivers training",
                *KNOWN,
                "contact",
                "email",
            ]:
                r = http.get("/search", params={"q": q, "k": 100})
                assert r.status_code == 200  # (the query itself is echoed back: not checked)
                assert_clean(str(r.json()["results"]), personal, f"search {q!r}")
            nodes = (
                http.get("/topics").json()["topics"] + http.get("/localities").json()["localities"]
            )
            for path in [
                "/",
                "/coverage",
                "/query",
                "/gaps",
                "/gaps?format=csv",
                "/health",
                "/docs",
                "/openapi.json",
                "/sparql",
            ]:
                r = http.get(path)
                assert r.status_code == 200, path
                assert_clean(r.text, personal, path)
            pages = [t["iri"].replace("https://w3id.org/cradle", "") for t in nodes]
            hits = http.get("/search", params={"q": "baby", "k": 100}).json()["results"]
            pages += [h["uri"].replace("https://w3id.org/cradle", "") for h in hits]
            assert len(hits) == 39
            for path in pages:
                for accept in ("text/html", "text/turtle"):
                    r = http.get(path, headers={"accept": accept})
                    assert r.status_code == 200, path
                    assert_clean(r.text, personal, path)
        assert_clean((tmp_path / "server.log").read_text(), personal, "the server log")
    finally:
        del os.environ["CRADLE_PRIVATE_CONTACTS"]


def test_contacts_loader_reads_the_private_file(contacts_file: Path) -> None:
    contacts = load_contacts(contacts_file)
    assert {c.contact for c in contacts} >= set(KNOWN)
    assert all(isinstance(c, Contact) and c.entry and c.line > 0 for c in contacts)
    assert contacts_file.read_text().startswith("# PRIVATE")


def test_contacts_are_off_by_default(contacts_file: Path, tmp_path: Path) -> None:
    assert fake_settings(tmp_path).private_contacts is None
    assert staff_contacts(fake_settings(tmp_path)) == []
    assert staff_contacts(fake_settings(tmp_path, private_contacts=contacts_file))


def test_malformed_contacts_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    for text, message in [
        ("[1, 2]", "contacts:"),
        ("contacts:\n  - entry: x\n", "contact 1"),
        ("contacts: [", "cannot read"),
    ]:
        bad.write_text(text)
        with pytest.raises(ContactsError, match=message):
            load_contacts(bad)
    with pytest.raises(ContactsError, match="cannot read"):
        load_contacts(tmp_path / "missing.yaml")


def test_public_stages_never_import_the_contacts_loader() -> None:
    for folder in ("service", "index"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            names = [
                n.module if isinstance(n, ast.ImportFrom) else a.name
                for n in ast.walk(tree)
                if isinstance(n, ast.Import | ast.ImportFrom)
                for a in n.names
            ]
            assert not any(name and "contacts" in name for name in names), path
