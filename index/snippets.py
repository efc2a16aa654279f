"""The answering sentence: the sentence or two of a hit's summary that best answers the query.

At build time each summary is split into sentences and every summary of more than one sentence
has its sentences embedded (with the model of the index) and stored beside the index. At search
time only the query is embedded: a hit's snippet is its sentence nearest the query (plus the
next one when it is short), with the query's words marked as character spans.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from cradle.core.datadir import Version
from cradle.index.text import normalise, stem, stem_words

#: A best sentence shorter than this is followed by the next one ("the sentence or two").
SHORT = 80
#: Snippets longer than this are cut at a word, with an ellipsis.
LONGEST = 320
#: Share of a sentence's score from the query words it contains (the rest: its cosine).
WORDS = 0.5
#: At most this many sentences' stems are kept (then they are worked out afresh).
SENTENCES_KEPT = 50_000

_START = "[A-Z0-9‘“'\"(·]"  # what may begin a sentence
_BREAK = re.compile(
    rf"(?<=[.!?])(?<!\b\d\.)\s+(?={_START})"  # after . ! ? (not a list number "2.")
    rf"|\s*\n+\s*(?={_START})"  # a line break before a capital (not mid-sentence)
    r"|\s+·\s+"  # a bullet
)
_WORD = re.compile(r"[A-Za-z0-9À-ÿ’']+")


def split_sentences(summary: str) -> list[str]:
    """The sentences of a summary (line breaks and bullets end one too), blanks dropped."""
    parts = (p.strip(" ·\t") for p in _BREAK.split(summary.strip()))
    return [" ".join(p.split()) for p in parts if p and p.strip(" ·\t")]


def _word_spans(text: str) -> list[tuple[int, int, frozenset[str]]]:
    """Each word of ``text``: its start, end and stems."""
    out = []
    for m in _WORD.finditer(text):
        word = normalise(m.group())
        if word:
            out.append((m.start(), m.end(), frozenset(stem(w) for w in word.split())))
    return out


def stem_spans(text: str) -> dict[str, list[tuple[int, int]]]:
    """Each stem of ``text``'s words -> the spans of the words with that stem, in order.

    Plain ASCII text (nearly every sentence) is stemmed in one call to the stemmer; a word is
    then one token. Other text goes word by word through :func:`normalise`."""
    out: dict[str, list[tuple[int, int]]] = {}
    if not text.isascii():
        for a, b, stems in _word_spans(text):
            for s in stems:
                out.setdefault(s, []).append((a, b))
        return out
    found = [(m.start(), m.end(), m.group().lower().replace("'", "")) for m in _WORD.finditer(text)]
    stems = stem_words([w for _, _, w in found])
    for (a, b, word), s in zip(found, stems, strict=True):
        if word:
            out.setdefault(s, []).append((a, b))
    return out


@dataclass
class Snippets:
    """Every resource's sentences and the vectors of those in summaries of several sentences.

    Attributes:
        offsets: resource i's sentences are ``texts[offsets[i]:offsets[i + 1]]``.
        texts: all sentences, in resource order.
        rows: per sentence, its row in ``vectors`` (-1: a one-sentence summary, not embedded).
        vectors: unit sentence vectors (float16).
    """

    offsets: list[int]
    texts: list[str]
    rows: list[int]
    vectors: np.ndarray
    _spans: dict[int, dict[str, list[tuple[int, int]]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def split(cls, summaries: list[str]) -> tuple[Snippets, list[str]]:
        """Sentences of ``summaries`` (vectors still empty) and the sentences to embed."""
        offsets, rows = [0], []
        texts: list[str] = []
        wanted: list[str] = []
        for summary in summaries:
            sentences = split_sentences(summary) or [summary.strip()]
            for sentence in sentences:
                texts.append(sentence)
                if len(sentences) > 1:
                    rows.append(len(wanted))
                    wanted.append(sentence)
                else:
                    rows.append(-1)
            offsets.append(len(texts))
        return cls(offsets, texts, rows, np.zeros((0, 0), dtype=np.float16)), wanted

    def save(self, version: Version) -> None:
        """Write the sentences (JSON) and their vectors (``.npy``) into ``version``'s index."""
        data = {"offsets": self.offsets, "texts": self.texts, "rows": self.rows}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        version.sentences_file.write_text(text)
        np.save(version.sentence_vectors_file, self.vectors.astype(np.float16))

    @classmethod
    def load(cls, version: Version, summaries: list[str]) -> Snippets:
        """Read what :meth:`save` wrote; an index built without it gets sentences only."""
        try:
            data = json.loads(version.sentences_file.read_text())
            vectors = np.load(version.sentence_vectors_file, mmap_mode="r")
        except (OSError, ValueError):
            return cls.split(summaries)[0]
        return cls(data["offsets"], data["texts"], data["rows"], vectors)

    def _stems(self, n: int) -> dict[str, list[tuple[int, int]]]:
        """Sentence ``n``'s stems and where their words are, worked out once (a hit's
        sentences recur in many questions; see bench/RESULTS.md, "10k before and after")."""
        found = self._spans.get(n)
        if found is None:
            if len(self._spans) >= SENTENCES_KEPT:  # a long-running server at 100k resources
                self._spans.clear()
            found = self._spans[n] = stem_spans(self.texts[n])
        return found

    @cached_property
    def _rows_and_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """``rows`` as an array (-1 also where the vectors file is short of a row) and the
        vectors as a plain array over the same mapped memory: a search indexes both for every
        hit shown, and the list and the memmap subclass cost more than the product
        (bench/findings.md, "Search at 10k, issue 22 item 6")."""
        rows = np.asarray(self.rows, dtype=np.int64)
        rows = np.where(rows < len(self.vectors), rows, -1)
        return rows, np.asarray(self.vectors).view(np.ndarray)

    def _scores(self, sentences: list[int], qvec: np.ndarray, wanted: set[str]) -> np.ndarray:
        """Scores of the ``sentences`` (numbers): cosine with the query and share of its words
        (one matrix product for the cosines; an index built without sentence vectors: the
        words decide)."""
        rows, vectors = self._rows_and_vectors
        found = rows[np.asarray(sentences, dtype=np.int64)]
        ok = found >= 0
        cosine = np.zeros(len(sentences), dtype=np.float32)
        if ok.any():
            cosine[ok] = np.asarray(vectors[found[ok]], dtype=np.float32) @ qvec
        share = np.array([len(self._stems(n).keys() & wanted) for n in sentences], dtype=float)
        if wanted:
            share /= len(wanted)
        return (1 - WORDS) * cosine + WORDS * share

    def best(self, i: int, qvec: np.ndarray, tokens: list[str]) -> tuple[str, list[list[int]]]:
        """Resource ``i``'s snippet for a query: the text and the spans of the query's words.

        Args:
            i: the resource's number in the index.
            qvec: the query's unit vector.
            tokens: the query's BM25 tokens (stemmed content words).
        """
        return self.best_of([i], qvec, tokens)[0]

    def best_of(
        self, ids: Sequence[int], qvec: np.ndarray, tokens: list[str]
    ) -> list[tuple[str, list[list[int]]]]:
        """:meth:`best` for each resource of ``ids``, in order: the sentences of them all are
        scored together (one product, not one per hit; bench/findings.md)."""
        wanted = set(tokens)
        bounds = [(self.offsets[i], self.offsets[i + 1]) for i in ids]
        several = [n for a, b in bounds if b - a > 1 for n in range(a, b)]
        scored = self._scores(several, qvec, wanted) if several else None
        out, at = [], 0
        for start, end in bounds:
            chosen = start
            if end - start > 1 and scored is not None:
                chosen = start + int(scored[at : at + end - start].argmax())
                at += end - start
            out.append(self._snippet(chosen, end, wanted) if end > start else ("", []))
        return out

    def _snippet(self, chosen: int, end: int, wanted: set[str]) -> tuple[str, list[list[int]]]:
        """Sentence ``chosen`` (and the next when it is short, up to ``end``), cut to
        ``LONGEST``, with the spans of the ``wanted`` words."""
        text = self.texts[chosen]
        spans = self._marked(chosen, wanted, 0)
        if len(text) < SHORT and chosen + 1 < end:
            spans += self._marked(chosen + 1, wanted, len(text) + 1)
            text = f"{text} {self.texts[chosen + 1]}"
        if len(text) > LONGEST:
            text = text[: text.rfind(" ", 0, LONGEST)].rstrip(",;:") + " …"
            spans = [s for s in spans if s[1] <= len(text) - 2]
        return text, spans

    def _marked(self, n: int, wanted: set[str], shift: int) -> list[list[int]]:
        """The spans of sentence ``n``'s words whose stems are ``wanted``, in order, moved by
        ``shift``."""
        stems = self._stems(n)
        found = {span for s in wanted if s in stems for span in stems[s]}
        return [[a + shift, b + shift] for a, b in sorted(found)]


def segments(text: str, spans: Sequence[tuple[int, int] | list[int]]) -> list[tuple[str, bool]]:
    """``text`` cut at the ``spans``: ``(piece, marked)`` pairs, in order, for display."""
    out, at = [], 0
    for start, end in sorted((int(a), int(b)) for a, b in spans):
        if start < at:
            continue
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out
