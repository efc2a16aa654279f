"""Import the catalogue's Word-table text export into catalogue YAML.

The export puts each table cell on a line that starts with a tab; a cell's text may run on over
further lines (and blank lines) that do not start with a tab. Rows have five cells (good practice,
source, summary, format, link); a row whose only text is a place name starts a section.

Named people and personal e-mail addresses are personal data: they are taken out of the public
text and returned separately, for the private contacts file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cradle.core.errors import CatalogueError
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.build import cleantext
from cradle.graph.build.catalogue import Catalogue, Entry, Header, Organisation
from cradle.graph.build.ontology import Terms, terms

HEADER = ["good practice", "source", "summary", "format", "link"]
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
MONTH_RE = r"(Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s+(\d{4})"
EMAIL = cleantext.EMAIL_IN_TEXT
NAME = r"([A-Z][a-z]+(?: [A-Z][a-z'-]+)+)"
PERSONAL = [  # (pattern whose group 1 is a person's name or address, replacement)
    (re.compile(r"\s*[–-]?\s*check with\s+(" + EMAIL.pattern + r")\s*"), ""),
    (re.compile(r"(?<=Awaiting info)(?:rmation)?\s+from\s+" + NAME), ""),
    (re.compile(r"\s*Contact is\s+" + NAME + r"\s*\.?"), ""),
]
FORMAT_WORDS = [  # (pattern on the format cell, format id)
    (r"you\s*tube|video", "youtube-video"),
    (r"power\s*point|presentation|slides", "powerpoint"),
    (r"adobe|pdf", "pdf"),
    (r"word", "word"),
    (r"web|site|link|tri\.x", "web-page"),
]
KIND_WORDS = [  # (pattern on title and summary, kind id), first match wins
    (r"7[- ]minute briefing", "briefing"),
    (r"\bpresentation\b", "presentation"),
    (r"\bvideo\b|\banimation\b", "video"),
    (r"\btemplate\b", "template"),
    (r"\bstrategy\b|\bworkplan\b", "strategy"),
    (r"\bpolicy\b|\bprocedure\b", "policy"),
    (r"\bprogramme\b|\bprogram\b", "programme"),
    (r"\btraining\b", "training"),
    (r"\btool\b|\bchecklist\b|\bthermometers?\b", "tool"),
    (r"\bletter\b", "leaflet"),
    (r"\breport\b|\breview\b", "report"),
    (r"\bservice\b|\bpanel\b", "service"),
    (r"\bguidance\b", "guidance"),
    (r"\bwebsite\b|\bresources\b", "website"),
]


@dataclass
class Imported:
    """What an import produced.

    Attributes:
        catalogue: the entries, ready to review and save as catalogue YAML.
        contacts: personal contact details taken out of the text (private; never published).
        problems: ``line N: what`` for every row that could not be parsed.
    """

    catalogue: Catalogue
    contacts: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _cells(lines: list[str]) -> list[tuple[int, str]]:
    """Split the export into (line number, text) cells."""
    cells: list[tuple[int, list[str]]] = []
    for n, line in enumerate(lines, 1):
        if line.startswith("\t"):
            cells.append((n, [line[1:]]))
        elif cells:
            cells[-1][1].append(line)
    return [(n, "\n".join(s.strip() for s in parts if s.strip())) for n, parts in cells]


def slugify(text: str, words: int = 7) -> str:
    """Make a short lower-case slug from a title or name."""
    text = re.sub(r"\([^)]*\)", " ", text)
    parts = re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))
    return "-".join(parts[:words]) or "entry"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def redact(text: str) -> tuple[str, list[str]]:
    """Remove named people and personal e-mail addresses from ``text``.

    Returns:
        The cleaned text and the personal details removed.
    """
    found: list[str] = []
    for pattern, repl in PERSONAL:
        for m in pattern.finditer(text):
            found.append(m.group(1))
        text = pattern.sub(repl, text)
    for m in EMAIL.finditer(text):
        found.append(m.group(0))
    text = EMAIL.sub("", text)
    return text.strip(), found


def map_format(cell: str, link: str) -> str:
    """Choose a format id from the format cell, refined by what the link text shows."""
    cell_l, link_l = cell.lower(), link.lower()
    if re.search(r"\.pdf\b", link_l) and not re.search(r"video|word|power", cell_l):
        return "pdf"
    if "microsoft word" in link_l and not cell_l:
        return "word"
    for pattern, fmt in FORMAT_WORDS:
        if re.search(pattern, cell_l):
            return fmt
    return "none"


def suggest_topics(text: str, vocab: Terms) -> list[str]:
    """Topics whose labels (preferred, alternative or hidden) occur in ``text``."""
    found = []
    for tid, labels in vocab.synonyms.items():
        for label in labels:
            short = len(label) <= 4
            target, needle = (text, label.upper()) if short else (text.lower(), label)
            if re.search(r"(?<![\w-])" + re.escape(needle) + r"(?![\w-])", target):
                found.append(tid)
                break
    return found


def _status(summary: str, link: str) -> tuple[str, str | None, str | None]:
    both = f"{summary}\n{link}"
    expected = None
    if m := re.search(r"[Ee]xpected[^.]*?" + MONTH_RE, both):
        expected = f"{m.group(2)}-{MONTHS[m.group(1)[:3].lower()]:02d}"
    if re.search(r"being developed|in development|expected to be published", both, re.I):
        note = next((s for s in (link, summary) if re.search(r"expected|developed", s, re.I)), None)
        return "in-development", expected, note
    if re.search(r"awaiting\s+inf", both, re.I):
        return "awaiting-information", expected, "Awaiting information"
    return "available", expected, None


def _dates(title: str) -> tuple[str | None, str | None]:
    if m := re.search(r"\b((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})\b", title):
        return None, f"{m.group(1)}/{m.group(2)}"
    if m := re.search(MONTH_RE, title):
        return f"{m.group(2)}-{MONTHS[m.group(1)[:3].lower()]:02d}", None
    return None, None


def _audience(text: str) -> list[str]:
    out = []
    if re.search(r"\bparents?\b|\bfamil|\bmothers?\b|\bcarers\b|\bdads\b", text, re.I):
        out.append("parents")
    if re.search(
        r"practitioner|professional|staff|training|midwi|GP|policy|procedure|review|"
        r"assessment|strategy|briefing|panel",
        text,
        re.I,
    ):
        out.append("practitioners")
    return out or ["practitioners"]


def import_text(text: str, source_name: str = "document", vocab: Terms | None = None) -> Imported:
    """Parse the text export of the good-practice table.

    Args:
        text: the whole export.
        source_name: the document's file name, recorded in the catalogue header.
        vocab: the ontology's terms (read from ``ontology/`` when omitted).

    Returns:
        The imported catalogue, the personal contacts removed, and the rows it could not parse.
    """
    return import_cells(
        _cells(text.splitlines()),
        _one_line(text.splitlines()[0]) if text else "",
        source_name,
        hashlib.sha256(text.encode()).hexdigest(),
        vocab,
    )


def import_cells(
    cells: list[tuple[int, str]],
    title: str,
    source_name: str,
    sha256: str,
    vocab: Terms | None = None,
    unit: str = "line",
) -> Imported:
    """Parse the table's cells, in reading order: a section row is one cell naming a place, a
    resource row five cells (good practice, source, summary, format, link).

    Args:
        cells: (where, text) of each cell; ``where`` is a line or row number for problems.
        title: the document's title, recorded in the catalogue header.
        source_name: the document's file name.
        sha256: the document's digest.
        vocab: the ontology's terms (read from ``ontology/`` when omitted).
        unit: what ``where`` counts (``line`` or ``row``), for problems.

    Returns:
        The imported catalogue, the personal contacts removed, and the rows it could not parse.
    """
    vocab = vocab or terms(ONTOLOGY_DIR)
    sections = {label.lower(): lid for lid, label in vocab.localities.items()}
    sections["national"] = "england"
    boroughs = {
        label: lid
        for lid, label in vocab.localities.items()
        if lid not in ("england", "greater-manchester")
    }
    cells = [(where, cleantext.strip_controls(cell)) for where, cell in cells]
    result = Imported(
        Catalogue(
            catalogue=Header(
                id="imported",
                title=title,
                source_document=source_name,
                source_sha256=sha256,
                modified=date.today().isoformat(),
            ),
            resources=[],
        )
    )
    orgs: dict[str, Organisation] = {}
    ids: set[str] = set()
    for line, locality, texts in _rows(cells, sections, unit, result.problems):
        entry, contacts = _row_entry(texts, locality, vocab, boroughs, orgs, ids)
        result.contacts += [{**c, "line": str(line)} for c in contacts]
        result.catalogue.resources.append(entry)
    result.catalogue.organisations = list(orgs.values())
    return result


def _rows(
    cells: list[tuple[int, str]], sections: dict[str, str], unit: str, problems: list[str]
) -> Iterator[tuple[int, str, list[str]]]:
    """Each resource row's first line, section locality and five cells, in reading order; a
    row that cannot be read is a line in ``problems`` instead."""
    locality: str | None = None
    i = 0
    while i < len(cells):
        line, first = cells[i]
        if not first or first.lower().strip() in sections:
            locality = sections[first.lower().strip()] if first else locality
            i += 1
            continue
        row = cells[i : i + 5]
        i += 5
        texts = [c for _, c in row]
        if [t.lower() for t in texts] == HEADER:
            continue
        if len(row) < 5:
            problems.append(f"{unit} {line}: row has {len(row)} of 5 cells: {first[:60]!r}")
        elif locality is None:
            problems.append(f"{unit} {line}: row before any section heading: {first[:60]!r}")
        elif "\n" in texts[0] or len(texts[0]) > 250:
            problems.append(f"{unit} {line}: title cell spans lines; check the row's cells")
        else:
            yield line, locality, texts


def _row_entry(
    texts: list[str],
    locality: str,
    vocab: Terms,
    boroughs: dict[str, str],
    orgs: dict[str, Organisation],
    ids: set[str],
) -> tuple[Entry, list[dict[str, str]]]:
    """One resource row's entry (its publisher added to ``orgs``, its id to ``ids``) and the
    personal contacts taken out of its text."""
    title, source, summary_raw, fmt_cell, link_raw = texts
    summary, personal = redact(summary_raw)
    link, personal_link = redact(link_raw)
    status, expected, note = _status(summary, link)
    entry_id = slugify(title)
    while entry_id in ids:
        entry_id += "-2"
    ids.add(entry_id)
    contacts = [
        {"entry": entry_id, "contact": _without_place(who, boroughs)}
        for who in personal + personal_link
    ]
    link_line = _one_line(link)
    link_text = _link_text(link_line, status)
    domain = None
    if link_text and (m := re.search(r"\(([\w-]+(?:\.[\w-]+)+)\)\s*$", link_text)):
        domain = m.group(1)
    adopted = _adopted(summary, boroughs, locality)
    date_, period = _dates(title)
    text_all = f"{_one_line(title)}\n{summary}"
    kind = next((k for p, k in KIND_WORDS if re.search(p, text_all, re.I)), None)
    entry = Entry(
        id=entry_id,
        title=_one_line(title),
        publisher=_publisher(source, orgs),
        summary=summary,
        kind=kind,
        format=map_format(_one_line(fmt_cell), link_line),
        link_text=link_text,
        link_domain=domain,
        locality=locality,
        adopted_in=sorted(set(adopted), key=adopted.index),
        status=status,
        status_note=note,
        expected=expected,
        date=date_,
        period=period,
        topics=suggest_topics(text_all, vocab),
        topics_suggested=True,
        audience=_audience(text_all),
    )
    return entry, contacts


def _without_place(who: str, boroughs: dict[str, str]) -> str:
    """ "Contact is Jo Bloggs Salford": the place is not part of the name."""
    for place in boroughs:
        who = re.sub(rf"\s+{place}$", "", who)
    return who


def _publisher(source: str, orgs: dict[str, Organisation]) -> str | None:
    """The id of the source cell's organisation (added to ``orgs``), or None when blank."""
    if not source.strip():
        return None
    name = _one_line(source)
    oid = slugify(re.sub(r"^the\s+", "", name, flags=re.I), words=8)
    orgs.setdefault(oid, Organisation(id=oid, name=name))
    return oid


