"""Spelling help: a query word neither the index nor the thesaurus knows is corrected to the
nearest known word when the correction is clear (rapidfuzz's Damerau-Levenshtein distance).

The dictionary is every word of the resources' titles, summaries and link texts and of the
vocabularies' labels, counted at build time (``search/words.json``). A correction is made only
when: the word has at least five letters; the nearest known word is one edit away (two for words
of eight letters or more) and starts with the same letter; and it beats every other word that near
by being a thesaurus word when they are not, or by being at least twice as frequent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from cradle.index.corpus import Resource, Vocabulary
from cradle.index.text import STOPWORDS, normalise

_WORD = re.compile(r"[^\W\d_]+")
MIN_LENGTH = 5
#: Words this long or longer may be two edits from their correction (shorter ones: one).
TWO_EDITS_FROM = 8


def word_counts(resources: Iterable[Resource], vocab: Vocabulary) -> dict[str, int]:
    """Word -> how often it appears in resources and labels (words of three letters or more)."""
    counts: Counter[str] = Counter()
    for r in resources:
        counts.update(normalise(f"{r.title} {r.summary} {r.link_text}").split())
    for kind in (vocab.labels, vocab.hidden):
        for labels in kind.values():
            for names in labels.values():
                counts.update(normalise(" ".join(names)).split())
    return {w: n for w, n in sorted(counts.items()) if len(w) >= 3 and w.isalpha()}


def label_words(vocab: Vocabulary) -> frozenset[str]:
    """Every word of every label (preferred, alternative, hidden) of the vocabularies."""
    words: set[str] = set()
    for kind in (vocab.labels, vocab.hidden):
        for labels in kind.values():
            for names in labels.values():
                words.update(normalise(" ".join(names)).split())
    return frozenset(words)


class Speller:
    """Corrects unknown query words against a dictionary; safe to share between threads."""

    def __init__(
        self,
        counts: dict[str, int],
        thesaurus: frozenset[str],
        known: Callable[[str], bool],
        lexicon: frozenset[str] = frozenset(),
    ) -> None:
        """Prepare correction.

        Args:
            counts: the dictionary, word -> frequency.
            thesaurus: the words of the vocabularies' labels (preferred when as near).
            known: whether the index knows a (normalised) word.
            lexicon: real words never corrected even when the index lacks them (the embedding
                model's whole words, :func:`cradle.index.text.model_lexicon`).
        """
        self.counts = counts
        self.lexicon = lexicon
        self.thesaurus = thesaurus
        self.known = known
        self._choices = list(counts)

    def _is_known(self, word: str) -> bool:
        return (
            len(word) < MIN_LENGTH
            or word in STOPWORDS
            or word in self.thesaurus
            or word in self.counts
            or word in self.lexicon
            or self.known(word)
        )

    def word(self, word: str) -> str | None:
        """The correction of one normalised word, or None (known, or no clear correction)."""
        if self._is_known(word) or not self._choices:
            return None
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein, Indel

        limit = 1 if len(word) < TWO_EDITS_FROM else 2
        found = process.extract(
            word, self._choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=12
        )
        near = [(int(d), w) for w, d, _ in found if w[0] == word[0]]
        if not near:
            return None
        # at the same edit distance, the candidate needing fewer insertions and deletions
        # (Indel: "shakin" is nearer "shaking" than "shaken") and then a thesaurus word wins
        indel = {w: Indel.distance(word, w) for _, w in near}
        rank = sorted(
            near,
            key=lambda x: (x[0], indel[x[1]], x[1] not in self.thesaurus, -self.counts[x[1]], x[1]),
        )
        best = rank[0]
        if len(rank) > 1:
            other = rank[1]
            same = (other[1] in self.thesaurus) == (best[1] in self.thesaurus)
            tie = other[0] == best[0] and indel[other[1]] == indel[best[1]] and same
            if tie and self.counts[best[1]] < 2 * self.counts[other[1]]:
                return None
        return best[1]

    def correct(self, text: str) -> str | None:
        """``text`` with its unknown words corrected, or None when nothing was corrected."""
        changed = False

        def fix(match: re.Match[str]) -> str:
            nonlocal changed
            original = match.group(0)
            norm = normalise(original)
            better = self.word(norm) if norm and " " not in norm else None
            if better is None:
                return original
            changed = True
            return better.capitalize() if original[:1].isupper() else better

        out = _WORD.sub(fix, text)
        return out if changed else None
