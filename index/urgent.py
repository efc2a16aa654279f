"""Questions about a baby who may be hurt or unwell now: the urgent notice.

Cradle is a catalogue of resources, not advice. A question that says a baby is hurt or unwell
now ("not breathing", "fell down the stairs", "won't wake", "burnt") gets a short fixed notice
above its results: call 999, or NHS 111 (``urgent: true`` in the search JSON; docs/search.md,
"Urgent questions").

The triggers are a small reviewed list, not a classifier: each names something happening to a
baby, in the words a frightened parent types, and none is a topic's name ("burns", "choking",
"head injury" are what resources are about; "burnt", "is choking", "hit his head" are what
happened). A question is matched word for word after lower-casing and straightening
apostrophes; a trigger matches whole words only. Changing the list: add the phrase here and to
the table in docs/search.md, with a test in tests/test_urgent.py for it and for a
question it must leave alone.
"""

from __future__ import annotations

import re
import unicodedata

#: Reviewed trigger phrases (lower case, straight apostrophes), by what they say happened.
TRIGGERS: tuple[str, ...] = (
    # breathing
    "not breathing", "isn't breathing", "isnt breathing", "stopped breathing",
    "can't breathe", "cant breathe", "cannot breathe", "struggling to breathe",
    "turning blue", "turned blue", "gone blue", "blue lips",
    # waking and responding
    "won't wake", "wont wake", "will not wake", "can't wake", "cant wake", "cannot wake",
    "not waking up", "unresponsive", "unconscious", "gone floppy", "is floppy",
    "having a fit", "having a seizure",
    # falls and blows to the head
    "fell down the stairs", "fallen down the stairs", "fell down stairs", "dropped the baby",
    "dropped my baby", "hit his head", "hit her head", "banged his head", "banged her head",
    "shook the baby", "shook my baby",
    # burns, swallowing, choking, bleeding
    "burnt", "burned", "scalded", "is choking", "was choking", "swallowed a battery",
    "swallowed a button battery", "swallowed a magnet", "swallowed tablets", "swallowed bleach",
    "is bleeding", "won't stop bleeding", "wont stop bleeding",
)  # fmt: skip  # a table: the reviewed phrases, grouped by what happened

#: Phrases that hold a trigger but say nothing happened to a baby; removed before matching.
NOT_TRIGGERS: tuple[str, ...] = ("burnt out", "burned out", "unconscious bias")

#: The notice's words where there is no page (``cradle search``); the page's copy, with its
#: telephone links, is service/templates/_urgent.html.
NOTICE = (
    "If a baby may be hurt or unwell now, call 999 in an emergency, or NHS 111 for urgent "
    "medical advice. Cradle is a catalogue of resources, not medical advice."
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def _words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``phrases`` as whole words (longest first)."""
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(r"(?<![\w'])(?:" + alternatives + r")(?![\w'])")


_PATTERN = _words(TRIGGERS)
_EXCEPTIONS = _words(NOT_TRIGGERS)


def urgent(query: str) -> bool:
    """Whether ``query`` says a baby may be hurt or unwell now (one of :data:`TRIGGERS`).

    Args:
        query: the question as typed.

    Returns:
        True when a trigger phrase appears in it as whole words, in any case, outside the
        phrases of :data:`NOT_TRIGGERS`.
    """
    text = unicodedata.normalize("NFKC", query).translate(_APOSTROPHES).casefold()
    text = _EXCEPTIONS.sub(" ", " ".join(text.split()))
    return _PATTERN.search(text) is not None
