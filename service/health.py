"""``/health``: what the server serves, whether its graph and index belong together, and
whether a newer published version is pending or was refused (:mod:`cradle.service.swap`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cradle.service.deps import RuntimeDep
from cradle.service.runtime import Runtime
from cradle.service.swap import swap_report

router = APIRouter(tags=["service"])


def health_report(state: Runtime) -> dict[str, Any]:
    """The health report of an app's runtime (see :func:`health`)."""
    served = state.served
    problems: list[str] = list(served.problems)
    manifest: dict[str, Any] = served.graph_manifest or {}
    engine, searcher, data = served.engine, served.searcher, served.graph_data
    # the process answering searches knows how it embeds them (this one never does)
    answering = served.search_process or searcher
    index: dict[str, Any] = answering.info() if answering is not None else {}
    graph_sha = manifest.get("graph_sha256")
    match = bool(graph_sha) and index.get("graph_sha256") == graph_sha if index else None
    if match is False:
        problems.append("the search index was built from another graph: run `cradle build`")
    engine_info: dict[str, Any] = engine.info() if engine is not None else {}
    if hasattr(engine, "store_problem"):  # an external store: does it answer? (a thread: may wait)
        engine_info["store_problem"] = engine.store_problem()
    version, versions = served.version, swap_report(state)
    if engine_info.get("store_problem"):
        problems.append(
            f"the external SPARQL store does not answer ({engine_info['store_problem']}): "
            "/sparql answers 503 until it is back"
        )
    if engine_info.get("stale"):
        problems.append("the graph on disk changed since start-up: restart the server")
    if versions["refused"]:
        problems.append(
            f"the published version {versions['refused']} is not served: "
            f"{versions['refused_why']}; still serving {versions['served']}"
        )
    return {
        "status": "ok" if not problems else "degraded",
        "problems": problems,
        "mode": "named-graphs" if state.named_graphs else "catalogue",
        "graph": {
            "sha256": graph_sha,
            "triples": manifest.get("triples"),
            "resources": manifest.get("resources"),
            "version": version.id if version is not None else None,
            "opened_at": versions["opened_at"],
            "catalogue_date": versions["catalogue_date"],
        },
        "versions": versions,
        "index": {
            "sha256": index.get("index_sha256"),
            "graph_sha256": index.get("graph_sha256"),
            "model": index.get("model"),
            "count": index.get("count"),
            "dimension": index.get("dimension"),
            "queries": index.get("queries"),
        }
        if index
        else None,
        "graph_index_match": match,
        "counts": {
            "resources": len(data.resources) if data else manifest.get("resources"),
            "topics": len(data.terms.get("topic", {})) if data else None,
            "localities": len(data.terms.get("locality", {})) if data else None,
            "organisations": len(data.terms.get("org", {})) if data else None,
            "indexed": index.get("count"),
        },
        "sparql": engine_info,
    }


@router.get("/health")
def health(rt: RuntimeDep) -> dict[str, Any]:
    """Graph and index digests, the model, counts, whether graph and index match, the version
    served and when it was opened, a newer published version pending or refused (and why),
    and any problem found (``status`` is ``ok`` or ``degraded``)."""
    return health_report(rt)
