"""The graph stage's commands: ``cradle import``, ``diff``, ``validate``, ``sparql``, ``review``
(with ``--mark``) and ``linkcheck``.

Each ``run_<command>`` is what the command does; :mod:`cradle.cli` only parses arguments and
passes the settings' values (the ontology folder, the data dir) as defaults."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Sequence
from datetime import date
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cradle.core.errors import CatalogueError, NotAcceptable, QuerySyntaxError, UnreadableFile
from cradle.core.settings import ONTOLOGY_DIR, Settings
from cradle.graph.build.catalogue import load_catalogue
from cradle.graph.build.ontology import load_ontology, terms
from cradle.graph.build.rdf import catalogue_graph
from cradle.graph.build.validate import violations
from cradle.graph.sources.document import Imported
from cradle.graph.sparql.engine import query_once
from cradle.graph.sparql.run import rows, with_prefixes
from cradle.graph.sparql.scan import scan


def query_text(arg: str) -> str:
    """The query an argument names: ``-`` reads stdin, ``@FILE`` reads a file, else itself."""
    if arg == "-":
        return sys.stdin.read()
    if arg.startswith("@"):
        try:
            return Path(arg[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise QuerySyntaxError(f"{arg[1:]}: cannot read query file: {exc.strerror}") from None
    return arg


def run_sparql(settings: Settings, query: str, fmt: str) -> str:
    """Run ``query`` on the store of ``settings.data_dir``; render as ``table``, ``json`` or
    ``csv`` (a CONSTRUCT or DESCRIBE: Turtle, or JSON-LD for ``json``).

    Raises:
        NotAcceptable: ``csv`` for a CONSTRUCT or DESCRIBE.

    The query goes through the service's engine (:func:`cradle.graph.sparql.engine.query_once`)
    with every setting given (deadline, row cap, an external store): read-only, no SERVICE; a
    cut result is said on stderr.
    """
    text = with_prefixes(query)
    is_graph = scan(text).form in ("CONSTRUCT", "DESCRIBE")
    if is_graph and fmt == "csv":
        raise NotAcceptable(
            "--format csv is for SELECT and ASK; a CONSTRUCT or DESCRIBE prints Turtle (the "
            "default) or JSON-LD (--format json)"
        )
    graph_wire = "jsonld" if fmt == "json" else "turtle"
    wire = graph_wire if is_graph else "csv" if fmt == "csv" else "json"
    answer = query_once(settings, text, wire)
    if answer.truncated:
        sys.stderr.write(f"warning: result truncated at the row cap of {answer.row_cap}\n")
    if is_graph:
        return answer.body.decode()
    if fmt in ("json", "csv"):
        out = answer.body.decode()
        return out if out.endswith("\n") else out + "\n"
    result = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    if isinstance(result, ox.QueryBoolean):
        return ("true" if bool(result) else "false") + "\n"
    from rich.console import Console
    from rich.table import Table

    names, data = rows(result)
    table = Table(*names)
    for row in data:
        table.add_row(*row)
    buf = io.StringIO()
    Console(file=buf, width=200).print(table)
    buf.write(f"{len(data)} row(s)\n")
    return buf.getvalue()


def run_validate(catalogue: Path, ontology_dir: Path, strict: bool = False) -> list[str]:
    """Check ``catalogue`` and validate the graph it would build.

    Returns:
        One line per problem (``FILE:LINE: entry <id>: <field>: <what is wrong>``), every
        problem of every entry at once; empty when it conforms. With ``strict``, notes are
        problems too.

    Raises:
        UnreadableFile: the catalogue cannot be read at all.
    """
    return run_validate_with_notes(catalogue, ontology_dir, strict)[0]


def run_validate_with_notes(
    catalogue: Path, ontology_dir: Path, strict: bool = False
) -> tuple[list[str], list[str]]:
    """``cradle validate``: the problems of ``catalogue`` (:func:`run_validate`) and its notes:
    what was read other than as written (a synonym read as its preferred label), listed once
    the file has no problems; with ``strict`` they are problems.

    Raises:
        UnreadableFile: the catalogue cannot be read at all.
    """
    try:
        cat = load_catalogue(catalogue, ontology_dir, strict)
    except UnreadableFile:
        raise
    except CatalogueError as exc:
        return exc.problems, []
    graph = catalogue_graph(
        cat, load_ontology(ontology_dir), f"{cat.catalogue.modified}T00:00:00Z", "unchecked"
    )
    out = []
    for line in violations(graph, ontology_dir=ontology_dir):
        m = re.match(r"entry ([^:]+):", line)
        where = cat.line_of(m.group(1)) if m else None
        out.append(f"{catalogue}:{where or 1}: {line}")
    return out, cat.notes()


IMPORTABLE = {".txt": "text export of the Word table", ".docx": "Word document"}


def read_document(path: Path, ontology_dir: Path = ONTOLOGY_DIR) -> Imported:
    """Import the source document at ``path`` with the reader its file type needs, topics
    suggested from the thesaurus in ``ontology_dir``.

    Raises:
        CatalogueError: the file type is not one Cradle reads, or the file cannot be read.
    """
    suffix = path.suffix.lower()
    if suffix not in IMPORTABLE:
        kinds = ", ".join(f"{k} ({v})" for k, v in IMPORTABLE.items())
        raise CatalogueError(
            [
                f"{path}: cannot import {suffix or 'a file without an extension'}: Cradle reads "
                f"{kinds}; save the table from Word as .docx, or as plain text"
            ]
        )
    if not path.is_file():
        raise CatalogueError([f"{path}: no such file"])
    vocab = terms(ontology_dir)
    try:
        if suffix == ".docx":
            from cradle.graph.sources.docx import import_docx

            return import_docx(path, vocab)
        from cradle.graph.sources.document import import_file

        return import_file(path, vocab)
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise CatalogueError(
            [
                f"{path}: cannot read this {IMPORTABLE[suffix]} ({exc.__class__.__name__}); "
                "is it the partnership table, saved and closed?"
            ]
        ) from None


def run_import(
    path: Path,
    out: Path | None,
    contacts: Path | None,
    merge: Path | None = None,
    ontology_dir: Path = ONTOLOGY_DIR,
    drop_missing: bool = False,
    drop: Sequence[str] = (),
) -> tuple[list[str], str | None]:
    """Import ``path`` (``.txt`` or ``.docx``) and write catalogue YAML to ``out`` (stdout
    when None); with ``merge``, the curated catalogue at that path brought up to date with it
    (:func:`cradle.graph.sources.merge.merge_import`), keeping the entries the document does not
    have unless ``drop_missing`` (or, one by one, ``drop``).

    Personal contacts go only to ``contacts``, a file marked private, when one is given.

    Returns:
        The rows that could not be parsed (``line N: what``), and with ``merge`` the report of
        what the merge did (how each row was matched, kept entries, ambiguous rows) and what
        changed from the curated catalogue, old -> new.
    """
    import yaml

    from cradle.graph.build.catalogue import dump_catalogue
    from cradle.graph.build.ontology import terms
    from cradle.graph.sources.merge import diff_catalogues, merge_import, render_merge
    from cradle.graph.sources.mergefile import merged_file

    result = read_document(path, ontology_dir)
    changes = None
    if merge is not None:
        curated = load_catalogue(merge, ontology_dir)
        merged, report = merge_import(curated, result.catalogue, drop_missing, drop)
        body, kept = merged_file(
            merge.read_text(encoding="utf-8"), curated, merged, terms(ontology_dir)
        )
        changes = render_merge(report, result.catalogue) + render_diff(
            diff_catalogues(curated, merged)
        )
        if not kept:
            changes += (
                f"note: the comments and layout of {merge} could not be kept in the merged "
                "file (it is written afresh): copy any comments you need\n"
            )
        text = (
            f"# Merged by `cradle import {path.name} --merge {merge}`: entries whose "
            "topics_suggested is true are new or changed; review their topics.\n" + body
        )
    else:
        text = (
            "# Imported by `cradle import`: topics are SUGGESTED from thesaurus labels "
            "(topics_suggested: true); review them.\n" + dump_catalogue(result.catalogue)
        )
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    if contacts is not None:
        contacts.parent.mkdir(parents=True, exist_ok=True)
        contacts.write_text(
            "# PRIVATE: personal data (named contacts) from the source document.\n"
            "# Staff use only. Never commit, publish, index or load into the public graph.\n"
            + yaml.safe_dump({"contacts": result.contacts}, sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
    return result.problems, changes


def render_diff(changes: dict[str, Any], fmt: str = "table") -> str:
    """A diff (:func:`cradle.graph.sources.merge.diff_catalogues`) as JSON, or as plain lines:
    one per added or removed entry, one per changed field (old -> new, long text as a word
    diff: :func:`cradle.graph.build.valuediff.change_text`); then the same for organisations
    and localities, and the catalogue's header, when they changed."""
    if fmt == "json":
        return json.dumps(changes, indent=2, ensure_ascii=False) + "\n"
    lines = _diff_lines(changes, "")
    for kind, label in (("organisations", "organisation"), ("localities", "locality")):
        if any(changes.get(kind, {}).values()):
            lines += _diff_lines(changes[kind], f"{label} ")
    if changes.get("catalogue"):
        lines.append("changed the catalogue's header:")
        lines += _field_lines(changes["catalogue"])
    summary = [_counts(changes)]  # entries
    for kind in ("organisations", "localities"):
        if any(changes.get(kind, {}).values()):
            summary.append(f"{kind}: {_counts(changes[kind])}")
    return "\n".join([*lines, "; ".join(summary)]) + "\n"


