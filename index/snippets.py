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
from dataclasses import dataclass
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


def sentence_words(texts: Sequence[str]) -> tuple[list[str], list[int], np.ndarray]:
    """Every sentence's words as stems and spans, for :class:`Snippets` (worked out at build
    time: a search only compares numbers; bench/findings.md, "Search at 10k against round
    one", third pass).

    Returns:
        The stems (a word's stem is its number in this list); per sentence, where its words
        start in the table (one more entry than ``texts``); the table (``int32``, one column
        per word and stem, in text order; rows: stem number, start, end: a search reads the
        stems of a few runs of words, contiguous this way).
    """
    numbers: dict[str, int] = {}
    offsets, rows = [0], []
    for text in texts:
        found = stem_spans(text)
        rows += sorted(
            (a, b, numbers.setdefault(s, len(numbers)))
            for s, spans in found.items()
            for a, b in spans
        )
        offsets.append(len(rows))
    table = np.array([(n, a, b) for a, b, n in rows], dtype=np.int32).reshape(len(rows), 3).T
    return list(numbers), offsets, np.ascontiguousarray(table)


@dataclass
class Snippets:
    """Every resource's sentences, their words, and the vectors of those in summaries of several
    sentences.

    Attributes:
        offsets: resource i's sentences are ``texts[offsets[i]:offsets[i + 1]]``.
        texts: all sentences, in resource order.
        rows: per sentence, its row in ``vectors`` (-1: a one-sentence summary, not embedded).
        vectors: unit sentence vectors (float16).
        stems: the stems of the sentences' words (:func:`sentence_words`).
        word_offsets: sentence n's words are ``words[word_offsets[n]:word_offsets[n + 1]]``.
        words: one column per word and stem; rows: stem number, start, end.
    """

    offsets: list[int]
    texts: list[str]
    rows: list[int]
    vectors: np.ndarray
    stems: list[str]
    word_offsets: list[int]
    words: np.ndarray

    @classmethod
    def split(cls, summaries: list[str]) -> tuple[Snippets, list[str]]:
        """Sentences of ``summaries`` with their words (vectors still empty), and the sentences
        to embed."""
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
        none = np.zeros((0, 0), dtype=np.float16)
        return cls(offsets, texts, rows, none, *sentence_words(texts)), wanted

    def save(self, version: Version) -> None:
        """Write the sentences (JSON), their vectors and their words (``.npy``) into
        ``version``'s index."""
        data = {
            "offsets": self.offsets,
            "texts": self.texts,
            "rows": self.rows,
            "stems": self.stems,
            "word_offsets": self.word_offsets,
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        version.sentences_file.write_text(text)
        np.save(version.sentence_vectors_file, self.vectors.astype(np.float16))
        np.save(version.sentence_words_file, self.words)

    @classmethod
    def load(cls, version: Version, summaries: list[str]) -> Snippets:
        """Read what :meth:`save` wrote; an index built without vectors gets sentences only,
        one built without words has them worked out now."""
        try:
            data = json.loads(version.sentences_file.read_text())
            vectors = np.load(version.sentence_vectors_file, mmap_mode="r")
        except (OSError, ValueError):
            return cls.split(summaries)[0]
        try:
            words = np.load(version.sentence_words_file, mmap_mode="r").view(np.ndarray)
            stems, word_offsets = data["stems"], data["word_offsets"]
            if words.ndim != 2 or len(words) != 3:
                raise ValueError("not three rows")
        except (OSError, ValueError, KeyError):  # built before sentence words were saved
            stems, word_offsets, words = sentence_words(data["texts"])
        return cls(
            data["offsets"], data["texts"], data["rows"], vectors, stems, word_offsets, words
        )

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
        """``rows`` as an array (-1 also where the vectors file is short of a row), the vectors
        as a plain array over the same mapped memory, ``word_offsets`` as an array and stem ->
        number: a search indexes them for every hit shown, and the lists and the memmap
        subclass cost more than the product (bench/findings.md, "Search at 10k, issue 22
        item 6")."""
        rows = np.asarray(self.rows, dtype=np.int64)
        rows = np.where(rows < len(self.vectors), rows, -1)
        word_offsets = np.asarray(self.word_offsets, dtype=np.int64)
        numbers = {s: n for n, s in enumerate(self.stems)}
        return rows, np.asarray(self.vectors).view(np.ndarray), word_offsets, numbers

    def _matches(
        self, bounds: list[tuple[int, int]], sentences: list[int], tokens: list[str]
    ) -> tuple[np.ndarray, dict[int, list[tuple[int, int]]]]:
        """For the ``sentences`` of resources whose sentences are ``bounds``: how many of the
        query's ``tokens`` each one holds, and the spans of its words that are one of them (by
        position in ``sentences``; only those with any)."""
        _, _, word_offsets, numbers = self._arrays
        wanted = np.array([numbers[t] for t in set(tokens) if t in numbers], dtype=np.int32)
        if not len(wanted) or not sentences:
            return np.zeros(len(sentences), dtype=np.int64), {}
        # a resource's sentences are consecutive, and so are their words
        first = self.word_offsets
        run = np.array([first[a] for a, _ in bounds], dtype=np.int64)  # each resource's run
        length = np.array([first[b] for _, b in bounds], dtype=np.int64) - run
        # every word of those resources: its run's start, plus its place within the run
        at = np.repeat(run - (np.cumsum(length) - length), length) + np.arange(length.sum())
        rows, cols = np.nonzero(self.words[0][at][:, None] == wanted)
        at = at[rows]
        position = {n: p for p, n in enumerate(sentences)}
        found = np.searchsorted(word_offsets, at, side="right") - 1  # the words' sentences
        where = [position[n] for n in found.tolist()]
        held = np.zeros((len(sentences), len(wanted)), dtype=bool)
        held[where, cols] = True  # each of the query's stems once a sentence
        spans: dict[int, list[tuple[int, int]]] = {}
        starts, ends = self.words[1][at].tolist(), self.words[2][at].tolist()
        for p, a, b in zip(where, starts, ends, strict=True):
            marks = spans.setdefault(p, [])
            if not marks or marks[-1] != (a, b):  # a word of several stems: one span
                marks.append((a, b))
        return held.sum(axis=1), spans

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
        scored together (one product and one comparison of words, not one per hit;
        bench/findings.md).

        A sentence scores its cosine with the query and the share of the query's words it
        holds (``WORDS``); an index built without sentence vectors: the words decide."""
        rows, vectors, _, _ = self._arrays
        bounds = [(self.offsets[i], self.offsets[i + 1]) for i in ids]
        sentences = [n for a, b in bounds for n in range(a, b)]
        held, spans = self._matches(bounds, sentences, tokens)
        share = held.astype(float)
        if tokens:
            share /= len(set(tokens))
        found = rows[sentences]
        counts = [b - a for a, b in bounds]
        several = np.repeat(np.array([c > 1 for c in counts], dtype=bool), counts)
        ok = (found >= 0) & several
        cosine = np.zeros(len(sentences), dtype=np.float32)
        if ok.any():
            cosine[ok] = np.asarray(vectors[found[ok]], dtype=np.float32) @ qvec
        scored = ((1 - WORDS) * cosine + WORDS * share).tolist()
        out, at = [], 0
        for (start, _), count in zip(bounds, counts, strict=True):
            chosen = at
            if count > 1:
                window = scored[at : at + count]
                chosen = at + window.index(max(window))
            out.append(self._snippet(chosen, at + count, start - at, spans) if count else ("", []))
            at += count
        return out

    def _snippet(
        self, chosen: int, end: int, shift: int, spans: dict[int, list[tuple[int, int]]]
    ) -> tuple[str, list[list[int]]]:
        """Sentence ``chosen`` (and the next when it is short, up to ``end``), cut to
        ``LONGEST``, with the spans of the query's words (positions in the sentences scored;
        ``shift`` turns them into sentence numbers)."""
        text = self.texts[chosen + shift]
        marks = [[a, b] for a, b in spans.get(chosen, ())]
        if len(text) < SHORT and chosen + 1 < end:
            moved = len(text) + 1
            marks += [[a + moved, b + moved] for a, b in spans.get(chosen + 1, ())]
            text = f"{text} {self.texts[chosen + 1 + shift]}"
        if len(text) > LONGEST:
            text = text[: text.rfind(" ", 0, LONGEST)].rstrip(",;:") + " …"
            marks = [s for s in marks if s[1] <= len(text) - 2]
        return text, marks


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
