"""``cradle eval``: graded relevance by title -> nDCG@10, MRR@10, Recall@10, P@1, for Cradle's
search and for plain BM25 and plain dense baselines over title + summary, in the same run."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cradle.core.errors import InvalidQueries
from cradle.index.search import Searcher
from cradle.index.text import keywords

CUTOFF = 10
METRICS = ("nDCG@10", "MRR@10", "Recall@10", "P@1")


def norm_title(title: str) -> str:
    """A title with its whitespace collapsed (relevance is judged by title)."""
    return " ".join(title.split())


@dataclass(frozen=True)
class Judged:
    """One evaluation query and its graded relevant titles (grade > 0)."""

    query: str
    relevant: dict[str, int]
    kind: str = ""


def load_queries(path: Path) -> list[Judged]:
    """Read ``[{"query": str, "relevant": {title: grade}, "kind": str?}, ...]``.

    ``kind`` (optional) names the kind of question (``story``, ``lay``, ...); ``cradle eval``
    reports each kind separately. An empty ``relevant`` marks a question the catalogue does
    not answer: it is listed, never averaged (every ranking scores 0 on it).

    Raises:
        InvalidQueries: the file is missing, not JSON or an entry is malformed.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidQueries(f"{path}: cannot read queries ({exc.__class__.__name__})") from None
    if not isinstance(data, list):
        raise InvalidQueries(f"{path}: expected a JSON list of {{query, relevant}} objects")
    out = []
    for n, item in enumerate(data, 1):
        ok = isinstance(item, dict) and isinstance(item.get("query"), str)
        rel = item.get("relevant") if ok else None
        if (
            not ok
            or not isinstance(rel, dict)
            or not all(isinstance(g, int | float) for g in rel.values())
        ):
            raise InvalidQueries(
                f"{path}: entry {n}: needs a 'query' and a 'relevant' title->grade map"
            )
        kind = item.get("kind", "")
        if not isinstance(kind, str):
            raise InvalidQueries(f"{path}: entry {n}: 'kind' must be a string")
        graded = {norm_title(t): int(g) for t, g in rel.items() if g > 0}
        out.append(Judged(item["query"], graded, kind))
    return out


def metrics(ranked: Sequence[str], relevant: dict[str, int]) -> dict[str, float]:
    """Score one ranking (titles, best first) against graded relevance (linear gain)."""
    top = [norm_title(t) for t in ranked[:CUTOFF]]
    grades = [relevant.get(t, 0) for t in top]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(grades))
    ideal = sorted(relevant.values(), reverse=True)[:CUTOFF]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, g in enumerate(grades) if g > 0), None)
    found = len({t for t in top if relevant.get(t, 0) > 0})
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "MRR@10": 1.0 / (first + 1) if first is not None else 0.0,
        "Recall@10": found / len(relevant) if relevant else 0.0,
        "P@1": 1.0 if grades and grades[0] > 0 else 0.0,
    }


@dataclass
class Report:
    """Mean metrics per system (and per kind of question), per-query nDCG, unanswerable
    questions and judged titles missing from the index."""

    queries: int
    systems: dict[str, dict[str, float]] = field(default_factory=dict)
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    per_kind: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    kind_sizes: dict[str, int] = field(default_factory=dict)
    unanswerable: list[str] = field(default_factory=list)

    def table(self, name: str = "") -> str:
        """The compact table ``cradle eval`` prints last (6 lines)."""
        head = f"{'system':<12}" + "".join(f"{m:>11}" for m in METRICS)
        lines = [f"eval {name} ({self.queries} queries)".replace("  ", " "), head, "-" * len(head)]
        for system, vals in self.systems.items():
            lines.append(f"{system:<12}" + "".join(f"{vals[m]:>11.3f}" for m in METRICS))
        return "\n".join(lines)

    def kind_table(self) -> str:
        """nDCG@10 per kind of question (rows) and system (columns), then the first system's
        MRR@10 and P@1 per kind (is the first result right?); empty without kinds."""
        if not self.per_kind:
            return ""
        systems = list(self.systems)
        first = systems[0]
        head = f"{'kind (nDCG@10)':<22}{'n':>4}" + "".join(f"{s:>12}" for s in systems)
        head += f"{first + ' MRR':>13}{first + ' P@1':>13}"
        lines = [head, "-" * len(head)]
        for kind, by_system in self.per_kind.items():
            vals = "".join(f"{by_system[s]['nDCG@10']:>12.3f}" for s in systems)
            vals += f"{by_system[first]['MRR@10']:>13.3f}{by_system[first]['P@1']:>13.3f}"
            lines.append(f"{kind:<22}{self.kind_sizes[kind]:>4}" + vals)
        return "\n".join(lines)


Ranker = Callable[[str], list[str]]


def baselines(searcher: Searcher) -> dict[str, Ranker]:
    """Plain BM25 and plain dense cosine over each resource's title + summary."""
    import bm25s

    resources = searcher.index.resources
    texts = [f"{r.title}. {r.summary}" for r in resources]
    bm25 = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    bm25.index([keywords(t) or [""] for t in texts], show_progress=False)
    vecs = searcher.embedder.embed(texts)
    titles = [r.title for r in resources]

    def by(scores: np.ndarray) -> list[str]:
        return [titles[i] for i in np.lexsort((np.arange(len(scores)), -scores))[:CUTOFF]]

    def bm25_rank(q: str) -> list[str]:
        toks = list(dict.fromkeys(keywords(q)))
        scores = bm25.get_scores(toks) if toks else np.zeros(len(titles))
        return by(np.asarray(scores))

    def dense_rank(q: str) -> list[str]:
        return by(vecs @ searcher.embed_query(q))

    return {"bm25-only": bm25_rank, "dense-only": dense_rank}


def evaluate(searcher: Searcher, queries: list[Judged], with_baselines: bool = True) -> Report:
    """Score Cradle's search (and the baselines) on graded queries."""
    systems: dict[str, Ranker] = {
        "cradle": lambda q: [h.title for h in searcher.search(q, k=CUTOFF).results]
    }
    if with_baselines:
        systems |= baselines(searcher)
    titles = {norm_title(r.title) for r in searcher.index.resources}
    judged = [j for j in queries if j.relevant]
    report = Report(len(judged))
    report.missing = sorted({t for j in queries for t in j.relevant if t not in titles})
    report.unanswerable = [j.query for j in queries if not j.relevant]
    kinds = list(dict.fromkeys(j.kind for j in judged if j.kind))
    report.kind_sizes = {k: sum(j.kind == k for j in judged) for k in kinds}

    def mean(rows: list[dict[str, float]]) -> dict[str, float]:
        return {m: float(np.mean([r[m] for r in rows])) if rows else 0.0 for m in METRICS}

    for name, rank in systems.items():
        rows = []
        for j in judged:
            m = metrics(rank(j.query), j.relevant)
            rows.append(m)
            report.per_query.setdefault(j.query, {})[name] = m["nDCG@10"]
        report.systems[name] = mean(rows)
        for kind in kinds:
            of_kind = [r for r, j in zip(rows, judged, strict=True) if j.kind == kind]
            report.per_kind.setdefault(kind, {})[name] = mean(of_kind)
    return report