def _counts(changes: dict[str, Any]) -> str:
    return (
        f"{len(changes['added'])} added, {len(changes['removed'])} removed, "
        f"{len(changes['changed'])} changed"
    )


def _diff_lines(changes: dict[str, Any], label: str) -> list[str]:
    """Lines of one kind of item: added, removed, then each changed one's fields."""
    lines = [f"added   {label}{i}" for i in changes["added"]]
    lines += [f"removed {label}{i}" for i in changes["removed"]]
    for ident, fields in changes["changed"].items():
        lines.append(f"changed {label}{ident}:")
        lines += _field_lines(fields)
    return lines


def _field_lines(fields: dict[str, Any]) -> list[str]:
    from cradle.graph.build.valuediff import change_text

    return [f"  {f}: {change_text(v.get('old'), v.get('new'))}" for f, v in fields.items()]


def run_topics(ontology_dir: Path, fmt: str = "table") -> str:
    """``cradle topics``: every topic a catalogue entry may name, with what else is accepted
    for it (its alternative labels, read as the topic with a note).

    Args:
        ontology_dir: where the thesaurus lives.
        fmt: ``table`` (fits 80 columns) or ``json`` (``[{"id", "label", "also"}]``).
    """
    import textwrap

    vocab = terms(ontology_dir)
    spellings = vocab.aliases.get("topic", {})
    topics = []
    for ident, label in sorted(vocab.topics.items(), key=lambda t: t[1].lower()):
        own = (ident.lower(), " ".join(label.lower().split()))
        also = sorted(s for s, i in spellings.items() if i == ident and s not in own)
        topics.append({"id": ident, "label": label, "also": also})
    if fmt == "json":
        return json.dumps(topics, indent=2, ensure_ascii=False) + "\n"
    lines = [
        f"{len(topics)} topics. Write the id or the name in `topics:`; the other names",
        "are read as the topic, with a note (cradle validate --strict refuses them).",
        "",
    ]
    for t in topics:
        lines.append(f"{t['id']}  {t['label']}")
        if t["also"]:
            lines += textwrap.wrap(
                "also: " + ", ".join(t["also"]), 80, initial_indent="    ",
                subsequent_indent="      ", break_on_hyphens=False,
            )  # fmt: skip
    return "\n".join(lines) + "\n"


