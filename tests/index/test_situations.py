"""Situations in the thesaurus (issue 27): risk factors, behaviours, household changes and
accidents, each linked to the topics that address it; a question describing one reaches the
topic and ``why`` says so (fake embedder: the graph and BM25 do the work)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from cradle.core.namespaces import SITUATION, SITUATION_SCHEME, TOPIC
from cradle.core.settings import ONTOLOGY_DIR, Settings
from cradle.index.build import build_index
from cradle.index.search import Searcher, open_searcher
from cradle.index.situations import article, as_topics
from tests.support import ROOT

FAKE = Settings.model_validate({"embedder": "fake"})

KINDS = {"risk-factor", "behaviour", "household-change", "accident"}


@pytest.fixture(scope="module")
def searcher(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    out = tmp_path_factory.mktemp("situations")
    shutil.copytree(graph_dir, out, dirs_exist_ok=True)
    build_index(out, FAKE, out / "cache")
    return open_searcher(out, FAKE)


def test_every_situation_has_a_kind_a_definition_a_source_and_existing_topics() -> None:
    g = Graph().parse(ONTOLOGY_DIR / "situations.ttl")
    topics = Graph().parse(ONTOLOGY_DIR / "topics.ttl")
    known = {s for s in topics.subjects(RDF.type, SKOS.Concept)}
    situations = [
        s for s in g.subjects(SKOS.inScheme, SITUATION_SCHEME) if (s, SKOS.broader, None) in g
    ]
    assert len(situations) >= 25
    for s in situations:
        kinds = {str(b)[len(str(SITUATION)) :] for b in g.objects(s, SKOS.broader)}
        assert kinds <= KINDS and len(kinds) == 1, s
        related = list(g.objects(s, SKOS.related))
        assert related and all(isinstance(t, URIRef) and t in known for t in related), s
        assert all(str(t).startswith(str(TOPIC)) for t in related), s
        assert g.value(s, SKOS.definition) and g.value(s, SKOS.editorialNote), s
        assert str(g.value(s, SKOS.editorialNote)).startswith("Source: "), s


def test_situations_are_read_from_the_graph(searcher: Searcher) -> None:
    vocab = searcher.index.vocab
    assert vocab.label("situation", "baby-sling") == "Baby sling"
    assert vocab.related["situation"]["baby-sling"] == ["safer-sleep"]
    assert "situation" not in vocab.related or "risk-factor" not in vocab.related["situation"]


@pytest.mark.parametrize(
    ("question", "situation", "topic"),
    [
        ("he falls asleep in the sling while we walk", "baby-sling", "safer-sleep"),
        ("is it ok to swaddle her at night", "swaddling", "safer-sleep"),
        ("do we need cot bumpers", "cot-bumpers", "safer-sleep"),
        ("my grandson stays with us on Saturdays", "grandparent-care", "safer-sleep"),
        ("he rolled off the changing table", "falls", "accident-prevention"),
    ],
)
def test_a_described_situation_reaches_its_topic(
    searcher: Searcher, question: str, situation: str, topic: str
) -> None:
    u = searcher.reader.understand(question)
    assert situation in u.situations and topic in u.topics


def test_why_names_the_situation_in_plain_words(searcher: Searcher) -> None:
    hits = searcher.search("my baby sleeps in a sling", k=5).results
    top = hits[0]
    assert "safer-sleep" in top.topics
    assert top.why.situations == ("baby sling: a safer sleep question",)
    assert "baby sling: a safer sleep question" in top.why.text
    unrelated = [h for h in hits if "safer-sleep" not in h.topics]
    assert all(h.why.situations == () for h in unrelated)


def test_a_question_naming_no_situation_has_none(searcher: Searcher) -> None:
    assert searcher.reader.understand("neglect strategy").situations == {}
    hits = searcher.search("neglect strategy", k=3).results
    assert all(h.why.situations == () for h in hits)


def test_off_topic_car_seat_question_is_not_a_sleep_situation(searcher: Searcher) -> None:
    assert searcher.reader.understand("car seat safety").situations == {}
    assert "car-seat" in searcher.reader.understand("she sleeps in her car seat").situations


def test_helpers() -> None:
    assert (
        article("infant crying") == "an infant crying" and article("safer sleep") == "a safer sleep"
    )
    found = {"grandparent-care": ["grandad"], "baby-sling": ["sling"]}
    related = {
        "grandparent-care": ["safer-sleep", "accident-prevention"],
        "baby-sling": ["safer-sleep"],
    }
    assert as_topics(found, related) == {
        "safer-sleep": ["grandad", "sling"],
        "accident-prevention": ["grandad"],
    }


def test_no_off_topic_question_names_a_situation(searcher: Searcher) -> None:
    """The off-topic set must keep 0 close matches: no situation label may lend it a topic."""
    off_topic = json.loads((ROOT / "bench" / "offtopic_queries.json").read_text())
    named = {q: searcher.reader.understand(q).situations for q in off_topic}
    assert {q: s for q, s in named.items() if s} == {}
