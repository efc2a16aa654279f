"""Synthetic national catalogues: every English upper-tier authority, seeded and reproducible.

Titles and summaries are composed from the topic thesaurus (labels and synonyms) and the kinds of
resource in ``ontology/values.ttl``; statuses, kinds, formats, topic counts and audiences follow the
proportions of the curated catalogue. Used for scale tests and benchmarks (``cradle synth``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rdflib.namespace import SKOS
from tqdm import tqdm

from cradle.core.namespaces import LOC
from cradle.core.settings import ONTOLOGY_DIR
from cradle.graph.build.catalogue import (
    Catalogue,
    Entry,
    Header,
    Organisation,
    dump_catalogue,
)
from cradle.graph.build.ontology import Terms, load_ontology, terms
from cradle.graph.read.readmodel import LOCAL_AUTHORITY_GSS as AUTHORITY_GSS
from cradle.graph.sources import synth_data as sd

T = TypeVar("T")
MODIFIED = "2026-01-01"
CATALOGUE_FILE = "catalogue.yaml"
REGION_GSS = "E12"


@dataclass(frozen=True)
class Place:
    """A locality entries can sit in: id, display name, region id and its publishers."""

    id: str
    name: str
    region: str
    publishers: tuple[str, ...]


def slug(text: str) -> str:
    """Lower-case slug of ``text`` (letters and digits joined by single hyphens)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    keys = list(weights)
    return rng.choices(keys, weights=[float(weights[k]) for k in keys])[0]


@dataclass(frozen=True)
class England:
    """England's places as the ontology defines them, in GSS order.

    Attributes:
        regions: region id -> name (the nine English regions).
        authorities: region id -> its upper-tier authorities (id, name), Greater Manchester's
            boroughs excepted.
        boroughs: Greater Manchester's boroughs (id, name).
    """

    regions: dict[str, str]
    authorities: dict[str, list[tuple[str, str]]]
    boroughs: list[tuple[str, str]]


def england(ontology_dir: Path = ONTOLOGY_DIR) -> England:
    """Read England's regions and upper-tier authorities from ontology/localities.ttl.

    The one list of England's places: synthetic catalogues spread their entries over it, and
    coverage lists its authorities.
    """
    g = load_ontology(ontology_dir)
    base = str(LOC)
    places: dict[str, tuple[str, str, str]] = {}  # id -> (GSS, name, broader id)
    for s, code in g.subject_objects(SKOS.notation):
        broader = next(iter(g.objects(s, SKOS.broader)), None)
        if str(s).startswith(base) and broader is not None:
            name = str(g.value(s, SKOS.prefLabel))
            places[str(s)[len(base) :]] = (str(code), name, str(broader)[len(base) :])
    ordered = sorted(places.items(), key=lambda kv: kv[1][0])
    regions = {i: name for i, (gss, name, _) in ordered if gss.startswith(REGION_GSS)}
    authorities: dict[str, list[tuple[str, str]]] = {r: [] for r in regions}
    boroughs = []
    for i, (gss, name, up) in ordered:
        if gss[:3] not in AUTHORITY_GSS:
            continue
        if up in regions:
            authorities[up].append((i, name))
        else:
            boroughs.append((i, name))
    return England(regions, authorities, boroughs)


def _places(ontology_dir: Path) -> tuple[list[Place], list[Place], list[Organisation]]:
    """Authorities and wider areas (regions, Greater Manchester) with their publishers."""
    orgs: list[Organisation] = []
    authorities: list[Place] = []
    areas: list[Place] = []
    places = england(ontology_dir)
    for rid, rname in places.regions.items():
        net = f"{rid}-safeguarding-network"
        orgs.append(Organisation(id=net, name=f"{rname} Safeguarding Network"))
        areas.append(Place(rid, rname, rid, (net,)))
        for aid, name in places.authorities[rid]:
            authorities.append(Place(aid, name, rid, _authority_orgs(aid, name, orgs)))
    gm = "greater-manchester-combined-authority"
    orgs.append(Organisation(id=gm, name="Greater Manchester Combined Authority"))
    areas.append(Place("greater-manchester", "Greater Manchester", "north-west", (gm,)))
    for bid, name in places.boroughs:
        authorities.append(Place(bid, name, "north-west", _authority_orgs(bid, name, orgs)))
    return authorities, areas, orgs


