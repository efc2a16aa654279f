"""Cleaning what people type into the search box before it reaches the index.

Invisible characters (zero-width spaces and joiners, bidi controls, other format and control
characters, lone surrogates) are dropped; compatibility forms are folded (NFKC: full-width
letters, ligatures); inside a word that mixes Latin letters with Cyrillic or Greek look-alikes
(``sаfe`` with a Cyrillic ``а``), the look-alikes are read as the Latin letters they imitate.
Words wholly in another script are left alone, and so are accented letters (Welsh ``ŵ``).
"""

from __future__ import annotations

import re
import unicodedata

#: Cyrillic and Greek letters that look like Latin ones (the common "confusables").
HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХІЈЅԜαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhlqwABEKMHOPCTXIJSWabeikvoptuxABEZHIKMNOPTYX",
)
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_DROP = {"Cf", "Cc", "Cs", "Co", "Cn"}


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if ch.isalpha() else ""


def _fold_word(match: re.Match[str]) -> str:
    word = match.group(0)
    scripts = {_script(ch) for ch in word} - {""}
    if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK"}:
        return word.translate(HOMOGLYPHS)
    return word


#: ASCII control characters: the whitespace ones read as a space, the others dropped.
_ASCII_CONTROLS = {c: (" " if chr(c) in "\t\n\r\f\v" else None) for c in [*range(32), 127]}


def clean_query(text: str) -> str:
    """The query with invisible characters dropped, forms folded and look-alikes read as Latin.

    Args:
        text: the raw query.

    Returns:
        The cleaned query, whitespace collapsed; empty when nothing visible was typed.
    """
    if text.isascii():  # nearly every query: no format characters, no forms, no look-alikes
        return _SPACE.sub(" ", text.translate(_ASCII_CONTROLS)).strip()
    text = "".join(
        " " if ch in "\t\n\r\f\v" else ch
        for ch in text
        if unicodedata.category(ch) not in _DROP or ch in "\t\n\r\f\v"
    )
    text = unicodedata.normalize("NFKC", text)
    text = _WORD.sub(_fold_word, text)
    return _SPACE.sub(" ", text).strip()
