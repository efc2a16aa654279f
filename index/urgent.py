"""Questions about a baby who may be hurt or unwell now: the urgent notice.

Cradle is a catalogue of resources, not advice. A question that says a baby is hurt or unwell
now ("not breathing", "fell down the stairs", "won't wake", "burnt") gets a short fixed notice
above its results: call 999, or NHS 111 (``urgent: true`` in the search JSON; docs/search.md,
"Urgent questions").

The triggers are small reviewed lists, not a classifier: each names something happening to a
baby, in the words a frightened parent types, and none is a topic's name ("burns", "choking",
"head injury" are what resources are about; "burnt", "is choking", "hit his head" are what
happened). A question is read after lower-casing and straightening apostrophes, in two ways:

- a trigger phrase (:data:`TRIGGERS`) as whole words ("not breathing", "fell down the stairs");
- words that say how a baby is or what was done to it, in any order, so that the wording does
  not decide ("baby is blue and floppy", "floppy baby", "baby went limp" alike):

  - a sign (:data:`SIGNS`: floppy, limp, lifeless) in a question that names the baby
    (:data:`BABY`: baby, newborn, son, she, him...), not "has a limp";
  - a colour of the skin (:data:`COLOURS`: blue, grey) said of the baby: after a word that
    links it ("is", "went", "looks", "lips"), in a question that names the baby; "baby blues",
    "eyes are blue" and "blue badge" are not;
  - a state (:data:`STATES`: fitting, choking...), something swallowed, a hot spill or a fall
    of the baby (the tables below); a parent unsure ("might have eaten") is still asking now;
  - a sign of serious illness said of the baby: a named illness (:data:`ILLNESSES`), a fever
    (:data:`FEVER`: "has a temperature", "temp of 39"), a rash that does not fade under a glass,
    no wet nappies;
  - a blow (:data:`BLOWS`: hit, threw, shook, hurt...) done to the baby: followed by the baby
    ("threw the baby", "hit him"), or "was shaken" in a question that names the baby. Not when
    it is a fear or a wish ("scared I will hurt my baby", "feel like hurting the baby": one of
    :data:`THOUGHTS` in the three words before), which is a question for the resources on
    coping, not for 999.

Every step is one pass over the question's words (no pattern that can backtrack over them).
Changing a list: edit it here and the table in docs/search.md, with a test in
tests/index/test_urgent.py for it and for a question it must leave alone.
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
    # signs of serious illness (NHS advice on when a baby needs 111 or 999)
    "breathing fast", "breathing very fast", "breathing really fast", "fast breathing",
    "hard to wake", "difficult to wake", "won't feed", "wont feed", "refusing feeds",
    "refusing to feed", "green vomit", "green sick", "vomiting blood", "bulging fontanelle",
)  # fmt: skip  # a table: the reviewed phrases, grouped by what happened

#: Phrases that hold a trigger but say nothing happened to a baby; removed before matching.
NOT_TRIGGERS: tuple[str, ...] = (
    "burnt out", "burned out", "unconscious bias", "floppy head", "floppy neck",
)  # fmt: skip

#: Words that name the baby in a question (a possessive "baby's" counts as "baby").
BABY = frozenset({"baby", "babies", "newborn", "infant", "son", "daughter", "he", "she", "him",
                  "her", "his", "lo"})  # fmt: skip
#: How a baby is that is urgent whatever the words around it, when the question names the baby.
SIGNS = frozenset({"floppy", "limp", "lifeless"})
#: Colours of the skin that are urgent when said of the baby (after a :data:`LINKS` word).
COLOURS = frozenset({"blue", "grey", "gray"})
#: Words that say a colour of the baby: "is blue", "went grey", "looks blue", "lips blue".
LINKS = frozenset({"is", "was", "went", "gone", "going", "goes", "turned", "turning", "turns",
                   "looks", "looking", "looked", "seems", "are", "were", "lips", "face", "skin",
                   "all", "very", "bit", "slightly", "and"})  # fmt: skip
#: Blows done to a baby, when followed by it ("threw the baby") or, for the forms after "was",
#: "been" or "got" (:data:`DONE`), said of it ("the baby was shaken").
BLOWS = frozenset({"hit", "threw", "thrown", "shook", "kicked", "punched", "slapped", "smacked",
                   "squeezed", "strangled", "smothered", "suffocated", "hurt", "hurting", "harmed",
                   "injured"})  # fmt: skip
DONE = frozenset({"shaken", "hit", "thrown", "kicked", "punched", "slapped", "smacked",
                  "squeezed", "strangled", "smothered", "suffocated", "hurt", "harmed",
                  "injured"})  # fmt: skip
#: States of the baby that are urgent said of it: after a :data:`LINKS` word or right after the
#: baby ("baby fitting", "baby is choking"), not when an object or a topic's word follows
#: ("fitting a stair gate", "baby choking prevention").
STATES = frozenset({"fitting", "convulsing", "seizing", "choking"})
_OBJECTS = frozenset({"a", "an", "the", "our", "my", "his", "her", "their", "new", "in", "it",
                      "prevention", "hazard", "hazards", "risk", "risks", "advice", "leaflet",
                      "first", "training", "course", "guidance"})  # fmt: skip
#: Something swallowed that is urgent: a past form of swallowing followed, within five words,
#: by one of :data:`SWALLOWED` ("baby ate one of my tablets", "drank bleach").
SWALLOWING = frozenset({"swallowed", "ate", "eaten", "drank", "drunk", "chewed", "licked"})
SWALLOWED = frozenset({"bleach", "tablet", "tablets", "pill", "pills", "medicine", "medication",
                       "paracetamol", "calpol", "ibuprofen", "battery", "batteries", "magnet",
                       "magnets", "detergent", "capsule", "capsules", "pod", "pods", "chemical",
                       "chemicals", "poison", "cleaner", "dishwasher", "cigarette", "cigarettes",
                       "methadone", "coin", "button"})  # fmt: skip
#: A hot liquid spilt: one of :data:`SPILT` and one of :data:`HOT` within five words.
SPILT = frozenset({"spilt", "spilled", "poured", "knocked", "splashed"})
HOT = frozenset({"kettle", "tea", "coffee", "boiling", "hot"})
#: A fall: one of :data:`FALLS` right before off, from, out or down ("fell off the changing
#: table"; "fell asleep" and "fell out with" are not).
FALLS = frozenset({"fell", "fallen", "falls", "rolled", "slipped", "tumbled"})
_AWAY = frozenset({"off", "from", "out", "down"})
#: Illnesses that are urgent named of the baby ("I think my baby has meningitis"), not after a
#: word that asks about them ("signs of sepsis") nor before one of prevention ("meningitis b jab").
ILLNESSES = frozenset({"meningitis", "sepsis"})
_ABOUT = frozenset({"signs", "sign", "symptoms", "symptom", "of", "about", "against", "vaccine",
                    "vaccines", "jab", "jabs", "what", "is"})  # fmt: skip
_PREVENTION = frozenset({"vaccine", "vaccines", "vaccination", "jab", "jabs", "injection",
                         "awareness", "leaflet", "leaflets", "training", "poster", "b", "c",
                         "w"})  # fmt: skip
#: A fever: "fever" or "temperature" after "high", or after has, got, with or running (with an
#: "a" between or not: "has a temperature"); "feverish" after a linking word or the baby ("is
#: feverish"). A reading within four words before or three after decides instead: 38 to 45 is
#: urgent, 35 to 37 is not ("a temperature of 37.5": the words split at the point, so readings
#: are whole degrees);
#: other numbers are not readings ("after 48 hours", "98.6"). Not of a thing ("bath
#: temperature", "room temperature"), nor a question how to take one (:data:`_CHECKING`).
FEVER = frozenset({"fever", "temperature", "temp"})
_HAS = frozenset({"has", "got", "with", "running"})
_OF_A_THING = frozenset({"bath", "room", "water", "milk", "bottle", "formula", "nursery"})
_CHECKING = frozenset({"how", "know", "if", "take", "taking", "check", "checking", "measure",
                       "normal", "what", "whats"})  # fmt: skip
#: A rash that does not fade under a glass: "rash" with, within five words, fade or blanch
#: right after a negation ("doesn't fade", "non-blanching"), or purple or pinprick spots.
_FADE = frozenset({"fade", "fades", "fading", "blanch", "blanches", "blanching", "disappear"})
_NEGATION = frozenset({"not", "doesnt", "doesn't", "dont", "don't", "wont", "won't", "didnt",
                       "didn't", "non", "never"})  # fmt: skip
_SPOTS = frozenset({"purple", "pinprick"})
#: No wet nappies: "wet" with nappy or nappies within three words after it and one of
#: :data:`_NONE` in the five words before it ("hasn't had a single wet nappy today", "no wet or
#: dirty nappies").
_NONE = frozenset({"no", "not", "hasn't", "hasnt", "without"})
#: Words before a blow (within three) that make it a fear, a wish or a question about one.
THOUGHTS = frozenset({"will", "might", "may", "could", "would", "going", "gonna", "want",
                      "wanna", "scared", "afraid", "worried", "feel", "like", "not", "never",
                      "don't", "dont", "how", "avoid", "stop", "if", "to", "of",
                      "about"})  # fmt: skip
#: Words between a blow and the baby ("hit the baby", "shook my son").
_OWNERS = frozenset({"the", "my", "our", "his", "her", "their", "your"})

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
_WORD = re.compile(r"[\w']+")


def urgent(query: str) -> bool:
    """Whether ``query`` says a baby may be hurt or unwell now (one of :data:`TRIGGERS`).

    Args:
        query: the question as typed.

    Returns:
        True when a trigger phrase appears in it as whole words, in any case, or its words
        say a sign, a colour or a blow of the baby (the module's docstring), outside the
        phrases of :data:`NOT_TRIGGERS`.
    """
    text = unicodedata.normalize("NFKC", query).translate(_APOSTROPHES).casefold()
    text = _EXCEPTIONS.sub(" ", " ".join(text.split()))
    if _PATTERN.search(text) is not None:
        return True
    words = [w.removesuffix("'s") for w in _WORD.findall(text)]
    return _of_the_baby(words)


def _of_the_baby(words: list[str]) -> bool:
    """Whether ``words`` say a sign, a colour, a state, a blow, something swallowed, a hot
    spill or a fall of the baby (one pass over them)."""
    if BABY.isdisjoint(words) and not _aged(words):  # every rule is about the baby
        return False
    for n, word in enumerate(words):
        if (word in SIGNS and words[n - 1 : n] != ["a"]) or (  # "has a limp" is not
            word in COLOURS and _said_of(words, n)
        ):
            return True
        if word in STATES and _state_of(words, n):
            return True
        if _happened(words, n) or _unwell(words, n):
            return True
    return False


_AGES = frozenset({"day", "days", "week", "weeks", "month", "months", "wk", "wks"})


def _aged(words: list[str]) -> bool:
    """Whether ``words`` name the baby by its age ("my 6 week old")."""
    return any(w == "old" and words[n - 1 : n] and words[n - 1] in _AGES
               for n, w in enumerate(words))  # fmt: skip


def _unwell(words: list[str], n: int) -> bool:
    """Whether ``words[n]`` says a sign of serious illness: a named illness, a fever, a rash
    that does not fade or no wet nappies (the tables above)."""
    word, before, after = words[n], words[max(0, n - 5) : n], words[n + 1 : n + 6]
    if word in ILLNESSES:
        return _ABOUT.isdisjoint(before[-2:]) and _PREVENTION.isdisjoint(after[:3])
    if word in FEVER or word == "feverish":
        return _fever(words, n)
    if word == "rash":
        near = words[max(0, n - 5) : n + 6]
        return not _SPOTS.isdisjoint(near) or any(
            w in _FADE and k > 0 and near[k - 1] in _NEGATION for k, w in enumerate(near)
        )
    return (
        word == "wet"
        and not {"nappy", "nappies"}.isdisjoint(after[:3])
        and not _NONE.isdisjoint(before)
    )


def _fever(words: list[str], n: int) -> bool:
    """Whether the fever word ``words[n]`` says the baby has one now (:data:`FEVER`)."""
    if (
        not _CHECKING.isdisjoint(words[max(0, n - 6) : n])
        or words[n - 1 : n]
        and (words[n - 1] in _OF_A_THING)
    ):
        return False
    near = words[max(0, n - 4) : n] + words[n + 1 : n + 4]  # "37.5 a high temp": four
    readings = [r for r in map(_number, near) if r is not None and 35 <= r <= 45]
    if readings:
        return max(readings) >= 38
    if words[n] == "feverish":
        return n > 0 and (words[n - 1] in LINKS or words[n - 1] in BABY)
    has = words[n - 2] if words[n - 1 : n] == ["a"] and n > 1 else words[n - 1] if n else ""
    return has in _HAS or words[n - 1 : n] == ["high"]


def _number(word: str) -> float | None:
    """A reading such as "39", "38.5" or "39c" as a number (None when it is not one)."""
    digits = word.removesuffix("c")
    try:
        return float(digits) if digits[:1].isdigit() else None
    except ValueError:
        return None


def _happened(words: list[str], n: int) -> bool:
    """Whether ``words[n]`` says something that happened to the baby: a blow done to it (not a
    fear or a wish of one), what it swallowed, a hot spill or its fall ("might have eaten" is
    still urgent: a parent unsure is asking now)."""
    word, after, near = words[n], words[n + 1 : n + 6], words[max(0, n - 5) : n + 6]
    blow = (word in BLOWS and _done_to_the_baby(after[:2])) or (
        word in DONE and words[n - 1 : n] in (["was"], ["been"], ["got"], ["being"])
    )
    return (
        (blow and THOUGHTS.isdisjoint(words[max(0, n - 3) : n]))
        or (word in SWALLOWING and not SWALLOWED.isdisjoint(after))
        or (word in SPILT and not HOT.isdisjoint(near))
        or (word in FALLS and after[:1] != [] and after[0] in _AWAY and after[1:2] != ["with"]
            and _subject(words, n) in BABY)
    )  # fmt: skip


def _subject(words: list[str], n: int) -> str:
    """The word before ``words[n]``, past helping words ("the baby has just fallen" -> baby)."""
    at = n - 1
    while at >= 0 and words[at] in _HELPING:
        at -= 1
    return words[at] if at >= 0 else ""


_HELPING = frozenset({"has", "have", "had", "just", "nearly", "accidentally", "was", "got",
                      "may", "might", "could", "think", "i"})  # fmt: skip


def _said_of(words: list[str], n: int) -> bool:
    """Whether the colour ``words[n]`` is said of the baby: after a word that links it ("is
    blue", "lips blue"), not of its eyes, and not naming a thing ("blue light", "blue badge")."""
    before = words[n - 1] if n else ""
    return (
        before in LINKS
        and _NOT_SKIN.isdisjoint(words[max(0, n - 3) : n])
        and _NOT_SKIN.isdisjoint(words[n + 1 : n + 2])
    )


_NOT_SKIN = frozenset({"eyes", "eye", "light", "badge", "holder", "blanket", "cot", "room",
                       "nursery", "clothes", "car", "pram"})  # fmt: skip


def _state_of(words: list[str], n: int) -> bool:
    """Whether the state ``words[n]`` ("fitting") is said of the baby: after a linking word or
    the baby, and not followed by an object."""
    before, after = words[n - 1] if n else "", words[n + 1 : n + 2]
    return (before in LINKS or before in BABY) and not (after and after[0] in _OBJECTS)


def _done_to_the_baby(after: list[str]) -> bool:
    """Whether the words after a blow are the baby ("the baby", "my son", "him")."""
    if after[:1] and after[0] in _OWNERS:
        after = after[1:]
    return bool(after) and after[0] in BABY