def _authority_orgs(aid: str, name: str, orgs: list[Organisation]) -> tuple[str, ...]:
    partnership, council = f"{aid}-safeguarding-partnership", f"{aid}-council"
    orgs.append(Organisation(id=partnership, name=f"{name} Safeguarding Children Partnership"))
    orgs.append(Organisation(id=council, name=f"{name} Council"))
    return partnership, council


def _lower(label: str) -> str:
    return label if label.isupper() or label[:5] == "COVID" else label[0].lower() + label[1:]


class _Composer:
    """Composes one entry at a time from the thesaurus and the reference data."""

    def __init__(self, rng: random.Random, vocab: Terms, authorities: list[Place]) -> None:
        self.rng = rng
        self.vocab = vocab
        self.topics = list(vocab.topics)
        # some topics come up far more than others, as in real catalogues
        self.topic_weights = {t: rng.lognormvariate(0, 0.8) for t in self.topics}
        self.authorities = authorities
        self.authority_weights = [rng.lognormvariate(0, 0.6) for _ in authorities]
        self.by_region: dict[str, list[Place]] = {}
        for p in authorities:
            self.by_region.setdefault(p.region, []).append(p)

    def topics_for(self) -> list[str]:
        count = _pick(self.rng, sd.TOPICS_PER_ENTRY)
        chosen: list[str] = []
        while len(chosen) < count:
            t = _pick(self.rng, self.topic_weights)
            if t not in chosen:
                chosen.append(t)
        return chosen

    def synonym(self, topic: str) -> str:
        words = [s for s in self.vocab.synonyms[topic] if len(s) > 3]
        return self.rng.choice(words or [self.vocab.topics[topic].lower()])

    def adopters(self, home: Place | None) -> list[str]:
        pool = self.by_region.get(home.region, []) if home else self.authorities
        if len(pool) < 3:
            return []
        k = self.rng.randint(3, min(len(pool), 25 if home is None else 8))
        return sorted(p.id for p in self.rng.sample(pool, k))

    def entry(self, i: int, areas: list[Place], national: Sequence[str]) -> Entry:
        rng = self.rng
        level = _pick(rng, sd.LEVEL_SHARE)
        kind = _pick(rng, sd.KIND_COUNTS)
        status = _pick(rng, sd.STATUS_COUNTS)
        fmt = "none" if status == "awaiting-information" else _pick(rng, sd.KIND_FORMATS[kind])
        publisher: str | None
        home: Place | None = None
        if level == "national":
            locality, area, publisher = "england", "England", rng.choice(national)
        else:
            home = (
                rng.choice(areas)
                if level == "area"
                else rng.choices(self.authorities, weights=self.authority_weights)[0]
            )
            locality, area = home.id, home.name
            publisher = rng.choices(home.publishers, weights=[6, 3][: len(home.publishers)])[0]
        if rng.random() < 0.05:
            publisher = None
        topics = self.topics_for()
        audiences: tuple[str, ...] = _pick(rng, sd.AUDIENCES)
        audience = list(audiences)
        t1, t2 = topics[0], topics[-1] if len(topics) > 1 else rng.choice(self.topics)
        year = rng.randint(2017, 2025)
        ctx = {
            "area": area,
            "topic": _lower(self.vocab.topics[t1]),
            "Topic": self.vocab.topics[t1],
            "topic2": _lower(self.vocab.topics[t2]),
            "syn": self.synonym(t1),
            "syn2": self.synonym(t2),
            "audience": " and ".join(self.vocab.audiences[a].lower() for a in audience),
            "prog": rng.choice(sd.PROGRAMME_NAMES),
            "year": str(year),
            "period": f"{year}-{(year + 3) % 100:02d}",
        }
        title = rng.choice(sd.TITLES[kind]).format_map(ctx)
        parts = [
            sd.OPENERS[kind],
            *rng.sample(sd.MIDDLES, rng.randint(1, 2)),
            rng.choice(sd.CLOSERS),
        ]
        summary = " ".join(p.format_map(ctx) for p in parts if p)
        summary = summary[0].upper() + summary[1:]
        link_text = link_domain = None
        if fmt != "none":
            link_text = f"{title} | {area}"
            if rng.random() < 0.65:
                link_domain = "youtube.com" if fmt == "youtube-video" else _domain(publisher, area)
        return Entry(
            id=f"{slug(title)[:48].strip('-')}-{i}",
            title=title,
            publisher=publisher,
            summary=summary,
            kind=kind,
            format=fmt,
            link_text=link_text,
            link_domain=link_domain,
            locality=locality,
            adopted_in=self.adopters(home) if kind == "programme" and level != "authority" else [],
            status=status,
            status_note={"awaiting-information": "Awaiting information"}.get(status),
            expected=f"{year + 1}-{rng.randint(1, 12):02d}" if status == "in-development" else None,
            date=f"{year}-{rng.randint(1, 12):02d}" if rng.random() < 0.13 else None,
            period=f"{year}/{year + 3}" if kind == "strategy" and rng.random() < 0.6 else None,
            topics=topics,
            audience=audience,
        )


