"""Words: normalising, stemming and stop-wording text for BM25, and finding label phrases."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

_TOKEN = re.compile(r"[a-z0-9]+")
_APOSTROPHE = re.compile(r"['’`]")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves""".split()  # noqa: SIM905
)


# A search reads its question several times (spelling, six phrase finders, BM25 tokens, the why):
# the question's words are worked out once (bench/findings.md, "Search at 10k, issue 22 item 6").
@lru_cache(maxsize=4_096)
def normalise(text: str) -> str:
    """Lower-case, fold accents and apostrophes, and keep only letters and digits as words."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _APOSTROPHE.sub("", text.lower())
    return " ".join(_TOKEN.findall(text))


_LOCAL = threading.local()


def _stemmer():  # type: ignore[no-untyped-def]
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:  # one per thread: a Snowball stemmer keeps state between words
        import Stemmer  # PyStemmer

        stemmer = _LOCAL.stemmer = Stemmer.Stemmer("english")
    return stemmer


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The English (Snowball) stem of one lower-case word."""
    return str(_stemmer().stemWord(word))


def stem_words(words: list[str]) -> list[str]:
    """The stems of lower-case ``words``, in one call to the stemmer."""
    return [str(s) for s in _stemmer().stemWords(words)]


def keywords(text: str) -> list[str]:
    """Stemmed content words of ``text``, in order, stop words dropped (the BM25 tokens)."""
    return list(_keywords(text))


@lru_cache(maxsize=4_096)
def _keywords(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in normalise(text).split() if w not in STOPWORDS)


@lru_cache(maxsize=4_096)
def _stems(text: str) -> tuple[str, ...]:
    """Every word of ``text`` stemmed, stop words kept (what label phrases are matched in)."""
    return tuple(stem(w) for w in normalise(text).split())


#: Words a label phrase is matched past ("feeling really low" is "feeling low"), and the words
#: that own a noun, matched as one ("before my baby is born" is "before the baby is born"). Only
#: words whose stems are no other word's ("quite" stems to "quit"); "his", "her" and "their" are
#: not owners here, since "her" is also the one a blow is done to ("hit her").
_PAST = frozenset(stem(w) for w in ("really", "realy", "very", "so", "soo", "sooo"))
_OWNER = frozenset(stem(w) for w in ("the", "my", "our", "your", "a"))


def _phrase(stems: tuple[str, ...]) -> tuple[str, ...]:
    """Stems as a loose label phrase is matched: intensifiers dropped, owners made one."""
    return tuple("the" if s in _OWNER else s for s in stems if s not in _PAST)


def _exact(stems: tuple[str, ...]) -> tuple[str, ...]:
    return stems


class PhraseMatcher:
    """Finds labels in a query as whole word sequences (stemmed; the longest label wins a word).

    A loose matcher (topics, situations: what a question is about) also skips intensifiers and
    takes owners alike (:func:`_phrase`); an exact one does not, since "my baby" says who asks
    (an audience) and "the baby" does not.
    """

    def __init__(self, phrases: dict[str, list[str]], loose: bool = False) -> None:
        """Prepare matching for key (e.g. a concept id) -> its labels."""
        self._phrase = _phrase if loose else _exact
        items = [
            (key, label, self._phrase(tuple(stem(w) for w in normalise(label).split())))
            for key, labels in phrases.items()
            for label in labels
        ]
        self._items = sorted((i for i in items if i[2]), key=lambda i: (-len(i[2]), i[0]))
        self._by_word: dict[str, list[int]] = {}
        for n, item in enumerate(self._items):
            self._by_word.setdefault(item[2][0], []).append(n)

    def find(self, text: str) -> dict[str, list[str]]:
        """Return key -> the labels found in ``text``; a label inside a longer match is skipped."""
        words = self._phrase(_stems(text))
        taken = [False] * len(words)
        found: dict[str, list[str]] = {}
        starts: dict[str, list[int]] = {}  # word -> where it stands: a label is tried there only
        for i, w in enumerate(words):
            starts.setdefault(w, []).append(i)
        wanted = sorted({n for w in starts for n in self._by_word.get(w, [])})
        for key, label, seq in (self._items[n] for n in wanted):
            n = len(seq)
            for i in starts[seq[0]]:
                if words[i : i + n] == seq and not any(taken[i : i + n]):
                    taken[i : i + n] = [True] * n
                    if label not in found.get(key, []):
                        found.setdefault(key, []).append(label)
                    break
        return found


def model_lexicon(folder: Path | None) -> frozenset[str]:
    """The whole words of a WordPiece model's ``vocab.txt`` in ``folder`` (lower-case letters
    only, no ``##`` pieces): real words spelling correction leaves alone
    (:class:`cradle.index.spelling.Speller`). Empty when the folder or the file is missing (e.g.
    the fake embedder)."""
    if folder is None:
        return frozenset()
    try:
        lines = (folder / "vocab.txt").read_text(encoding="utf-8").split()
    except OSError:
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.isascii() and w.islower())
