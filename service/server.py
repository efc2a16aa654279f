"""``cradle serve``: check the data dir, then run the app under uvicorn."""

from __future__ import annotations

import copy
from pathlib import Path

from cradle.errors import NotBuilt
from cradle.settings import Settings

GRAPH_FILE = "graph.ttl"
STORE_DIR = "store"


def parse_graphs(values: list[str]) -> dict[str, Path]:
    """Named graphs from ``IRI=FILE`` arguments (split at the last ``=``).

    Raises:
        ValueError: an argument is not ``IRI=FILE``, the IRI is not absolute, the IRI is
            given twice, or the file does not exist.
    """
    out: dict[str, Path] = {}
    for value in values:
        iri, sep, file = value.rpartition("=")
        if not sep or not iri or not file:
            raise ValueError(f"--graph {value!r}: expected IRI=FILE")
        if ":" not in iri or any(c in iri for c in '<>" {}|\\^`'):
            raise ValueError(f"--graph {value!r}: {iri!r} is not an absolute IRI")
        if iri in out:
            raise ValueError(f"--graph {value!r}: the graph {iri} is given twice")
        path = Path(file)
        if not path.is_file():
            raise ValueError(f"--graph {value!r}: no such file {file}")
        out[iri] = path
    return out


def preflight(settings: Settings) -> None:
    """Check, before starting, that there is something to serve.

    Raises:
        NotBuilt: no named graphs were given and the data dir holds no built graph.
    """
    if settings.named_graphs:
        return
    data = settings.data_dir
    if not data.is_dir():
        raise NotBuilt(f"{data}: no such data dir: run `cradle build` first (or pass --data-dir)")
    missing = [n for n in (GRAPH_FILE, STORE_DIR) if not (data / n).exists()]
    if missing:
        raise NotBuilt(f"{data}: no built graph ({', '.join(missing)} missing): run `cradle build`")


def serve(settings: Settings) -> None:
    """Serve the app on ``settings.host``:``settings.port`` until interrupted.

    Raises:
        NotBuilt: see :func:`preflight`.
    """
    import uvicorn

    from cradle.service.app import create_app

    preflight(settings)
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"]["cradle"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=log_config,
        access_log=False,  # the app logs requests itself, without their query strings
        proxy_headers=False,
        server_header=False,
    )