def run_diff(old: Path, new: Path, ontology_dir: Path, fmt: str = "table") -> str:
    """What changed between two catalogue files: entries, organisations and localities (each
    matched by id) and the header (:func:`render_diff`).

    Raises:
        CatalogueError: either file has problems.
    """
    from cradle.graph.sources.merge import diff_catalogues

    return render_diff(
        diff_catalogues(load_catalogue(old, ontology_dir), load_catalogue(new, ontology_dir)), fmt
    )


def run_review(
    catalogue: Path,
    ontology_dir: Path,
    today: date | None = None,
    fmt: str = "table",
    reasons: list[str] | None = None,
    command: str = "cradle review",
) -> tuple[str, int]:
    """What in ``catalogue`` needs attention on ``today`` (the real today when None), with the
    last link check recorded beside it, in the order of what to do first.

    Args:
        catalogue, ontology_dir: the catalogue file and the ontology it is checked against.
        today: the day to judge on.
        fmt: ``table`` (fits 80 columns; never-reviewed entries counted), ``json`` or ``csv``
            (every entry).
        reasons: only the entries with one of these reason codes (``--reason``).
        command: the command as typed, for the table's "to list them" line.

    Returns:
        The list rendered, and how many entries it holds.

    Raises:
        CatalogueError: the catalogue has problems (fix them first: ``cradle validate``).
        ValueError: a reason is not one of the codes (the command line offers only those).
    """
    from cradle.graph.build.datafiles import links_beside
    from cradle.graph.curation.ranking import REASONS, only, unknown_reasons
    from cradle.graph.curation.review import review
    from cradle.graph.curation.reviewlist import review_csv, review_table

    if wrong := unknown_reasons(reasons or []):
        raise ValueError(f"not reasons: {', '.join(wrong)} (the reasons: {', '.join(REASONS)})")
    cat = load_catalogue(catalogue, ontology_dir)
    found = only(review(cat, links_beside(catalogue), today), reasons or [])
    if fmt == "json":
        return json.dumps(found, indent=2, ensure_ascii=False) + "\n", len(found)
    if fmt == "csv":
        return review_csv(found), len(found)
    if not found:
        return f"{catalogue}: nothing needs attention\n", 0
    heading = f"{catalogue}, as on {(today or date.today()).isoformat()}"
    text = review_table(found, len(cat.resources), heading, reasons, command)
    return text, len(found)


