"""An honest cut-off: which hits are close matches, and what to say when a named place has
nothing of its own.

A hit's closeness adds three things that mean the same whatever else is in the catalogue (the
fused ranking score does not: its keyword part is scaled by the best hit, so nonsense still has
a "best" hit): the cosine of query and resource, the share of the query's words (weighted by
how rare they are) the resource contains or is about through a recognised concept, and whether
it is about a concept the query names. The weights and the threshold were chosen on judged and
off-topic questions (bench/search_cutoff.py, bench/findings.md "Close matches").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cradle.graph.read.coverage import SHARED, belongs
from cradle.index.loaded import LoadedIndex
from cradle.index.query import Understanding
from cradle.index.text import keywords
from cradle.index.usable import AVAILABLE

WORD_SHARE = 0.6
ABOUT = 0.2
CLOSE_AT = 0.7
#: Words that ask for something without saying what (their stems), and the words a parent's
#: own telling carries besides what it is about ("I don't know what I'm doing", "can I still",
#: "keeps", "getting"): they neither count for nor against a match.
GENERIC = frozenset(
    keywords(
        "available resource resources help support information advice guidance find looking "
        "need want get show give list good practice anything something stuff things thing "
        "material materials example examples "
        "im ive id dont cant wont isnt doesnt didnt know think still really always keep "
        "keeps kept getting got going gonna lot bit please someone anyone ok okay "
        # what phones type for the words above and for question words
        "wat wot wht u ur pls plz abt cos coz cuz wanna dunno alot tho"
    )
)


@dataclass
class Closeness:
    """Per candidate: closeness, share of the query's words, about a named concept, close."""

    value: np.ndarray
    word_share: np.ndarray
    about: np.ndarray
    close: np.ndarray


