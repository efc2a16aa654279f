"""The checks the server process makes on a client's SPARQL text: one linear scan.

Everything here runs in the server before any deadline-bound work, so every step does bounded
work per character and never looks at a character twice (see bench/findings.md, "hostile
queries", for what the earlier regular expressions cost):

1. lone surrogates and NUL are refused (one pass in C);
2. codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``) are decoded, as the SPARQL grammar says
   (section 19.2), with one fixed-length pattern;
3. one pass splits the decoded text into tokens, counting them and stopping at
   :data:`MAX_TOKENS`, tracking bracket depth (stopping past :data:`MAX_DEPTH`), naming update
   keywords, and noting the query form and the prefixes declared and used. Each token is read by
   a dispatch on its first character and a pattern with one unambiguous way to match (character
   classes, possessive repeats), and a string or IRI that does not end is an error at once
   rather than a reason to try again one character later.

Parsing with rdflib (``SERVICE``, graph IRIs, functions, patterns) happens later, where a
deadline bounds it: :func:`cradle.graph.sparql.guard.check_structure`, in a query worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cradle.core.errors import QuerySyntaxError, UpdateRefused

MAX_DEPTH = 64
MAX_TOKENS = 20_000  # terms, brackets and punctuation: bounds the parser's time and stack
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
FORM_KEYWORDS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})

_ESCAPE = re.compile(r"\\(?:\\|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")
#: White space and comments between tokens, skipped in one match: a query of many short
#: comments is skipped at the regular-expression engine's speed, not a token at a time.
_SPACE = re.compile(r"(?:\s++|#[^\n\r]*+)*+")
# Strings: each alternative starts with a different character, repeats are possessive, so a
# match either ends at the closing quote or fails once at the end of what it read.
_STRINGS = {
    "'''": re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*+'''", re.S),
    '"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*+"""', re.S),
    "'": re.compile(r"'(?:[^'\\\n\r]|\\.)*+'"),
    '"': re.compile(r'"(?:[^"\\\n\r]|\\.)*+"'),
}
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*+>")
_VAR = re.compile(r"[?$]\w*+")
_LANG = re.compile(r"@[A-Za-z]++(?:-[A-Za-z0-9]++)*+")
_BNODE = re.compile(r"_:(?:[\w\-.]|\\.)*+")
_WORD = re.compile(r"[^\W\d_]\w*+")
_PREFIX_REST = re.compile(r"[\w\-.]*+")
_LOCAL = re.compile(r"(?:[\w\-.:%]|\\.)*+")
_NUMBER = re.compile(r"\d*+(?:\.\d*+)?+(?:[eE][+-]?+\d++)?+")
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")


@dataclass
class Scanned:
    """What one scan of a query found.

    Attributes:
        text: the query with its codepoint escapes decoded: what the engine must be sent.
        form: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.
        tokens: terms, brackets and punctuation counted.
        depth: the deepest bracket nesting.
        declared: prefixes the query declares (``PREFIX p:``).
        used: prefixes of the prefixed names it uses.
    """

    text: str
    form: str = ""
    tokens: int = 0
    depth: int = 0
    declared: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)


#: Most codepoint escapes a query may hold (a query writes its characters as they are).
MAX_ESCAPES = 10_000


