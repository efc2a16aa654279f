"""SHACL validation of the built graph, with violations phrased for catalogue maintainers."""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from cradle.core.namespaces import RES
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.build.ontology import load_shapes


def _subject(node: object) -> str:
    text = str(node)
    if text.startswith(str(RES)):
        return "entry " + text[len(RES) :].split("/")[0]
    return f"node <{text}>"


def violations(
    data: Graph,
    shapes: Graph | None = None,
    ontology_dir: Path = ONTOLOGY_DIR,
    inplace: bool = False,
) -> list[str]:
    """Validate ``data`` against the shapes.

    Args:
        data: the graph to validate.
        shapes: the shapes graph; read from ``ontology_dir`` when omitted.
        ontology_dir: where the shapes are.
        inplace: validate ``data`` itself rather than a copy (saves the copy); it may be
            changed, so pass it only when it is not used afterwards.

    Returns:
        One ``entry <id>: <field>: <what is wrong>`` line per violation, sorted; empty when the
        graph conforms.
    """
    shapes = shapes if shapes is not None else load_shapes(ontology_dir)
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        # the shapes use no SHACL Advanced Features (rules, custom targets, functions; a test
        # says so): without looking for them validation costs less, and finds the same
        # (bench/findings.md, "Search at 10k, issue 22 item 6")
        advanced=False,
        allow_warnings=True,
        inplace=inplace,
    )
    if conforms:
        return []
    assert isinstance(report, Graph)
    lines = set()
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        text = str(message) if message is not None else "does not conform"
        if value is not None and isinstance(value, URIRef):
            text += f" (got <{value}>)"
        elif value is not None:
            text += f" (got {str(value)[:60]!r})"
        lines.add(f"{_subject(focus)}: {text}")
    return sorted(lines)
