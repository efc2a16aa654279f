"""Judge: the middle stage of a search, over every candidate at once (numpy arrays): which are
close matches (:mod:`cradle.index.close`), which are usable now, whether the question names one
by its title, and so each one's tier (:mod:`cradle.index.hit`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from cradle.index.close import closeness
from cradle.index.hit import CLOSE_NOT_USABLE, CLOSE_USABLE, NOT_CLOSE
from cradle.index.loaded import LoadedIndex
from cradle.index.query import BEHAVIOUR_TOPS, Understanding
from cradle.index.text import keywords
from cradle.index.usable import AVAILABLE


@dataclass(frozen=True)
class Judged:
    """Per candidate (in the order of the candidates' scores): closeness, share of the query's
    words, about a named concept, close, usable now, named by its title, and tier (1, 2, 3)."""

    value: np.ndarray
    word_share: np.ndarray
    about: np.ndarray
    close: np.ndarray
    usable: np.ndarray
    named: np.ndarray
    tier: np.ndarray


class TitleWords:
    """Which resources' titles hold a word (word, a BM25 token -> resource numbers, sorted), and
    how many words each title has."""

    def __init__(self, titles: list[str]) -> None:
        """Index the BM25 tokens of every title."""
        found: dict[str, list[int]] = defaultdict(list)
        for i, title in enumerate(titles):
            for token in dict.fromkeys(keywords(title)):
                found[token].append(i)
        self._ids = {t: np.asarray(ids, dtype=np.int64) for t, ids in found.items()}
        self._size = np.zeros(len(titles), dtype=np.int64)
        for ids in self._ids.values():
            self._size[ids] += 1

    def named(
        self, tokens: list[str], idx: np.ndarray, places: frozenset[str] = frozenset()
    ) -> np.ndarray:
        """Per resource of ``idx``: the question (its BM25 ``tokens``) names it by its title.

        It does when it holds every word of the title (of two words or more, or the whole
        question: "letters from parents" names "Parent to Parent Letter"), or when the question
        has two words or more besides the places it names (``places``: their tokens), all in
        the title, and they are at least half of the title's words ("safe sleeping risk
        assessment" names "Safe sleep risk assessment tool for practitioners", and "caring dads
        Stockport" names "Caring Dads Programme"; "safe sleep" does not name "Local thematic safe
        sleeping review", nor "parents" "Parent to Parent Letter")."""
        wanted = set(tokens)
        held = np.zeros(len(idx), dtype=np.int64)
        held_what = np.zeros(len(idx), dtype=np.int64)  # of the words that are not places
        for token in wanted:
            ids = self._ids.get(token)
            if ids is not None:
                at = np.minimum(ids.searchsorted(idx), len(ids) - 1)
                found = ids[at] == idx
                held += found
                if token not in places:
                    held_what += found
        what = len(wanted - places)
        size = self._size[idx]
        whole_title = (held == size) & ((size >= 2) | (size == len(wanted)))
        most_of_it = (held_what == what) & (2 * what >= size) & (what >= 2)
        return (size > 0) & (whole_title | most_of_it)


def tiers(close: np.ndarray, usable: np.ndarray, named: np.ndarray) -> np.ndarray:
    """1 for a close match usable now (or named by its title, whatever its status), 2 for a close
    match not usable yet, 3 for the rest."""
    first = np.where(usable | named, CLOSE_USABLE, CLOSE_NOT_USABLE)
    return np.where(close, first, NOT_CLOSE).astype(np.int8)


def judge(
    index: LoadedIndex,
    idx: np.ndarray,
    dense: np.ndarray,
    text: str,
    u: Understanding,
    named: np.ndarray,
) -> Judged:
    """Judge the candidates ``idx`` (cosines ``dense``) of the query ``text``.

    Args:
        index: the loaded index.
        idx: candidate resource numbers.
        dense: their cosines with the query vector.
        text: the query searched.
        u: what the graph recognised in it.
        named: per candidate, whether the question names it by its title.
    """
    near = closeness(index, idx, dense, text, u)
    usable = index.any_at("status", [AVAILABLE], idx)
    close = near.close & (
        ~index.any_at("for", ["intervention"], idx) | named | _addresses(index, idx, u)
    )
    return Judged(
        value=near.value,
        word_share=near.word_share,
        about=near.about,
        close=close,
        usable=usable,
        named=named,
        tier=tiers(close, usable, named),
    )


def _addresses(index: LoadedIndex, idx: np.ndarray, u: Understanding) -> np.ndarray:
    """Per candidate: the question names a harm it is about (a topic of its under
    :data:`BEHAVIOUR_TOPS`, or narrower): what an intervention programme must address to be a
    close match."""
    harms = {t for top in BEHAVIOUR_TOPS for t in index.below("topic", top)}
    asked = {t for c in u.topics for t in index.below("topic", c)} & harms
    if not asked:
        return np.zeros(len(idx), dtype=bool)
    return index.any_of("topic", sorted(asked))[idx]