def _link_text(link_line: str, status: str) -> str | None:
    """The link cell's text, unless it says there is none yet."""
    if not link_line or status == "in-development":
        return None
    return None if re.match(r"^(n/?a|awaiting inf\w*)$", link_line, re.I) else link_line


def _adopted(summary: str, boroughs: dict[str, str], locality: str) -> list[str]:
    """Other boroughs named in a sentence saying they implement or adopt the practice."""
    adopted = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n", summary):
        if re.search(r"implement|use this model|adopt|run the programme", sentence, re.I):
            adopted += [
                lid
                for name, lid in boroughs.items()
                if re.search(rf"\b{name}\b", sentence) and lid != locality
            ]
    return adopted


def import_file(path: Path, vocab: Terms | None = None) -> Imported:
    """Import the text export at ``path`` (see :func:`import_text`), topics suggested from
    ``vocab`` (the packaged ontology's terms when None).

    Raises:
        CatalogueError: the file is too large, not UTF-8, or holds no table rows.
    """
    text = cleantext.read_text_file(path, cleantext.MAX_DOCUMENT_BYTES, "document to import")
    result = import_text(text, path.name, vocab)
    if not result.catalogue.resources and not result.problems:  # rows it could not read: said
        raise CatalogueError(
            [
                f"{path}: (file): no table rows found: expected the text export of the "
                "good-practice table (a tab before each cell)"
            ]
        )
    return result
