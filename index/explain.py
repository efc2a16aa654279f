"""Why a resource matched: the words, thesaurus terms, topics, boosts and scores behind a hit."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cradle.index.close import GENERIC
from cradle.index.corpus import Resource, Vocabulary
from cradle.index.hit import Why
from cradle.index.query import Understanding
from cradle.index.situations import situation_notes
from cradle.index.text import STOPWORDS, normalise, stem

#: What a hit with no other reason says: close in meaning, or (not a close match) only nearest.
NEAR = "close in meaning"
NOT_NEAR = "nearest in meaning, but not a close match"


@dataclass(frozen=True, slots=True)
class Near:
    """One hit's judgement: closeness, share of the query's words, about a named concept, close."""

    value: float
    word_share: float
    about: bool
    close: bool


@lru_cache(maxsize=4096)
def _words(label: str) -> frozenset[str]:
    """A label's normalised words (labels recur in every question: worked out once)."""
    return frozenset(normalise(label).split())


@lru_cache(maxsize=1024)
def _query_words(query: str) -> tuple[tuple[str, str], ...]:
    """The query's content words, once each, with their stems (once per query, not per hit);
    not the conversational words closeness leaves out (:data:`GENERIC`: "im", "dont", "know"),
    which a hit is never said to match."""
    words = [w for w in dict.fromkeys(normalise(query).split()) if w not in STOPWORDS]
    return tuple((w, s) for w in words if (s := stem(w)) not in GENERIC)


class Explainer:
    """Why hits matched one search: what the question contributes to every explanation is
    worked out once (its words, thesaurus terms, the concepts and places it names), and the
    situations a set of topics addresses once per set."""

    def __init__(
        self, vocab: Vocabulary, query: str, u: Understanding, below: dict[str, list[str]]
    ) -> None:
        """Prepare for the hits of one search.

        Args:
            vocab: labels for ids.
            query: the (possibly truncated) query.
            u: what the graph recognised in the query.
            below: topic/locality id named in the query -> it and the ids under it.
        """
        self.vocab, self.query, self.u, self.below = vocab, query, u, below
        self.words = _query_words(query)
        self.thesaurus = tuple(
            f"{label} -> {vocab.label('topic', t)}" for t, ls in u.topics.items() for label in ls
        )
        self.topics = {t for c in u.topics for t in below.get(c, [c])}
        self.places = {p for c in u.localities for p in below.get(c, [c])}
        self.purposeful = bool(u.kinds or u.formats or u.audiences)  # words for a purpose
        self._topics: dict[tuple[str, ...], tuple[tuple[str, ...], str, tuple[str, ...]]] = {}
        self._purposes: dict[tuple[str, str, tuple[str, ...]], tuple[str, ...]] = {}

    def why(self, res: Resource, scores: dict[str, float], doc: frozenset[str], near: Near) -> Why:
        """Explain one hit.

        Args:
            res: the resource.
            scores: ``dense``, ``keyword`` and the boosts that applied (``topic``, ``place``,
                ``form``, ``audience``); a ``topic`` below 1 is a back-off to a broader concept.
            doc: the query's BM25 tokens the resource contains (from ``Postings.present``).
            near: the hit's closeness, word share, whether it is about a named concept, and
                whether it is a close match.

        Returns:
            The explanation: ``backoff`` says "about X, which covers Y" when the hit is lifted
            for a broader concept X of a recognised topic Y that has few resources;
            ``audience`` names the audience the query asked about that the resource is for;
            ``purposes`` lists the everyday words that named the resource's kind, format or
            audience ("something to watch -> Video"); ``situations`` says which situations the
            question described that this hit addresses ("baby sling: a safer sleep question").
        """
        vocab, u = self.vocab, self.u
        terms = tuple([w for w, stemmed in self.words if stemmed in doc])
        topics, about, situations = self._of_topics(res.topics)
        place = self._place(res, scores.get("place", 0.0))
        form = _form(res, vocab, u) if scores.get("form") else ""
        backoff = _backoff(res, vocab, u) if 0 < scores.get("topic", 0.0) < 1 else ""
        audience = ""
        if scores.get("audience"):
            named = (a for a in u.audiences if a in res.audience)
            audience = ", ".join(vocab.label("audience", a) for a in named)
        purposes = self._purposes_of(res) if self.purposeful else ()
        said = [
            ("matches: " + ", ".join(terms)) if terms else "",
            about,
            f"place: {place}" if place else "",
            backoff,
            f"format: {form}" if form else "",
            f"for: {audience}" if audience else "",
            ("you asked about: " + ", ".join(purposes)) if purposes else "",
            *situations,
        ]
        # plain words for the page (the scores stay in the JSON); a hit that is not close is
        # never called close
        text = "; ".join([p for p in said if p]) or (NEAR if near.close else NOT_NEAR)
        return Why(
            text=text,
            dense=round(scores["dense"], 4),
            keyword=round(scores["keyword"], 4),
            terms=terms,
            thesaurus=self.thesaurus,
            topics=topics,
            locality=place or None,
            format=form or None,
            backoff=backoff or None,
            audience=audience or None,
            purposes=purposes,
            situations=situations,
            closeness=near.value,
            word_share=near.word_share,
            about=near.about,
        )

    def _of_topics(self, topics: list[str]) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
        """What a resource's topics say in its why: those the question named (or that are under
        one it named), "about: ..." with their labels, and the situations the question
        described that they address (issue 27). Once per set of topics in a search: the hits
        shown share a few."""
        key = tuple(topics)
        found = self._topics.get(key)
        if found is None:
            named = tuple([t for t in topics if t in self.topics])
            about = (
                ("about: " + ", ".join(self.vocab.label("topic", t) for t in named))
                if named
                else ""
            )
            situations = (
                tuple(situation_notes(topics, self.u.situations, self.vocab, self.below))
                if self.u.situations
                else ()
            )
            found = self._topics[key] = (named, about, situations)
        return found

    def _purposes_of(self, res: Resource) -> tuple[str, ...]:
        """:func:`_purposes`, once per kind, format and audience in a search."""
        key = (res.kind, res.format, tuple(res.audience))
        found = self._purposes.get(key)
        if found is None:
            found = self._purposes[key] = tuple(_purposes(res, self.vocab, self.u, self.query))
        return found

    def _place(self, res: Resource, boost: float) -> str:
        """The place that lifted the hit: its own or adopting place named in the query, or the
        wider area it belongs to ("Greater Manchester (covers Wigan)"); "" when none did."""
        vocab = self.vocab
        if boost >= 1.0:
            for p in dict.fromkeys([res.locality, *res.adopted_in]):
                if p in self.places:
                    how = "" if p == res.locality else " (adopted there)"
                    return f"{vocab.label('locality', p)}{how}"
            return ""
        if boost:
            named = ", ".join(vocab.label("locality", c) for c in self.u.localities)
            return f"{vocab.label('locality', res.locality)} (covers {named})"
        return ""