def decode_escapes(text: str) -> str:
    """Decode SPARQL codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``) as the grammar does,
    before any parsing; an escaped backslash (``\\\\``) stays as it is.

    Raises:
        QuerySyntaxError: an escape names no Unicode character (a surrogate, beyond U+10FFFF),
            NUL, or a backslash (whose meaning parsers disagree on: write ``\\\\`` instead).
    """

    def decode(match: re.Match[str]) -> str:
        digits = match.group(1) or match.group(2)
        if digits is None:
            return match.group()
        code = int(digits, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QuerySyntaxError(f"{match.group()} is not a Unicode character")
        if code == 0:
            raise QuerySyntaxError(f"{match.group()} (NUL) is not allowed in a query")
        if code == 0x5C:
            raise QuerySyntaxError(
                f"{match.group()} decodes to a backslash, which would start another escape: "
                "write the backslash as \\\\ inside a string"
            )
        return chr(code)

    if "\\" not in text:
        return text
    # each escape is decoded by a Python call: their number is capped first, counted in C
    # (hostile round 8, F8; bench/findings.md)
    if text.count("\\u") + text.count("\\U") > MAX_ESCAPES:
        raise QuerySyntaxError(
            f"more than {MAX_ESCAPES} codepoint escapes (\\u...): write the characters themselves"
        )
    return _ESCAPE.sub(decode, text)


def scan(text: str, *, limits: bool = True) -> Scanned:
    """Check a query's text in one linear pass (see the module docstring).

    Args:
        text: the query as the client sent it.
        limits: enforce :data:`MAX_TOKENS` and :data:`MAX_DEPTH` (off only to find prefixes).

    Returns:
        The decoded text, its form, and the prefixes it declares and uses.

    Raises:
        QuerySyntaxError: empty, NUL or lone-surrogate characters, bad escapes, a string or
            name that does not end, nesting or size over the limits, or no query form.
        UpdateRefused: the text names an update operation (INSERT, DELETE, LOAD, CLEAR, ...).
    """
    if not text.strip():
        raise QuerySyntaxError("the query is empty")
    if "\x00" in text:
        raise QuerySyntaxError("the query contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QuerySyntaxError(
            "the query contains a lone surrogate (not valid Unicode text)"
        ) from None
    found = Scanned(decode_escapes(text))
    _tokens(found, limits)
    if not found.form:
        raise QuerySyntaxError(
            "the query has no SELECT, ASK, CONSTRUCT or DESCRIBE (is one misspelt?): send a "
            "SPARQL query"
        )
    return found


def _tokens(found: Scanned, limits: bool) -> None:
    """Walk the tokens of ``found.text`` once, filling in ``found``."""
    text, pos, end = found.text, 0, len(found.text)
    depth, after_prefix = 0, False
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= end:
            return
        found.tokens += 1
        if limits and found.tokens > MAX_TOKENS:
            raise QuerySyntaxError(
                f"the query has more than {MAX_TOKENS} terms and symbols: "
                "split it into smaller queries"
            )
        char = text[pos]
        if char in _OPEN:
            depth += 1
            found.depth = max(found.depth, depth)
            if limits and depth > MAX_DEPTH:
                raise QuerySyntaxError(
                    f"the query nests brackets more than {MAX_DEPTH} deep; "
                    f"at most {MAX_DEPTH} are allowed"
                )
            pos += 1
        elif char in _CLOSE:
            depth -= 1
            pos += 1
        elif char in "'\"":
            pos = _string(text, pos)
        else:
            pos, kind, value = _term(text, pos)
            if kind == "pname":
                (found.declared if after_prefix else found.used).add(value)
            elif kind == "word":
                _word(found, value)
            after_prefix = kind == "word" and value.upper() == "PREFIX"
            continue
        after_prefix = False


def _word(found: Scanned, word: str) -> None:
    upper = word.upper()
    if upper in UPDATE_KEYWORDS:
        raise UpdateRefused(
            f"{upper} is an update operation: this endpoint is read-only "
            "and accepts SPARQL queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only"
        )
    if not found.form and upper in FORM_KEYWORDS:
        found.form = upper


def _string(text: str, pos: int) -> int:
    """The end of the string literal starting at ``pos``; an unclosed one is an error."""
    quote = text[pos : pos + 3] if text.startswith(text[pos] * 3, pos) else text[pos]
    match = _STRINGS[quote].match(text, pos)
    if match is None:
        line = text.count("\n", 0, pos) + 1
        raise QuerySyntaxError(f"line {line}: a string starting with {quote} is not closed")
    return match.end()


def _term(text: str, pos: int) -> tuple[int, str, str]:
    """One token that is not a bracket, string or comment: ``(end, kind, value)`` where kind is
    ``pname`` (value: its prefix), ``word`` (value: the word) or ``other``."""
    char = text[pos]
    if char == "<":
        match = _IRI.match(text, pos)  # else the < or <= operator; the scan ends at a < or space
        return (match.end() if match else pos + 1), "other", ""
    if char in "?$":
        return _VAR.match(text, pos).end(), "other", ""  # type: ignore[union-attr]
    if char == "@":
        match = _LANG.match(text, pos)
        return (match.end() if match else pos + 1), "other", ""
    if char == "_" and text.startswith("_:", pos):
        return _BNODE.match(text, pos).end(), "other", ""  # type: ignore[union-attr]
    if char == ":":
        return _LOCAL.match(text, pos + 1).end(), "pname", ""  # type: ignore[union-attr]
    if char.isdigit() or (char == "." and text[pos + 1 : pos + 2].isdigit()):
        return _NUMBER.match(text, pos).end(), "other", ""  # type: ignore[union-attr]
    word = _WORD.match(text, pos)
    if word is None:
        return pos + 1, "other", ""
    rest = _PREFIX_REST.match(text, word.end()).end()  # type: ignore[union-attr]
    if text.startswith(":", rest):
        local = _LOCAL.match(text, rest + 1).end()  # type: ignore[union-attr]
        return local, "pname", text[pos:rest]
    if rest > word.end():  # e.g. ``a.b``: one token, never read again
        return rest, "other", ""
    return word.end(), "word", word.group()