def run_linkcheck(
    catalogue: Path,
    ontology_dir: Path,
    fmt: str = "table",
    timeout: float = 10.0,
    concurrency: int = 4,
    allow_private: bool = False,
    record: bool = False,
) -> tuple[str, int]:
    """Check every entry's ``url`` and record the results beside the catalogue; with
    ``record``, also write ``url_checked:`` (the day of the check) into the catalogue file in
    place for each entry whose link worked, then validate the file.

    Returns:
        The results rendered as ``table`` or ``json`` (a list of ``{"id", "url", "status",
        "ok", "final_url"}`` plus ``redirects``, ``method``, ``checked``, ``error`` and
        ``result``: ok, broken, unreachable or refused), and how many links are broken
        (unreachable and refused ones could not be checked: they are not counted as broken).
    """
    from dataclasses import asdict

    from cradle.graph.build.datafiles import links_beside
    from cradle.graph.curation.linkcheck import check_links, save_results

    cat = load_catalogue(catalogue, ontology_dir)
    results = check_links(cat, timeout, concurrency, allow_private)
    save_results(links_beside(catalogue), results)
    broken = sum(r.result == "broken" for r in results)
    after = _record_checked(catalogue, ontology_dir, results) if record else ""
    if fmt == "json":
        if after:
            sys.stderr.write(after)
        return json.dumps([asdict(r) for r in results], indent=2) + "\n", broken
    without = sum(1 for e in cat.resources if not e.url)
    unchecked = sum(r.result in ("unreachable", "refused") for r in results)
    return _link_report(results) + (
        f"{len(results)} link(s) checked, {broken} broken, {unchecked} could not be checked; "
        f"{without} entries have no url; results recorded in {links_beside(catalogue)}\n"
    ) + after, broken