def about_mask(
    index: LoadedIndex, u: Understanding, idx: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Concept named in the query -> resources about it or a narrower concept (all of them, or
    per resource number of ``idx``); a concept with none of its own backs off to its broader
    concepts."""
    out = {}
    for c in u.topics:
        named = index.below("topic", c)
        if not index.has_any("topic", named):
            broader = index.vocab.broader.get("topic", {}).get(c, [])
            named = [t for b in broader for t in index.below("topic", b)]
        out[c] = index.any_of("topic", named) if idx is None else index.any_at("topic", named, idx)
    return out


def _idf(index: LoadedIndex, token: str) -> float:
    n, df = index.size, index.postings.frequency(token)
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


#: How a resource counts for a place (:func:`relations`): not at all, published or adopted
#: there, published by a wider area below the country (Greater Manchester for Wigan), national.
NONE, OWN, WIDE, NATIONAL = 0, 1, 2, 3


def relations(index: LoadedIndex, place: str) -> np.ndarray:
    """Per resource, how it counts for ``place`` (:data:`OWN`, :data:`WIDE`, :data:`NATIONAL`
    or :data:`NONE`), by coverage's own rule (:func:`cradle.graph.read.coverage.belongs`);
    remembered per place."""
    found = index.places.get(place)
    if found is None:
        above = index.above("locality", place)
        top = set(index.top("locality"))
        codes = []
        for r in index.resources:
            how = belongs(r.locality, r.adopted_in, place, above)
            shared = NATIONAL if r.locality in top else WIDE
            codes.append(NONE if how is None else shared if how == SHARED else OWN)
        found = index.places[place] = np.asarray(codes, dtype=np.int8)
    return found


def own_place(index: LoadedIndex, places: list[str]) -> np.ndarray:
    """Resources that count as the own of any of ``places``, as coverage counts them: published
    in, adopted in or published by an area containing it (below the country), and those of the
    places within it."""
    out = index.any_of("place", [p for c in places for p in index.below("locality", c)])
    for place in places:
        codes = relations(index, place)
        out = out | (codes == OWN) | (codes == WIDE)
    return out


def closeness(
    index: LoadedIndex, idx: np.ndarray, dense: np.ndarray, text: str, u: Understanding
) -> Closeness:
    """How close each candidate ``idx`` (with cosine ``dense``) is to the query ``text``.

    Place names and generic words are left out of the word share; a question that names only a
    place ("what is available in Oldham") is fully covered by that place's own resources.
    """
    left_out = u.place_tokens() | GENERIC
    content = [t for t in dict.fromkeys(keywords(text)) if t not in left_out]
    about_c = about_mask(index, u, idx)  # per candidate
    about = np.zeros(len(idx), dtype=bool)
    for mask in about_c.values():
        about |= mask
    if content:
        share = _word_share(index, np.asarray(idx, dtype=np.int64), content, u, about_c)
    elif u.localities:
        share = own_place(index, list(u.localities))[idx].astype(float)
        about = about | (share > 0)
    else:
        share = np.zeros(len(idx))
    value = dense + WORD_SHARE * share + ABOUT * about
    return Closeness(value, share, about, value >= CLOSE_AT)


def _word_share(
    index: LoadedIndex,
    idx: np.ndarray,
    content: list[str],
    u: Understanding,
    about_c: dict[str, np.ndarray],
) -> np.ndarray:
    """Per candidate, the share of the query's content words (weighted by rarity) it contains,
    or is about (``about_c``: per candidate) through a recognised concept whose label holds the
    word; one array operation per word, not a loop over candidates (bench/RESULTS.md "One search
    pipeline")."""
    label_words = {c: set(keywords(" ".join(ls))) for c, ls in u.topics.items()}
    weights = {t: _idf(index, t) for t in content}
    share = np.zeros(len(idx))
    for t, w in weights.items():
        have = index.postings.has(t, idx)
        for c, mask in about_c.items():
            if t in label_words[c]:
                have = have | mask
        share += w * have
    return share / sum(weights.values())


def place_note(
    index: LoadedIndex,
    u: Understanding,
    place: str | None,
    shown: list[int],
    country: list[str],
) -> str | None:
    """Say so when the place asked about has nothing of its own on the question.

    Args:
        index: the loaded index.
        u: what the graph recognised in the query.
        place: the place named in the query or chosen as a filter (None: no note).
        shown: the close matches shown (resource numbers).
        country: the localities at national level.

    Returns:
        ``"Wigan has no resource of its own on neglect; showing Greater Manchester and national
        ones."``, or None when the place has its own (or no place or question is given).
    """
    if not place or place in country:
        return None
    name = index.vocab.label("locality", place)
    within = [p for p in index.below("locality", place) if p != place]  # an area's places
    mine = (relations(index, place) == OWN) | index.any_of("place", within)
    if u.topics:
        # exactly coverage's cell (own and adopted, available, the topic or a narrower one): the
        # note and /coverage never disagree, even where search backs off to a broader topic
        counted = mine & index.any_of("status", [AVAILABLE])
        about = index.any_of("topic", [t for c in u.topics for t in index.below("topic", c)])
        if (counted & about).any():
            return None
        what = " and ".join(_lower(index.vocab.label("topic", c)) for c in u.topics)
        head = f"{name} has no resource of its own on {what}"
    elif shown:
        if any(mine[i] for i in shown):
            return None
        head = f"{name} has no resource of its own that closely matches this search"
    else:
        return None
    if not shown:
        return head + "."
    kinds = _kinds(index, place, shown)
    return f"{head}; showing {kinds} ones." if kinds else f"{head}; showing ones from elsewhere."


def _kinds(index: LoadedIndex, place: str, shown: list[int]) -> str:
    """Which kind of resources ``shown`` are for ``place``: "Greater Manchester-wide",
    "national" or both ("Greater Manchester-wide and national"), with "other Wigan" first when
    some are the place's own on a broader topic or not available yet; "" when some are none of
    these."""
    codes = relations(index, place)[shown]
    within = [p for p in index.below("locality", place) if p != place]
    inner = index.any_of("place", within)[shown]  # an area's places count as its own
    if ((codes == NONE) & ~inner).any():
        return ""
    own = (codes == OWN) | inner
    names = [f"other {index.vocab.label('locality', place)}"] if own.any() else []
    names += [
        f"{index.vocab.label('locality', a)}-wide"
        for a in index.above("locality", place)
        if any(index.resources[i].locality == a for i in shown) and a not in index.top("locality")
    ]
    if (codes == NATIONAL).any():
        names.append("national")
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)


def _lower(label: str) -> str:
    """``Safer sleep`` -> ``safer sleep``; ``COVID-19`` stays as it is."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label
