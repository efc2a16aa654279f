"""Each analyst query in queries/ says what it answers and gives the catalogue's real answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from cradle.core.settings import QUERIES_DIR
from cradle.graph.build.store import open_store
from cradle.graph.sparql.run import run_query

QUERIES = sorted(QUERIES_DIR.glob("*.rq"))


def rows(graph_dir: Path, name: str) -> list[dict[str, str | None]]:
    result = run_query(open_store(graph_dir), (QUERIES_DIR / name).read_text())
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


@pytest.mark.parametrize("path", QUERIES, ids=[p.name for p in QUERIES])
def test_query_opens_with_what_it_answers(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# ") and len(first) > 20


def test_resources_per_locality(graph_dir: Path) -> None:
    got = {
        r["locality"]: (int(r["published"]), int(r["adopts"]))
        for r in rows(graph_dir, "resources_per_locality.rq")
    }
    assert got["Manchester"] == (8, 1) and got["England"] == (9, 0)
    assert got["Bury"] == (0, 0) and got["Trafford"] == (0, 1) and got["Wigan"] == (0, 1)
    assert sum(p for p, _ in got.values()) == 39


def test_coverage_matrix_keeps_zeros(graph_dir: Path) -> None:
    data = rows(graph_dir, "coverage_matrix.rq")
    cells = {(r["borough"], r["topic"]): int(r["resources"]) for r in data}
    assert len({b for b, _ in cells}) == 10 and len(cells) == 10 * len({t for _, t in cells})
    assert cells[("Bolton", "Safer sleep")] == 1  # available ones (status=available)
    assert cells[("Bury", "Safer sleep")] == 0
    assert cells[("Trafford", "Infant crying")] == 1  # adopts ICON
    assert cells[("Manchester", "Infant safety")] >= cells[("Manchester", "Safer sleep")]


def test_coverage_matrix_parameters(graph_dir: Path) -> None:
    text = (QUERIES_DIR / "coverage_matrix.rq").read_text()
    every = text.replace("VALUES ?status { status:available }", "VALUES ?status { UNDEF }")
    result = run_query(open_store(graph_dir), every)
    cells = {(s["borough"].value, s["topic"].value): int(s["resources"].value) for s in result}
    assert cells[("Bolton", "Safer sleep")] == 2  # one available, one not (status=all)
    wider = text.replace("loc:greater-manchester", "loc:north-west")
    north_west = {s["borough"].value for s in run_query(open_store(graph_dir), wider)}
    gm = {s["borough"].value for s in run_query(open_store(graph_dir), text)}
    assert gm < north_west and len(north_west) == 24 and "Liverpool" in north_west


def test_programme_adoption(graph_dir: Path) -> None:
    got = {
        r["programme"]: (int(r["boroughs"]), r["adopted_in"])
        for r in rows(graph_dir, "programme_adoption.rq")
    }
    assert got["ICON Babies cry, you can cope Programme"][0] == 8
    assert got["Family Nurse Partnership programme"] == (3, "Oldham, Salford, Stockport")


def test_awaiting_information(graph_dir: Path) -> None:
    data = rows(graph_dir, "awaiting_information.rq")
    assert len(data) == 6
    crying = next(r for r in data if r["title"].startswith("Coping with infant crying"))
    assert (crying["status"], crying["expected"]) == ("In development", "2021-12")


def test_resources_by_format(graph_dir: Path) -> None:
    got = {r["format"]: int(r["resources"]) for r in rows(graph_dir, "resources_by_format.rq")}
    assert sum(got.values()) == 39 and got["PowerPoint"] == 1 and got["YouTube video"] == 2


def test_topic_synonyms(graph_dir: Path) -> None:
    got = {r["topic"]: r["synonyms"] or "" for r in rows(graph_dir, "topic_synonyms.rq")}
    assert "cot death" in got["Sudden infant death"] and "SIDS" in got["Sudden infant death"]
    assert "shaken baby" in got["Abusive head trauma"]
    assert sum(1 for s in got.values() if s) >= 15


def test_boroughs_without_safer_sleep_agree_with_coverage(graph_dir: Path) -> None:
    from cradle.api import Catalogue

    got = {r["borough"] for r in rows(graph_dir, "boroughs_without_topic.rq")}
    assert "Bury" in got and "Bolton" not in got and "Manchester" not in got
    cover = Catalogue.open(graph_dir).coverage()  # /gaps's numbers, same defaults
    column = next(
        c for c in cover.columns if "safer" in str(c).lower() and "sleep" in str(c).lower()
    )
    assert got == set(cover.index[cover[column] == 0])


PLAIN = QUERIES_DIR.parent / "bench" / "queries_plain"


@pytest.mark.parametrize("path", sorted(PLAIN.glob("*.rq")), ids=lambda p: p.name)
def test_tuned_query_gives_the_plain_forms_rows(graph_dir: Path, path: Path) -> None:
    """queries/ holds forms tuned for the store; bench/queries_plain/ the plain ones rdflib gets."""
    store = open_store(graph_dir)
    tuned = run_query(store, (QUERIES_DIR / path.name).read_text())
    names = [v.value for v in tuned.variables]
    got = [tuple(str(s[n]) for n in names) for s in tuned]
    plain = run_query(store, path.read_text())
    want = [tuple(str(s[n]) for n in names) for s in plain]
    assert got and (got == want if "ORDER BY" in path.read_text() else sorted(got) == sorted(want))