def _form(res: Resource, vocab: Vocabulary, u: Understanding) -> str:
    """The format (or kind) the query asked for that the resource has."""
    form = vocab.label("format", res.format) if res.format in u.formats else ""
    return form or vocab.label("kind", res.kind)


def _backoff(res: Resource, vocab: Vocabulary, u: Understanding) -> str:
    """ "about X, which covers Y" for the broader concepts X the hit is about."""
    said = [
        f"about {vocab.label('topic', b)}, which covers "
        + " and ".join(vocab.label("topic", c) for c in covered)
        for b, covered in u.broader.items()
        if b in res.topics
    ]
    return "; ".join(said)


def _typed(label: str, query: str) -> str:
    """The words of ``query`` that named ``label``, as the user typed them ("dad" for the
    label "dads"); the label itself when the query holds it verbatim."""
    if label.lower() in query.lower():
        return label
    stems = {stem(w) for w in _words(label)}
    typed = [w for w, stemmed in _query_words(query) if stemmed in stems]
    return " ".join(typed) or label


def _purposes(res: Resource, vocab: Vocabulary, u: Understanding, query: str) -> list[str]:
    """The query's everyday words (not the preferred label) naming this resource's kind,
    format or audience, as the user typed them with the label: "dad (Parents and carers)"."""
    out = []
    for facet, found, values in (
        ("kind", u.kinds, [res.kind]),
        ("format", u.formats, [res.format]),
        ("audience", u.audiences, res.audience),
    ):
        for value in values:
            if value not in found:
                continue
            pref = vocab.label(facet, value)
            named = _words(pref)
            for label in found.get(value, []):
                if not _words(label) <= named:  # not the label's own words
                    out.append(f"{_typed(label, query)} ({pref})")
    return out
