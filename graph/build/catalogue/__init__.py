"""The curated catalogue (``data/catalogue.yaml``): its model, loading, checks and writer.

Every problem of every entry is found in one pass (structure and references together) and
reported as ``FILE:LINE: entry <id>: <field>: <what is wrong>``, with the closest valid values
when a value is unknown, so that a maintainer can fix them all at once. Display labels
("PDF", "Wigan", "Safer sleep") are accepted wherever an id is expected and become ids.
Nothing downstream runs on a catalogue with problems. The fields are described for staff in
``docs/catalogue.md``.

- :mod:`.model`: the header, organisations, localities and entries, and their fields;
- :mod:`.loader`: reading YAML with the line of every key (aliases refused);
- :mod:`.entry`: the checks of one entry, as small rules run in turn;
- :mod:`.checks`: parsing and checking a whole file (:func:`parse_catalogue`,
  :func:`load_catalogue`, :func:`check_catalogue`);
- :mod:`.messages`: how problems are worded (values cut short, closest values suggested);
- :mod:`.writer`: the catalogue back to YAML (:func:`dump_catalogue`).
"""

from cradle.graph.build.catalogue.checks import check_catalogue, load_catalogue, parse_catalogue
from cradle.graph.build.catalogue.entry import (
    PERIOD,
    REFERENCE_FIELDS,
    SLUG,
    YEAR_MONTH,
    url_problem,
)
from cradle.graph.build.catalogue.messages import FIELD_ALIASES, VALUE_LISTS, suggest
from cradle.graph.build.catalogue.model import (
    REVIEW_EVERY_DEFAULT,
    Catalogue,
    Entry,
    Header,
    LocalityDef,
    Organisation,
)
from cradle.graph.build.catalogue.writer import dump_catalogue

__all__ = [
    "FIELD_ALIASES",
    "PERIOD",
    "REFERENCE_FIELDS",
    "REVIEW_EVERY_DEFAULT",
    "SLUG",
    "VALUE_LISTS",
    "YEAR_MONTH",
    "Catalogue",
    "Entry",
    "Header",
    "LocalityDef",
    "Organisation",
    "check_catalogue",
    "dump_catalogue",
    "load_catalogue",
    "parse_catalogue",
    "suggest",
    "url_problem",
]
