"""Search quality round two: back-off, audiences, everyday words, stories, mended words,
snippets, and ``cradle eval`` per kind (fake embedder: the graph and BM25 do the work)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cradle.cli import app
from cradle.core.settings import Settings
from cradle.index.commands import run_eval, run_search
from cradle.index.evaluate import load_queries
from cradle.index.search import Searcher, open_searcher
from cradle.index.snippets import segments, split_sentences
from cradle.index.spelling import Speller
from cradle.index.text import model_lexicon
from tests.support import FAKE, indexed_copy


@pytest.fixture(scope="module")
def fake_dir(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("quality")
    indexed_copy(graph_dir, out)
    return out


@pytest.fixture(scope="module")
def searcher(fake_dir: Path) -> Searcher:
    return open_searcher(fake_dir, FAKE)


def test_a_topic_without_resources_backs_off_to_its_broader_topic(searcher: Searcher) -> None:
    u = searcher.reader.understand("bed sharing")
    assert "co-sleeping" in u.topics and u.broader == {"safer-sleep": ["co-sleeping"]}
    hits = searcher.search("bed sharing", k=5).results
    assert hits and "safer-sleep" in hits[0].topics
    why = hits[0].why
    assert why.backoff == "about Safer sleep, which covers Co-sleeping"
    assert "about Safer sleep, which covers Co-sleeping" in why.text


def test_a_topic_with_resources_does_not_back_off(searcher: Searcher) -> None:
    assert searcher.reader.understand("safe sleep").broader == {}
    assert all(h.why.backoff is None for h in searcher.search("safe sleep").results)


def test_an_audience_named_lifts_its_resources_and_why_says_so(searcher: Searcher) -> None:
    u = searcher.reader.understand("something for mums about sleep")
    assert set(u.audiences) == {"parents"}
    hits = searcher.search("something for mums about sleep", k=10).results
    for_parents = [h for h in hits if "parents" in h.audience]
    assert for_parents and for_parents[0].why.audience == "Parents and carers"
    assert "for: Parents and carers" in for_parents[0].why.text
    top = hits[0]
    assert "parents" in top.audience


def test_everyday_words_name_the_kind_and_why_says_how(searcher: Searcher) -> None:
    hits = searcher.search("something to watch about safe sleep", k=3).results
    assert {h.kind for h in hits[:2]} == {"video"}
    assert "something to watch (Video)" in hits[0].why.purposes
    assert "you asked about: something to watch (Video)" in hits[0].why.text


def test_a_worry_in_everyday_words_reaches_the_topic(searcher: Searcher) -> None:
    u = searcher.reader.understand("worried he is overheating at night")
    assert "safer-sleep" in u.topics


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("feeling really low since the birth", "parental-mental-health"),  # past "really"
        ("assessment before my baby is born", "pre-birth-assessment"),  # "my" as "the"
        ("mum has bipolar", "parental-mental-health"),
        ("what do i need to make my house safe now shes crawling", "accident-prevention"),
        ("my mum wants him in her bed with her", "co-sleeping"),
        ("my partner drinks alot when hes got the baby", "parental-substance-misuse"),
        ("my partner falls asleep with the baby in his bed", "co-sleeping"),
        ("my baby swallowed some medicine", "accident-prevention"),
    ],
)
def test_everyday_phrasings_reach_the_topic(searcher: Searcher, question: str, topic: str) -> None:
    assert topic in searcher.reader.understand(question).topics


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how to get my toddler to stay in his bed", "co-sleeping"),  # his own bed
        ("medicines for teething", "accident-prevention"),  # not medicines within reach
        ("my partner falls asleep with the baby in his bed", "accident-prevention"),  # not a fall
    ],
)
def test_a_word_in_another_sense_does_not_reach_the_topic(
    searcher: Searcher, question: str, topic: str
) -> None:
    assert topic not in searcher.reader.understand(question).topics


def test_someone_to_talk_to_is_not_early_language(searcher: Searcher) -> None:
    assert "early-language" not in searcher.reader.understand("someone to talk to").topics
    assert "early-language" in searcher.reader.understand("talking to my baby").topics


def test_who_asks_is_matched_exactly() -> None:
    from cradle.index.text import PhraseMatcher

    labels = {"parents": ["my baby"]}
    assert PhraseMatcher(labels).find("sleep for my baby") == {"parents": ["my baby"]}
    assert PhraseMatcher(labels).find("sleep for the baby") == {}  # a practitioner's words
    assert PhraseMatcher(labels, loose=True).find("sleep for the baby") == {"parents": ["my baby"]}


def test_why_never_says_a_conversational_word_matched(searcher: Searcher) -> None:
    hits = searcher.search("im worried i dont know how to keep my baby safe", k=5).results
    assert hits and all(
        not (
            {"im", "dont", "know", "keep"}
            & set(h.why.text.split("matches: ")[-1].split("; ")[0].split(", "))
        )
        for h in hits
    )


def test_a_story_is_read_for_its_need(searcher: Searcher) -> None:
    story = (
        "I have been visiting a family for a few months now and the mum told me yesterday "
        "that her new boyfriend gets really angry when the baby screams at night"
    )
    u = searcher.reader.understand(story)
    assert {"infant-crying", "male-carers"} <= set(u.topics)
    assert u.focus and "Infant crying" in u.focus
    assert "visit" in u.narrative and "scream" not in u.narrative
    short = searcher.reader.understand("crying baby")
    assert short.focus == "" and short.narrative == frozenset()
    top = {h.id for h in searcher.search(story, k=3).results}
    assert top & {"icon-babies-cry-you-can-cope", "rochdale-coping-with-infant-crying-guidance"}


def test_misspelt_words_are_corrected_before_ranking_and_the_thesaurus(searcher: Searcher) -> None:
    assert searcher.speller.correct("neglet stratergy") == "neglect strategy"
    assert searcher.speller.correct("safe sleep") is None  # known words untouched
    response = searcher.search("shakin baby prevension", k=3)
    assert response.query == "shakin baby prevension"  # the query as typed is shown
    assert "abusive-head-trauma" in response.results[0].topics


def test_sentences_split_at_sentence_ends_not_list_numbers() -> None:
    text = "First point here. Second one?\n2. A numbered line\ncontinues here · A bullet"
    assert split_sentences(text) == [
        "First point here.",
        "Second one?",
        "2. A numbered line continues here",
        "A bullet",
    ]


def test_every_hit_has_the_answering_sentence_with_the_words_marked(searcher: Searcher) -> None:
    hits = searcher.search("nurse who visits young mothers", k=5).results
    for hit in hits:
        assert hit.snippet and hit.snippet in " ".join(hit.summary.split()) + " …"
        for start, end in hit.snippet_marks:
            assert 0 <= start < end <= len(hit.snippet)
    fnp = next(h for h in hits if h.id == "family-nurse-partnership")
    assert "visits them regularly" in fnp.snippet
    marked = {fnp.snippet[s:e].lower() for s, e in fnp.snippet_marks}
    assert {"nurse", "visits", "mothers"} <= {w.split("-")[0] for w in marked}


def test_segments_cut_text_at_marks() -> None:
    assert segments("a safe cot", [[2, 6]]) == [("a ", False), ("safe", True), (" cot", False)]
    assert segments("x", []) == [("x", False)]


def test_snippet_in_cli_json_and_human_output(
    fake_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRADLE_EMBEDDER", "fake")
    settings = Settings.model_validate({"embedder": "fake", "data_dir": fake_dir})
    filters: dict[str, str | None] = {
        f: None for f in ("locality", "topic", "format", "audience", "status")
    }
    out = io.StringIO()
    run_search(settings, "safe sleep video", filters, k=3, as_json=True, out=out)
    hit = json.loads(out.getvalue())["results"][0]
    assert hit["snippet"] and isinstance(hit["snippet_marks"], list)
    lines = io.StringIO()
    run_search(settings, "-", filters, k=2, lines=["safe sleep video\n"], out=lines)
    assert "snippet" in json.loads(lines.getvalue())["results"][0]
    human = io.StringIO()
    run_search(settings, "safe sleep video", filters, k=1, out=human)
    assert "*" in human.getvalue()  # the query's words marked in the snippet line


def test_search_page_shows_the_snippet_with_marks(client: TestClient) -> None:
    body = client.get("/search", params={"q": "safe sleep video", "k": 3}).json()
    assert all("snippet" in h and "snippet_marks" in h for h in body["results"])
    page = client.get("/", params={"q": "safe sleep video"})
    assert page.status_code == 200
    assert '<p class="snippet">' in page.text and "<mark>" in page.text


def test_eval_reports_several_files_and_each_kind(fake_dir: Path, tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps([{"query": "safe sleep", "relevant": {"Lullaby Trust Guidance": 2}}]))
    two = tmp_path / "two.json"
    two.write_text(
        json.dumps(
            [
                {
                    "query": "crying baby",
                    "kind": "lay",
                    "relevant": {"ICON Babies cry, you can cope Programme": 2},
                },
                {"query": "fathers", "kind": "place", "relevant": {"Caring Dads Programme": 2}},
                {"query": "car seats", "kind": "uncovered", "relevant": {}},
            ]
        )
    )
    assert [j.kind for j in load_queries(two)] == ["lay", "place", "uncovered"]
    settings = Settings.model_validate({"embedder": "fake", "data_dir": fake_dir})
    out = io.StringIO()
    run_eval(settings, [one, two], out=out)
    text = out.getvalue()
    assert "eval one.json (1 queries)" in text and "eval two.json (2 queries)" in text
    assert "not scored (nothing in the catalogue answers it): car seats" in text
    kinds = text[text.index("kind (nDCG@10)") :]
    assert "lay" in kinds and "place" in kinds and "uncovered" not in kinds.split("eval")[0]
    assert text.rstrip().splitlines()[-5].startswith("system")  # the last file's table last


def test_eval_cli_takes_several_files(fake_dir: Path, tmp_path: Path) -> None:
    q = tmp_path / "q.json"
    q.write_text(json.dumps([{"query": "safe sleep", "relevant": {"Lullaby Trust Guidance": 2}}]))
    env = {"CRADLE_EMBEDDER": "fake"}
    result = CliRunner().invoke(app, ["eval", str(q), str(q), "--data-dir", str(fake_dir)], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("eval q.json (1 queries)") == 2


def test_real_words_are_never_mended(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("[PAD]\n##ing\nmorning\nsister\nMixed\n", encoding="utf-8")
    lexicon = model_lexicon(tmp_path)
    assert lexicon == frozenset({"morning", "sister"})
    assert model_lexicon(tmp_path / "absent") == frozenset() == model_lexicon(None)
    known = {"mourning": 3}
    assert Speller(known, frozenset(), lambda w: False, lexicon).word("morning") is None
    assert Speller(known, frozenset(), lambda w: False).word("morning") == "mourning"


def test_why_says_the_words_as_typed(searcher: Searcher) -> None:
    hits = searcher.search("leaflet for a dad about crying", k=5).results
    said = [h.why.text for h in hits if h.why.purposes]
    assert said and all("dads" not in text for text in said)
    assert any("you asked about: dad (" in text for text in said)
