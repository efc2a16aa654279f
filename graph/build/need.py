"""Need per upper-tier local authority, from open data: babies under one and deprivation.

Two OGL v3.0 tables ship as package data (``data/need/``, with their README): ONS mid-2020
residents under one per upper-tier authority (a stand-in for births, labelled as such) and the
English Indices of Deprivation 2025 per lower-tier authority. Both are joined to the places of
the ontology by GSS code:

- a county (E10) has no IMD row of its own: its score is the **mean of its districts' average
  scores** (``districts_to_counties_2024.csv``). The shared tables give no district
  populations, so the mean is unweighted; :func:`county_score` takes weights for when they do;
- population codes that changed with an unchanged boundary are renamed
  (``utla_2020_to_2024.csv``); every code that does not join is reported (:attr:`Need.unjoined`).

The **priority** of a gap is ``babies_under_one x deprivation_weight``, where the weight is the
authority's IMD average score over the mean score of England's upper-tier authorities (1 for an
average authority, 2 for one twice as deprived). Its parts are always shown with it. The same
figures go into the graph as W3C RDF Data Cube observations (:func:`need_graph`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from cradle.core.namespaces import BASE, CRADLE, LOC

#: GSS prefixes of upper-tier local authorities (as in cradle.graph.read.readmodel).
AUTHORITY_GSS = ("E06", "E08", "E09", "E10")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
NEED = Namespace(BASE + "need/")
OGL = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Babies under one: ONS mid-2020 population estimates (MYE2). Deprivation: English Indices "
    "of Deprivation 2025 (MHCLG), local authority district summaries."
)
IMD_SOURCE = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025"
POPULATION_FILE = "population_age0_mid2020_upper_tier.csv"
IMD_FILE = "imd2025_local_authorities.csv"
COUNTIES_FILE = "districts_to_counties_2024.csv"
RENAMED_FILE = "utla_2020_to_2024.csv"


@dataclass(frozen=True, slots=True)
class PlaceNeed:
    """One authority's need figures (None where the open data has no figure for it).

    Attributes:
        gss: the authority's GSS code (2024).
        babies_under_one: usual residents under one, mid-2020 (a stand-in for births a year).
        imd_score: IMD 2025 average score (higher = more deprived); a county's is the mean of
            its districts'.
        imd_rank: rank of ``imd_score`` among England's upper-tier authorities (1 = most
            deprived).
        imd_districts: how many district scores a county's score is the mean of (1 otherwise).
        deprivation_weight: ``imd_score`` over the mean score of the upper-tier authorities.
    """

    gss: str
    babies_under_one: int | None
    imd_score: float | None
    imd_rank: int | None
    imd_districts: int
    deprivation_weight: float | None

    @property
    def priority(self) -> float | None:
        """``babies_under_one x deprivation_weight``, or None when either is unknown."""
        if self.babies_under_one is None or self.deprivation_weight is None:
            return None
        return round(self.babies_under_one * self.deprivation_weight, 1)

    def to_dict(self) -> dict[str, Any]:
        """The figures with the priority, as ``/gaps?order=need`` shows them."""
        return {"babies_under_one": self.babies_under_one, "imd_score": self.imd_score,
                "imd_rank": self.imd_rank, "deprivation_weight": self.deprivation_weight,
                "priority": self.priority}  # fmt: skip


@dataclass(frozen=True)
class Need:
    """Need for every upper-tier authority with a figure, and what did not join.

    Attributes:
        places: GSS code (2024) -> figures.
        unjoined: one plain line per code of either table (or authority) that did not join.
    """

    places: dict[str, PlaceNeed]
    unjoined: list[str]

    def get(self, gss: str | None) -> PlaceNeed:
        """The figures of one authority; all None when it has none."""
        empty = PlaceNeed(gss or "", None, None, None, 0, None)
        return self.places.get(gss or "", empty)


def _rows(name: str) -> list[dict[str, str]]:
    text = files("cradle.data").joinpath("need", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def county_score(scores: Iterable[float], weights: Iterable[float] | None = None) -> float:
    """A county's IMD score from its districts': the mean, weighted by ``weights`` if given."""
    values = list(scores)
    w = list(weights) if weights is not None else [1.0] * len(values)
    return round(sum(v * x for v, x in zip(values, w, strict=True)) / sum(w), 3)


def _scores(authorities: Mapping[str, str]) -> tuple[dict[str, tuple[float, int]], list[str]]:
    """GSS -> (IMD score, districts averaged) for the authorities, and what did not join."""
    imd = {r["ltla24_code"]: r for r in _rows(IMD_FILE)}
    county_of = {r["ltla24_code"]: r["cty24_code"] for r in _rows(COUNTIES_FILE)}
    by_county: dict[str, list[float]] = {}
    unjoined = []
    for code, row in imd.items():
        if code in county_of:
            by_county.setdefault(county_of[code], []).append(float(row["imd_average_score"]))
        elif code not in authorities:
            unjoined.append(f"IMD {code} ({row['ltla24_name']}): no such authority or district")
    out = {c: (float(r["imd_average_score"]), 1) for c, r in imd.items() if c in authorities}
    out |= {c: (county_score(v), len(v)) for c, v in by_county.items()}
    return out, unjoined


def _babies(authorities: Mapping[str, str]) -> tuple[dict[str, int], list[str]]:
    renamed = {r["utla20_code"]: r["utla24_code"] for r in _rows(RENAMED_FILE)}
    out: dict[str, int] = {}
    unjoined = []
    for row in _rows(POPULATION_FILE):
        code = renamed.get(row["utla20_code"], row["utla20_code"])
        if code in authorities:
            out[code] = int(row["age_0"])
        else:
            unjoined.append(
                f"population {row['utla20_code']} ({row['utla20_name']}): its area changed "
                "after 2020 and no 2024 authority has the same boundary"
            )
    return out, unjoined


def need_for(authorities: Mapping[str, str]) -> Need:
    """Join the two tables to ``authorities`` (GSS code -> name).

    Args:
        authorities: the upper-tier authorities to join to, by 2024 GSS code.

    Returns:
        Figures per authority; ``unjoined`` lists every table row and authority left without
        a figure.
    """
    scores, unjoined = _scores(authorities)
    babies, missing = _babies(authorities)
    unjoined += missing
    known = {c: s for c, (s, _) in scores.items() if c in authorities}
    mean = sum(known.values()) / len(known) if known else 0.0
    ranked = sorted(known, key=lambda c: -known[c])
    rank = {c: i + 1 for i, c in enumerate(ranked)}
    places = {}
    for code, name in sorted(authorities.items()):
        score, n = scores.get(code, (None, 0))
        if code not in babies:
            unjoined.append(f"{name} ({code}): no babies-under-one figure")
        if score is None:
            unjoined.append(f"{name} ({code}): no deprivation score")
        weight = round(score / mean, 3) if score is not None and mean else None
        places[code] = PlaceNeed(code, babies.get(code), score, rank.get(code), n, weight)
    return Need(places, unjoined)


def authorities_in(g: Graph) -> dict[str, tuple[str, str]]:
    """The upper-tier authorities of a graph of places: GSS code -> (id, label)."""
    base = str(LOC)
    out = {}
    for s, gss in g.subject_objects(SKOS.notation):
        if str(s).startswith(base) and str(gss)[:3] in AUTHORITY_GSS:
            out[str(gss)] = (str(s)[len(base) :], str(g.value(s, SKOS.prefLabel)))
    return out


def need_graph(places: Mapping[str, tuple[str, str]]) -> Graph:
    """The need figures as RDF Data Cube observations about ``places`` (GSS -> (id, label)).

    Two datasets (babies under one; deprivation), each with its structure (dimension
    ``sdmx-dimension:refArea``, the authority; its measures), source, licence and attribution.
    """
    need = need_for({gss: label for gss, (_, label) in places.items()})
    g = Graph()
    g.bind("qb", QB)
    g.bind("sdmx-dimension", SDMX_DIMENSION)
    g.bind("need", NEED)
    g.add((SDMX_DIMENSION.refArea, RDF.type, QB.DimensionProperty))
    datasets = {
        "babies-under-one-2020": (
            "Babies under one per upper-tier local authority, mid-2020 (ONS estimate)",
            "ONS population estimates mid-2020 (MYE2), persons aged 0; a stand-in for births",
            [("babies_under_one", CRADLE.babiesUnderOne, XSD.integer)],
        ),
        "deprivation-2025": (
            "Index of Multiple Deprivation 2025 per upper-tier local authority",
            IMD_SOURCE,
            [("imd_score", CRADLE.imdAverageScore, XSD.decimal),
             ("imd_rank", CRADLE.imdRank, XSD.integer)],
        ),
    }  # fmt: skip
    for name, (title, source, measures) in datasets.items():
        ds, dsd = NEED[name], NEED[name + "-structure"]
        g.add((ds, RDF.type, QB.DataSet))
        g.add((ds, DCTERMS.title, Literal(title, lang="en")))
        src = URIRef(source) if source.startswith("https://") else Literal(source, lang="en")
        g.add((ds, DCTERMS.source, src))
        g.add((ds, DCTERMS.license, OGL))
        g.add((ds, RDFS.comment, Literal(ATTRIBUTION, lang="en")))
        g.add((ds, QB.structure, dsd))
        g.add((dsd, RDF.type, QB.DataStructureDefinition))
        components = [(QB.dimension, SDMX_DIMENSION.refArea)]
        components += [(QB.measure, p) for _, p, _ in measures]
        for _, prop, _ in measures:  # labelled in ontology/vocabulary.ttl
            g.add((prop, RDF.type, QB.MeasureProperty))
        for i, (role, prop) in enumerate(components):
            spec = NEED[f"{name}-component-{i}"]
            g.add((dsd, QB.component, spec))
            g.add((spec, role, prop))
        for code, figures in need.places.items():
            values = [(p, getattr(figures, f), t) for f, p, t in measures]
            if all(v is None for _, v, _ in values):
                continue
            obs = NEED[f"{name}/{code}"]
            g.add((obs, RDF.type, QB.Observation))
            g.add((obs, QB.dataSet, ds))
            g.add((obs, SDMX_DIMENSION.refArea, LOC[places[code][0]]))
            for prop, value, dtype in values:
                if value is not None:
                    g.add((obs, prop, Literal(value, datatype=dtype)))
    return g
