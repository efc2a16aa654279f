"""Read-only and no-outbound-traffic checks on SPARQL query text, made before any evaluation.

Oxigraph evaluates ``SERVICE`` by opening an HTTP connection, so a query naming one must be
refused before it reaches an engine. The check lexes the query the way a SPARQL parser does
(strings, IRIs, comments, variables and prefixed names are single tokens) and looks at the
bare keywords left over; anything ambiguous errs towards refusing. It also bounds nesting
depth and pattern count (Oxigraph's parser recurses per bracket and its optimiser is
super-linear in the number of patterns), and names the query form for content negotiation.

Any engine (embedded or remote) calls :func:`check_query` and :func:`check_graphs` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from cradle.core.errors import QueryRefused, QuerySyntaxError, UpdateRefused

MAX_DEPTH = 64
MAX_PATTERNS = 256
SAFE_SCHEMES = frozenset({"http", "https", "urn"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

_TOKEN = re.compile(
    r"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<comment>\#[^\n\r]*)
    |(?P<var>[?$]\w*)
    |(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    |(?P<bnode>_:(?:[\w\-.]|\\.)*)
    |(?P<pname>(?:[^\W\d_][\w\-.]*)?:(?:[\w\-.:%]|\\.)*)
    |(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<word>[^\W\d_]\w*)
    |(?P<open>[{(\[])
    |(?P<close>[})\]])
    |(?P<sep>[.;,/|])
    |(?P<escape>\\.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the checks.

    Attributes:
        text: the query text, unchanged.
        form: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.
        from_graphs: IRIs named by ``FROM`` / ``FROM NAMED`` clauses (resolved when possible).
    """

    text: str
    form: str
    from_graphs: list[str] = field(default_factory=list)


def check_query(text: str, base_iri: str | None = None) -> CheckedQuery:
    """Check a query's text before evaluation.

    Args:
        text: the query.
        base_iri: the base IRI relative IRIs in ``FROM`` clauses resolve against.

    Raises:
        QuerySyntaxError: empty, NUL or lone-surrogate characters, nesting or size over limits,
            or no query form found.
        UpdateRefused: the text is an update (INSERT, DELETE, LOAD, CLEAR, ...).
        QueryRefused: it uses ``SERVICE`` (federation would open outbound connections), or
            ``FROM`` names a ``file:`` or other non-web graph.
    """
    if not text.strip():
        raise QuerySyntaxError("the query is empty")
    if "\x00" in text:
        raise QuerySyntaxError("the query contains a NUL character")
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise QuerySyntaxError("the query contains a lone surrogate (not valid Unicode text)")
    depth = max_depth = patterns = 0
    words: list[str] = []
    prefixes: dict[str, str] = {}
    base = base_iri or ""
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]
    for i, (kind, value) in enumerate(tokens):
        if kind == "open":
            depth += 1
            max_depth = max(max_depth, depth)
        elif kind == "close":
            depth -= 1
        elif kind == "sep":
            patterns += 1
        elif kind == "word":
            word = value.upper()
            words.append(word)
            if word == "SERVICE":
                raise QueryRefused(
                    "SERVICE (federated query) is not allowed: this endpoint never contacts "
                    "other services; query its own graphs only"
                )
            if word in UPDATE_KEYWORDS:
                raise UpdateRefused(
                    f"{word} is an update operation: this endpoint is read-only and accepts "
                    "SPARQL queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only"
                )
            if word == "BASE" and _kind(tokens, i + 1) == "iri":
                base = _join(base, tokens[i + 1][1][1:-1])
            if (
                word == "PREFIX"
                and _kind(tokens, i + 1) == "pname"
                and _kind(tokens, i + 2) == "iri"
            ):
                prefixes[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
    if max_depth > MAX_DEPTH:
        raise QuerySyntaxError(
            f"the query nests brackets {max_depth} deep; at most {MAX_DEPTH} are allowed"
        )
    if patterns > MAX_PATTERNS:
        raise QuerySyntaxError(
            f"the query has about {patterns} triple patterns or path steps; at most "
            f"{MAX_PATTERNS} are allowed: split it into smaller queries"
        )
    form = next((w for w in words if w in FORMS), None)
    if form is None:
        raise QuerySyntaxError(
            "no query form found: a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE"
        )
    graphs = _from_graphs(tokens, prefixes, base)
    check_graphs(graphs, where="FROM")
    return CheckedQuery(text, form, graphs)


def check_graphs(iris: list[str], *, where: str) -> None:
    """Check graph IRIs a request names (``FROM`` clauses, ``default-graph-uri``, ...).

    Graphs this engine does not hold are treated as empty graphs by the engines and are never
    fetched; IRIs that could only mean a local file or another protocol are refused outright.

    Raises:
        QuerySyntaxError: an IRI is not absolute or contains spaces or control characters.
        QueryRefused: an IRI's scheme is not http, https or urn (e.g. ``file:``).
    """
    for iri in iris:
        if not iri or any(ch in iri for ch in '<>"{}|^`\\') or any(ord(c) <= 0x20 for c in iri):
            raise QuerySyntaxError(f"{where}: {iri!r} is not a valid IRI")
        try:
            scheme = urlsplit(iri).scheme.lower()
        except ValueError:
            raise QuerySyntaxError(f"{where}: {iri!r} is not a valid IRI") from None
        if not scheme:
            raise QuerySyntaxError(f"{where}: {iri!r} is not an absolute IRI")
        if scheme not in SAFE_SCHEMES:
            raise QueryRefused(
                f"{where}: graph <{iri}> is refused: this endpoint never reads files or "
                "fetches graphs; name one of the graphs it serves"
            )


def foreign_graphs(iris: list[str], own: set[str]) -> list[str]:
    """The IRIs in ``iris`` that are not among the engine's own graphs ``own``."""
    return [iri for iri in iris if iri not in own]


def _join(base: str, iri: str) -> str:
    try:
        return urljoin(base, iri)
    except ValueError:
        raise QuerySyntaxError(f"<{iri}> is not a valid IRI") from None


def _kind(tokens: list[tuple[str | None, str]], i: int) -> str | None:
    return tokens[i][0] if i < len(tokens) else None


def _from_graphs(
    tokens: list[tuple[str | None, str]], prefixes: dict[str, str], base: str
) -> list[str]:
    graphs = []
    for i, (kind, value) in enumerate(tokens):
        if kind != "word" or value.upper() != "FROM":
            continue
        j = i + 2 if _kind(tokens, i + 1) == "word" else i + 1  # FROM NAMED
        if j >= len(tokens):
            continue
        target_kind, target = tokens[j]
        if target_kind == "iri":
            graphs.append(_join(base, target[1:-1]))
        elif target_kind == "pname":
            prefix, _, local = target.partition(":")
            if prefix in prefixes:
                graphs.append(prefixes[prefix] + local)
    return [g for g in graphs if g]
