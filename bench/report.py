"""Write ``bench/RESULTS.md`` and ``bench/latency.png`` from ``bench/results/scale-*.json``.

.venv/bin/python bench/report.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, ROOT  # noqa: E402

OUT = ROOT / "bench" / "RESULTS.md"
PLOT = ROOT / "bench" / "latency.png"
#: Where the generated report ends; what follows is kept. What the numbers mean and the
#: decisions taken are in bench/findings.md, never repeated here.
MARK = (
    "<!-- bench/report.py rewrites everything above this line; measurements recorded by hand "
    "follow, and what they mean is in bench/findings.md -->"
)
BUILDS = (
    ("build_graph", "build, graph only"),
    ("build_full", "build, graph + index"),
    ("build_index", "index stage alone"),
)
RATIOS = ("rdflib_over_embedded", "rdflib_over_server")
TARGETS = {
    "analyst": "analyst queries >= 10x faster than rdflib",
    "search_in": "search p50 <= 15 ms in-process",
    "search_http": "search p50 <= 30 ms over HTTP",
    "search_p99": "search p99 <= 100 ms with 16 clients",
    "serve_mem": "serve peak memory <= 2 GB",
    "build": "build >= 100 resources/s",
}


def _load() -> list[dict[str, Any]]:
    runs = [json.loads(p.read_text()) for p in RESULTS.glob("scale-*.json")]
    return sorted(runs, key=lambda r: r["resources"])


def _f(x: Any, fmt: str = ".1f") -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _geo(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def _agree(q: dict[str, Any]) -> str:
    if not q["rows"]:
        return "–"
    return "yes" if q["rows_agree"] else "NO " + str(q["rows"])


def _section(r: dict[str, Any]) -> list[str]:
    n = r["resources"]
    m = r["machine"]
    lines = [f"## {n:,} resources", ""]
    parts = [
        f"{part} {r[part + '_load_average'][0]:.1f}"
        for part in ("build", "queries", "search")
        if r.get(part + "_load_average")
    ]
    if parts:
        lines.append("1-minute load average when each part started: " + ", ".join(parts) + ".")
    else:
        lines.append(f"Load average when the run started: {m.get('load_average_at_start', '?')}.")
    lines.append("")
    builds = [(k, label) for k, label in BUILDS if r.get(k)]
    if builds:
        lines += [
            "| stage | wall s | resources/s | CPU s | resources/CPU s | peak MiB | triples |",
            "|---|---|---|---|---|---|---|",
        ]
    for key, label in builds:
        b = r[key]
        cpu = b.get("cpu_s")
        lines.append(
            f"| {label} | {_f(b['seconds'])} | {_f(b['resources_per_s'], '.0f')} | {_f(cpu)} | "
            f"{_f(n / cpu if cpu else None, '.0f')} | {_f(b['peak_mib'], '.0f')} | "
            f"{b.get('triples', 0):,} |"
        )
    lines.append("")
    aq = r.get("analyst_queries")
    if aq:
        lines += [
            f"Analyst queries (median ms; rdflib parsed graph.ttl in {_f(aq['rdflib_parse_s'])} s,"
            f" the Oxigraph server loaded it by GSP PUT in {_f(aq['server_load_s'])} s):",
            "",
            "| query | embedded | Oxigraph server | rdflib | rdflib / embedded | rdflib / server |"
            " rows agree |",
            "|---|---|---|---|---|---|---|",
        ]
        cut = f"> {aq.get('deadline_s', '?'):g} s (cut off)"
        for name, q in aq["queries"].items():
            med = {k: (cut if v is None else _f(v)) for k, v in q["median_ms"].items()}
            ratio = {k: ("–" if q[k] is None else f"{_f(q[k])}x") for k in RATIOS}
            lines.append(
                f"| {name} | {med['embedded']} | {med['server']} | {med['rdflib']} | "
                f"{ratio[RATIOS[0]]} | {ratio[RATIOS[1]]} | "
                f"{_agree(q)} |"
            )
        ratios = [
            q["rdflib_over_embedded"]
            for q in aq["queries"].values()
            if q["rdflib_over_embedded"] is not None
        ]
        lines += [
            "",
            f"Embedded store over rdflib, on the {len(ratios)} queries where neither was cut "
            f"off: geometric mean {_f(_geo(ratios))}x, lowest {_f(min(ratios))}x.",
            "",
        ]
    sp, sh = r.get("search_in_process"), r.get("search_http")
    if sp or sh:
        if r.get("embedder") == "fake":
            lines += [
                "Search here uses the hashing embedder (64-d vectors, no model): the real "
                "model's query embedding is not included.",
                "",
            ]
        lines += ["| search | n | p50 ms | p99 ms | q/s |", "|---|---|---|---|---|"]
        if sp:
            lines.append(f"| in-process | {sp['n']} | {_f(sp['p50_ms'])} | {_f(sp['p99_ms'])} | |")
        for c in (1, 16):
            h = (sh or {}).get(f"clients_{c}")
            if h:
                lines.append(
                    f"| HTTP, {c} client(s) | {h['n']} | {_f(h['p50_ms'])} | {_f(h['p99_ms'])} | "
                    f"{_f(h['throughput_qps'])} |"
                )
        if sh:
            lines.append("")
            lines.append(
                f"`cradle serve` peak memory {_f(sh.get('serve_peak_mib'), '.0f')} MiB "
                f"(with its SPARQL worker processes {_f(sh.get('serve_tree_peak_mib'), '.0f')} "
                f"MiB), ready in {_f(sh.get('startup_s'))} s."
            )
    if r.get("search_error"):
        lines.append(f"Search not measured: {r['search_error']}")
    return [*lines, ""]


def plot(runs: list[dict[str, Any]]) -> None:
    """Latency against catalogue size: search p50/p99 and analyst-query medians per engine."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["resources"] for r in runs]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (
        ("search_in_process", "in-process"),
        ("search_http.clients_1", "HTTP, 1 client"),
        ("search_http.clients_16", "HTTP, 16 clients"),
    ):
        for stat, style in (("p50_ms", "-o"), ("p99_ms", "--x")):
            ys = []
            for r in runs:
                node: Any = r
                for part in key.split("."):
                    node = (node or {}).get(part)
                ys.append((node or {}).get(stat, float("nan")))
            ax1.plot(sizes, ys, style, label=f"{label} {stat[:3]}")
    fake = [f"{r['resources']:,}" for r in runs if r.get("embedder") == "fake"]
    note = f" (hashing embedder at {', '.join(fake)})" if fake else ""
    ax1.set(xscale="log", yscale="log", xlabel="resources", ylabel="ms", title="Search" + note)
    ax1.legend(fontsize=7)
    complete = None  # queries no engine was cut off on, at any size
    for r in runs:
        qs = (r.get("analyst_queries") or {}).get("queries", {})
        done = {k for k, q in qs.items() if None not in q["median_ms"].values()}
        complete = done if complete is None else complete & done
    names = sorted(complete or ())
    for engine in ("embedded", "server", "rdflib"):
        ys = []
        for r in runs:
            qs = (r.get("analyst_queries") or {}).get("queries", {})
            ys.append(_geo([qs[k]["median_ms"][engine] for k in names]) if qs else float("nan"))
        ax2.plot(sizes, ys, "-o", label=engine)
    ax2.set(
        xscale="log",
        yscale="log",
        xlabel="resources",
        ylabel="ms (geometric mean)",
        title=f"Analyst queries ({len(names)} never cut off)",
    )
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def _kept() -> str:
    """The measurements recorded by hand below :data:`MARK` in the current report (with it)."""
    old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
    return MARK + old.partition(MARK)[2] if MARK in old else MARK + "\n"


def main() -> None:
    """Write the report and the plot."""
    runs = _load()
    if not runs:
        raise SystemExit(f"no results in {RESULTS}: run bench/scale_bench.py first")
    m = runs[-1]["machine"]
    lines = [
        "# Scale benchmark results",
        "",
        "Made by `bench/scale_bench.py` then `bench/report.py`; synthetic national catalogues "
        "from `cradle synth` (seeded). Each engine runs side by side in one process, "
        "interleaved, so ratios hold on a noisy machine; absolute numbers do not.",
        "",
        f"Machine: {m['cpu']}, {m['cpus']} CPUs, {m['memory']} memory, {m['os']}, "
        f"Python {m['python']}. The machine was shared with other work while these ran.",
        "",
        "![latency against catalogue size](latency.png)",
        "",
        "The right-hand plot averages (geometrically) the analyst queries that no engine was "
        "cut off on at any size; the tables give every query.",
        "",
    ]
    for r in runs:
        lines += _section(r)
    lines += [_kept()]
    OUT.write_text("\n".join(lines))
    plot(runs)
    print(f"wrote {OUT} and {PLOT}")


if __name__ == "__main__":
    main()
