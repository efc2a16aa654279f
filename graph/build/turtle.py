"""A fast Turtle writer for chunks of resources, byte-identical to rdflib's ``turtle`` output.

rdflib's serialiser spends most of its time finding prefixed names: every IRI such as
``res:x/link`` that no prefix covers adds a namespace to a trie that later look-ups scan, which
dominates large chunks (bench/findings.md). This writer lays out the document exactly as rdflib's
``TurtleSerializer`` does (prefixes used, sorted; subjects by references then IRI, ``rdf:type``
first, predicates and objects sorted; the same indentation) and renders terms with rdflib's own
term methods, but finds a prefixed name once per IRI with the same rule rdflib applies: split the
IRI where rdflib splits it, prefer a longer bound namespace the IRI starts with, use the prefix
bound to that namespace. Graphs it does not handle the same way (blank nodes, lists, classes,
several literals for one property, unbound predicates) are handed to rdflib.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, split_uri
from rdflib.term import Node

_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_INVALID_IRI = '<>" {}|\\^`'
_TYPE, _LABEL, _CLASS, _NIL = (str(t) for t in (RDF.type, RDFS.label, RDFS.Class, RDF.nil))
_TOP = (_TYPE, _LABEL)  # rdflib's predicateOrder


class _Unhandled(Exception):
    """The graph needs rdflib's general serialiser."""


class _Names:
    """Prefixed names under a fixed set of prefix bindings, memoised per IRI."""

    def __init__(self, graph: Graph) -> None:
        store = graph.namespace_manager.store
        self.bound: dict[str, str] = {}
        for _, ns in graph.namespaces():
            prefix = store.prefix(ns)
            if prefix is not None:
                self.bound[str(ns)] = prefix
        self.cache: dict[str, tuple[str, str] | None] = {}

    def pname(self, iri: str) -> tuple[str, str] | None:
        """``(prefix, "prefix:local")`` for ``iri``, or None when rdflib would write ``<iri>``."""
        if iri in self.cache:
            return self.cache[iri]
        found = self._compute(iri)
        self.cache[iri] = found
        return found

    def _compute(self, iri: str) -> tuple[str, str] | None:
        if any(c in iri for c in _INVALID_IRI):
            raise _Unhandled(iri)
        try:
            ns, local = split_uri(iri)
        except ValueError:
            ns, local = iri, ""
            if ns not in self.bound:
                return None
        longer = [b for b in self.bound if len(b) > len(ns) and b.startswith(ns)]
        matching = [b for b in longer if iri.startswith(b)]
        if matching:
            ns = max(matching, key=len)
            local = iri[len(ns) :]
        prefix = self.bound.get(ns)
        if prefix is None:
            return None
        if prefix.startswith("_"):
            raise _Unhandled(iri)
        local = _PERCENT.sub("\\%", local.replace("(", r"\(").replace(")", r"\)"))
        if local.endswith("."):
            return None
        return prefix, f"{prefix}:{local}"


def _label(node: Node, names: _Names, used: set[str]) -> str:
    if type(node) is URIRef:
        found = names.pname(str(node))
        if found is None:
            return node.n3()
        used.add(found[0])
        return found[1]
    if isinstance(node, Literal):
        if node.datatype is not None:
            found = names.pname(str(node.datatype))
            if found:
                used.add(found[0])

        def dt(uri: URIRef) -> str | None:
            pair = names.pname(str(uri))
            return pair[1] if pair else None

        return node._literal_n3(use_plain=True, qname_callback=dt)
    raise _Unhandled(repr(node))


def write_turtle(triples: Iterable[tuple[Node, Node, Node]], prefixes: Graph) -> bytes:
    """Turtle for ``triples``, as ``Graph.serialize(format="turtle")`` of a graph holding them
    with the bindings of ``prefixes`` would give (UTF-8 bytes).

    Args:
        triples: the triples; repeats count once, as in a graph.
        prefixes: a graph whose namespace bindings apply (its triples are not written).
    """
    triples = list(triples)
    try:
        return _write(triples, _Names(prefixes))
    except _Unhandled:
        g = Graph(namespace_manager=prefixes.namespace_manager)
        for t in triples:
            g.add(t)
        return g.serialize(format="turtle").encode("utf-8")


def _write(triples: list[tuple[Node, Node, Node]], names: _Names) -> bytes:
    # keyed by plain strings: dict look-ups then compare in C, not with rdflib's __eq__
    props: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    refs: dict[str, int] = defaultdict(int)
    for s, p, o in triples:
        if type(s) is not URIRef or type(p) is not URIRef:
            raise _Unhandled("blank node")
        props[str(s)][str(p)].append(o)
        if type(o) is URIRef:
            refs[str(o)] += 1
        elif not isinstance(o, Literal):
            raise _Unhandled("blank node")
    if _NIL in refs or _NIL in props:
        raise _Unhandled("lists")
    used: set[str] = set()
    blocks = []
    for _, subject in sorted((refs.get(s, 0), s) for s in props):
        blocks.append(_block(subject, props[subject], names, used))
    head = "".join(f"@prefix {p}: <{_namespace(names, p)}> .\n" for p in sorted(used))
    text = head + "".join(f"\n{b} .\n" for b in blocks) + "\n"
    return text.encode("utf-8", "replace")


def _namespace(names: _Names, prefix: str) -> str:
    return next(ns for ns, p in names.bound.items() if p == prefix)


def _objects(objects: list[Node]) -> list[Node]:
    """The distinct objects, in rdflib's order."""
    if len(objects) == 1:
        return objects
    if not all(type(o) is URIRef for o in objects):
        distinct = list(dict.fromkeys(objects))
        if len(distinct) > 1:
            raise _Unhandled("literals to order")
        return distinct
    return sorted(set(objects), key=str)  # rdflib orders IRIs by their text


def _block(subject: str, by_pred: dict[str, list[Node]], names: _Names, used: set[str]) -> str:
    if _CLASS in by_pred.get(_TYPE, ()):
        raise _Unhandled("class")  # rdflib writes classes first
    order = [p for p in _TOP if p in by_pred]
    order += sorted(p for p in by_pred if p not in _TOP)
    lines = []
    for p in order:
        objects = _objects(by_pred[p])
        if p == _TYPE:
            verb = "a"
        else:
            found = names.pname(p)
            if found is None:
                raise _Unhandled(p)  # rdflib would bind a generated prefix
            used.add(found[0])
            verb = found[1]
        rendered = [_label(o, names, used) for o in objects]
        lines.append(f"{verb} " + ",\n        ".join(rendered))
    return f"{_label(URIRef(subject), names, used)} " + " ;\n    ".join(lines)