#: The order the link check's results are listed in (what needs fixing first), and their words.
_LINK_RESULTS = {
    "broken": "BROKEN",
    "unreachable": "could not check",
    "refused": "not checked",
    "ok": "ok",
}


def _link_report(results: list[Any]) -> str:
    """The link check in lines that fit any terminal: a line per link (result, entry, why), its
    address alone on the next line, never cut (so that it can be copied); problems first. When
    no site's name could be looked up, a last line asks whether the computer is online."""
    out = []
    for result, word in _LINK_RESULTS.items():
        for r in (r for r in results if r.result == result):
            out.append(f"{word}: {r.id}{_why(r)}")
            out.append(f"  {r.url}")
            if r.redirects:
                out.append(f"  -> {r.final_url}")
    if results and all(r.error and "looked up" in r.error for r in results):
        out.append("no site's name could be looked up: is this computer online?")
    return "\n".join(out) + "\n" if out else ""


def _why(r: Any) -> str:
    """Why a link check came out as it did, in words: ``(404 Not Found)``, or its error."""
    if r.status:
        try:
            return f" ({r.status} {HTTPStatus(r.status).phrase})"
        except ValueError:
            return f" (answered {r.status})"
    return f" ({r.error})" if r.error else ""


def _record_checked(catalogue: Path, ontology_dir: Path, results: list[Any]) -> str:
    """``url_checked:`` written for each link that worked (``cradle linkcheck --record``)."""
    from cradle.graph.curation.yamledit import set_fields

    day = date.today().isoformat()
    ok = {r.id: {"url_checked": day} for r in results if r.ok}
    if not ok:
        return "no link worked: nothing recorded in the catalogue\n"
    written = set_fields(catalogue, ok)
    text, _ = _after_edit(
        catalogue, ontology_dir, [f"url_checked: {day} written for {len(written)} entries"]
    )
    return text


def run_mark(
    catalogue: Path, ontology_dir: Path, ids: list[str], day: date | None = None
) -> tuple[str, int]:
    """Record that entries ``ids`` were reviewed on ``day`` (today when None): write
    ``reviewed:`` into the catalogue file in place
    (:func:`cradle.graph.curation.yamledit.set_fields`), then validate the file.

    Returns:
        What was written and the validation's verdict, in lines, and how many problems the
        file has (0: it conforms).

    Raises:
        CatalogueError: ``day`` is in the future, an id is not in the file, or the file cannot
            be edited in place.
    """
    from cradle.graph.curation.yamledit import set_fields

    when = day or date.today()
    if when > date.today():
        raise CatalogueError(
            [f"--date {when.isoformat()} is in the future: a review is recorded on the day it "
             "was done (leave --date out for today)"]
        )  # fmt: skip
    written = set_fields(catalogue, {i: {"reviewed": when.isoformat()} for i in ids})
    lines = [f"{catalogue}:{w.line}: entry {w.entry}: {w.field}: {w.value}" for w in written]
    return _after_edit(catalogue, ontology_dir, lines)


def _after_edit(catalogue: Path, ontology_dir: Path, lines: list[str]) -> tuple[str, int]:
    """The lines said about an edit, then the catalogue validated."""
    problems = run_validate(catalogue, ontology_dir)
    if problems:
        lines += [*problems, f"{len(problems)} problem(s) in {catalogue}; fix them and run "
                  "`cradle validate` again"]  # fmt: skip
    else:
        lines.append(f"{catalogue}: conforms")
    return "\n".join(lines) + "\n", len(problems)
