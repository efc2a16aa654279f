"""The service stage's command: ``cradle serve`` checks the data dir, then runs the app
under uvicorn."""

from __future__ import annotations

import contextlib
import copy
import signal
from pathlib import Path
from typing import Any

from cradle.core.datadir import DataDir, release
from cradle.core.settings import Settings


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
        NotBuilt: no named graphs were given and the data dir holds no whole graph (the
            message names the file, the folder and what to run). A missing or stale search
            index only turns search off (``/health`` says why).
    """
    if settings.named_graphs:
        return
    version = DataDir(settings.data_dir).open()
    try:
        version.check_graph()
    finally:  # the server opens what is published when it starts, and may move on from it
        release(version)


def _config(settings: Settings, app: Any = None) -> Any:
    import uvicorn

    from cradle.service.app import create_app
    from cradle.service.timeouts import header_timeout_protocol, quiet_accept_errors

    quiet_accept_errors()
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"]["cradle"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return uvicorn.Config(
        app or create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=log_config,
        access_log=False,  # the app logs requests itself, without their query strings
        proxy_headers=False,
        server_header=False,
        http=header_timeout_protocol(
            settings.header_timeout,
            settings.body_timeout,
            settings.max_connections,
            settings.max_url_bytes,
            settings.connections_per_client,
            frozenset(settings.trusted_proxies),
            settings.write_timeout,
            settings.max_body_bytes,
        ),
        timeout_keep_alive=max(1, round(settings.header_timeout)),
        limit_concurrency=settings.max_connections,
    )


def run_serve(settings: Settings) -> int:
    """Serve the app on ``settings.host``:``settings.port`` until interrupted.

    With ``settings.workers`` above 1, that many processes share the port (see
    :mod:`cradle.service.prefork`), each with its share of the SPARQL worker processes.

    Returns:
        The exit status (1 when the server could not start).

    Raises:
        NotBuilt: see :func:`preflight`.
        OSError: the address cannot be bound.
    """
    import uvicorn

    preflight(settings)
    # SIGHUP asks a server to look for a newly published version (cradle.service.swap); until
    # the app watches for it, it must not stop the server (the default action)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    from cradle.service.prefork import bind

    if settings.workers <= 1:
        sock = bind(settings.host, settings.port)  # bound here: a port in use is an OSError
        try:
            server = uvicorn.Server(_config(settings))
            with contextlib.suppress(KeyboardInterrupt):
                server.run([sock])
            return 0 if server.started else 1
        finally:
            sock.close()
    from cradle.service.app import create_app
    from cradle.service.prefork import STARTUP_FAILURE, ConnectionShare, FairShare, supervise

    queries = max(1, settings.query_workers // settings.workers)
    per_worker = settings.model_copy(update={"query_workers": queries})
    connections = ConnectionShare(settings.workers)
    sock = bind(settings.host, settings.port)

    def work(slot: int) -> int:
        app = create_app(per_worker)
        server = uvicorn.Server(_config(per_worker, app))
        held = server.server_state.connections  # the server's set of open connections
        app.add_middleware(FairShare, share=connections, slot=slot, held=lambda: len(held))
        server.run([sock])
        return 0 if server.started else STARTUP_FAILURE

    try:
        return supervise(settings.workers, work)
    finally:
        sock.close()