def _domain(publisher: str | None, area: str) -> str:
    base = (publisher or slug(area)).replace("-safeguarding-partnership", "scp")
    return base.replace("-", "") + ".org.uk"


def synthesize(
    n: int, seed: int = 0, ontology_dir: Path = ONTOLOGY_DIR, progress: bool = False
) -> Catalogue:
    """Make a synthetic national catalogue of ``n`` resources.

    Args:
        n: number of resources (at least 1).
        seed: random seed; the same ``n`` and ``seed`` always give the same catalogue.
        ontology_dir: where the thesaurus and value lists live.
        progress: show a progress bar on a terminal.

    Returns:
        A catalogue that passes :func:`cradle.graph.build.catalogue.check_catalogue`, with about 150
        upper-tier authorities; the places are the ontology's (``ontology/localities.ttl``), so
        the catalogue defines none of its own.

    Raises:
        ValueError: ``n`` is less than 1.
    """
    if n < 1:
        raise ValueError(f"--resources must be at least 1, got {n}")
    vocab = terms(ontology_dir)
    rng = random.Random(seed)
    authorities, areas, orgs = _places(ontology_dir)
    national = [pid for pid, _ in sd.NATIONAL_PUBLISHERS]
    orgs = [Organisation(id=pid, name=name) for pid, name in sd.NATIONAL_PUBLISHERS] + orgs
    composer = _Composer(rng, vocab, authorities)
    numbers = tqdm(
        range(1, n + 1), desc="synth", unit="resource", disable=None if progress else True
    )
    resources = [composer.entry(i, areas, national) for i in numbers]
    header = Header(
        id=f"synthetic-england-{n}-{seed}",
        title=f"Synthetic national catalogue ({n} resources, seed {seed})",
        description="Made by `cradle synth` for scale tests and benchmarks; not real resources.",
        modified=MODIFIED,
    )
    return Catalogue(catalogue=header, organisations=orgs, resources=resources)


def write_synthetic(
    n: int,
    out_dir: Path,
    seed: int = 0,
    progress: bool = False,
    ontology_dir: Path = ONTOLOGY_DIR,
) -> Path:
    """Write ``out_dir/catalogue.yaml`` holding :func:`synthesize` ``(n, seed)`` of the
    places and terms of ``ontology_dir``.

    Returns:
        The path written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / CATALOGUE_FILE
    found = synthesize(n, seed, ontology_dir, progress=progress)
    path.write_text(dump_catalogue(found), encoding="utf-8")
    return path
