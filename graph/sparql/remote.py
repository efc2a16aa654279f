"""An external SPARQL triplestore (Oxigraph server, Virtuoso, ...) instead of the embedded store.

``cradle build`` loads the built Turtle into it with a Graph Store Protocol PUT; queries go to its
SPARQL 1.1 Protocol endpoint under the same deadline as the embedded store. Read-only rules are
checked locally, before anything is forwarded. Only the standard library's HTTP client is used.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cradle.core.csvcells import neutralise_csv
from cradle.core.datadir import DataDir, Version
from cradle.core.errors import (
    CradleError,
    EngineBusy,
    QueryAborted,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
)
from cradle.core.settings import Settings
from cradle.graph.sparql.engine import EngineResult, prepare
from cradle.graph.sparql.formats import GRAPH_SYNTAX, RESULT_SYNTAX
from cradle.graph.sparql.run import Result
from cradle.graph.sparql.worker import fit as _fit

UPLOAD_BLOCK = 1 << 20
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
READ_FACTOR = 4  # a store's answer is read up to this many times the byte cap, then cut
PROBE_EVERY = 10.0  # seconds between two checks that the store answers (for /health)
PROBE_TIMEOUT = 2.0


def gsp_url(query_url: str | None, gsp: str | None) -> str:
    """The Graph Store Protocol URL: ``gsp`` when given, else Oxigraph's ``/store`` next to
    a ``/query`` endpoint.

    Raises:
        StoreUnavailable: neither is given, or the query URL is not Oxigraph-shaped.
    """
    if gsp:
        return gsp
    if query_url and query_url.rstrip("/").endswith("/query"):
        return query_url.rstrip("/").removesuffix("/query") + "/store"
    raise StoreUnavailable(
        "no Graph Store Protocol URL for the external store: set CRADLE_STORE_GSP_URL "
        "(--store-gsp-url), e.g. http://host:7878/store for Oxigraph or "
        "http://host:8890/sparql-graph-crud-auth for Virtuoso"
    )


def _target(url: str, graph: str | None) -> str:
    sep = "&" if "?" in url else "?"
    if graph is None:
        return f"{url}{sep}default"
    return f"{url}{sep}graph={urllib.parse.quote(graph, safe='')}"


def _blocks(path: Path, progress: bool) -> Iterator[bytes]:
    from tqdm import tqdm

    size = path.stat().st_size
    with (
        path.open("rb") as fh,
        tqdm(
            total=size, unit="B", unit_scale=True, desc="upload", disable=None if progress else True
        ) as bar,
    ):
        while block := fh.read(UPLOAD_BLOCK):
            bar.update(len(block))
            yield block


def load_graph(
    turtle: Path, gsp: str, graph: str | None = None, timeout: float = 3600.0, progress: bool = True
) -> None:
    """Replace the store's default graph (or named graph ``graph``) with a Turtle file.

    One Graph Store Protocol PUT: the store swaps the graph in one transaction, so servers
    querying it see the old graph or the new one, never half of it.

    Args:
        turtle: the Turtle file (``graph.ttl``).
        gsp: the store's Graph Store Protocol URL.
        graph: a named graph IRI, or None for the default graph.
        timeout: seconds to wait for the store.
        progress: show an upload progress bar on a terminal.

    Raises:
        StoreUnavailable: the store cannot be reached or refused the graph.
    """
    request = urllib.request.Request(
        _target(gsp, graph),
        data=_blocks(turtle, progress),
        method="PUT",
        headers={"Content-Type": "text/turtle", "Content-Length": str(turtle.stat().st_size)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise StoreUnavailable(
            f"the external store refused the graph (HTTP {exc.code} from {gsp}): "
            "check the Graph Store Protocol URL and that the store accepts writes"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise StoreUnavailable(
            f"cannot reach the external store at {gsp}: {_reason(exc)}"
        ) from None


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason) if reason is not None else exc.__class__.__name__


def remote_query(
    url: str,
    query: str,
    deadline: float,
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    accept: str = f"{RESULTS_JSON}, {NTRIPLES};q=0.9",
    max_bytes: int | None = None,
) -> tuple[str, bytes, bool]:
    """POST a query (already checked to be read-only) and read the answer within ``deadline``.

    Returns:
        The response's media type, its body, and whether the body was longer than
        ``max_bytes`` (then only about that much of it was read: the rest is not).

    Raises:
        QueryTimeout: no complete answer within ``deadline`` seconds.
        QuerySyntaxError: the store rejected the query (its message, shortened).
        StoreUnavailable: the store cannot be reached or failed.
    """
    form = [("query", query)]
    form += [("default-graph-uri", g) for g in default_graphs or []]
    form += [("named-graph-uri", g) for g in named_graphs or []]
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode("utf-8"),
        headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
    )
    start = time.monotonic()
    longer = False
    try:
        with urllib.request.urlopen(request, timeout=deadline) as response:
            chunks, size = [], 0
            while chunk := response.read(1 << 16):
                chunks.append(chunk)
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    longer = True  # the rest is not read: the answer is cut as it stands
                    break
                if time.monotonic() - start > deadline:
                    raise _timeout(deadline)
            media = response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:500].decode("utf-8", "replace").strip()
        if exc.code == 400:
            raise QuerySyntaxError(body or "the external store rejected the query") from None
        raise StoreUnavailable(f"the external store failed (HTTP {exc.code})") from None
    except TimeoutError:
        raise _timeout(deadline) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _timeout(deadline) from None
        raise StoreUnavailable(f"cannot reach the external store: {_reason(exc)}") from None
    return media, b"".join(chunks), longer


def _timeout(deadline: float) -> QueryTimeout:
    return QueryTimeout.after(deadline)


def parse_answer(media: str, body: bytes, deadline: float) -> Result:
    """Turn a store's answer into the result objects the embedded store gives.

    Raises:
        QueryTimeout: the store cut the query off mid-answer (a truncated body).
        StoreUnavailable: the answer is in no format this client reads.
    """
    try:
        if media == RESULTS_JSON:
            json.loads(body)  # complete? (a store cut off mid-answer sends a truncated body)
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if media in (NTRIPLES, "text/turtle"):
            fmt = ox.RdfFormat.N_TRIPLES if media == NTRIPLES else ox.RdfFormat.TURTLE
            graph = ox.Store()
            graph.bulk_load(body, format=fmt)
            return graph.query("CONSTRUCT WHERE { ?s ?p ?o }")  # type: ignore[return-value]
    except (SyntaxError, ValueError):  # json.JSONDecodeError is a ValueError
        if b"cancelled" in body[-200:] or b"timeout" in body[-200:].lower():
            raise _timeout(deadline) from None
        raise StoreUnavailable("the external store sent a malformed answer") from None
    raise StoreUnavailable(f"the external store answered in an unexpected format ({media})")


def publish_to_store(version: Version, settings: Settings) -> None:
    """Load the graph of a built version into the external store the settings name.

    Raises:
        StoreUnavailable: no GSP URL can be worked out, or the store refused the graph.
    """
    gsp = gsp_url(settings.store_url, settings.store_gsp_url)
    load_graph(version.graph_file, gsp, settings.store_graph)


_SAFE_IRI = re.compile(r"https?://[^\s<>\"{}|^`\\]*")


class RemoteEngine:
    """A :class:`cradle.graph.sparql.engine.QueryEngine` forwarding to an external SPARQL server.

    Every request passes the embedded engine's checks (:func:`cradle.graph.sparql.engine.prepare`:
    read-only, no SERVICE, no file graphs, limits, content negotiation) before anything is
    sent; the answer is read within the deadline, cut at the row cap and re-serialised in the
    negotiated format, so clients see exactly what the embedded engine would send.
    """

    def __init__(self, settings: Settings, graph_sha256: str | None) -> None:
        if not settings.store_url:
            raise StoreUnavailable("no external store configured (CRADLE_STORE_URL)")
        self._url = settings.store_url
        self._graph = settings.store_graph
        self._timeout = settings.query_timeout
        self._row_cap = settings.row_cap
        self._byte_cap = settings.max_result_bytes
        self._sha = graph_sha256
        self.workers = settings.query_workers
        self.capacity = settings.query_workers + settings.query_queue
        self._admit = threading.BoundedSemaphore(self.capacity)
        self._checker: Any = None  # query workers over an empty store: parse under a deadline
        self._checker_lock = threading.Lock()
        self._checker_args = {
            "workers": settings.query_workers,
            "timeout": settings.query_timeout,
            "row_cap": settings.row_cap,
            "queue_size": settings.query_queue,
        }
        self._triples = self._count()
        self._probe_lock = threading.Lock()
        self._probed_at = time.monotonic()
        self._store_problem: str | None = None

    def _count(self) -> int:
        _, body, _ = self._send("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", [], [], "SELECT")
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    def _send(
        self,
        query: str,
        default_graphs: list[str],
        named_graphs: list[str],
        form: str,
        own_dataset: bool = False,
    ) -> tuple[str, bytes, bool]:
        if self._graph and not default_graphs and not named_graphs and not own_dataset:
            default_graphs = [self._graph]
        accept = RESULTS_JSON if form in ("SELECT", "ASK") else NTRIPLES
        return remote_query(
            self._url,
            query,
            self._timeout,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            accept=accept,
            max_bytes=READ_FACTOR * self._byte_cap,
        )

    def execute(
        self,
        query: str,
        *,
        default_graphs: list[str],
        named_graphs: list[str],
        accept: str | None,
        fmt: str | None = None,
        base_iri: str | None = None,
        cancel: threading.Event | None = None,
        deadline: float | None = None,
    ) -> EngineResult:
        """Check, forward and re-serialise one query; see ``QueryEngine.execute``.

        The query is parsed in a local worker under the deadline before anything is sent;
        ``cancel`` stops that, not the store's work: its own deadline ends an abandoned
        query."""
        prepared = prepare(
            query,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            accept=accept,
            fmt=fmt,
            base_iri=base_iri,
        )
        form, from_graphs, _ = self._check(prepared, base_iri, cancel, deadline)
        text = prepared.text
        if base_iri and _SAFE_IRI.fullmatch(base_iri):  # resolve against this endpoint's URL
            text = f"BASE <{base_iri}>\n{text}"  # (checked: nothing can close the IRI early)
        if not self._admit.acquire(blocking=False):
            raise EngineBusy("too many SPARQL queries are waiting; retry in a few seconds")
        try:
            # the protocol's dataset overrides FROM; with neither, the catalogue's graph
            own = bool(from_graphs)
            media, body, longer = self._send(
                text, prepared.default_graphs, prepared.named_graphs, form, own
            )
        finally:
            self._admit.release()
        name, cap = prepared.format.name, self._row_cap
        if media != (RESULTS_JSON if form in ("SELECT", "ASK") else NTRIPLES):
            raise StoreUnavailable(f"the external store answered in an unexpected format ({media})")
        if longer:  # the part read, whole rows only; then cut like any long answer
            body = _whole_rows(body, form, cap)
        out, rows, cut = _reserialise(body, form, name, cap, self._timeout, self._byte_cap)
        cut = cut or ("bytes" if longer else "")  # rows the store sent were left unread
        media_type = prepared.format.media_type
        return EngineResult(media_type, out, rows, bool(cut), cap, self._byte_cap, cut or "rows")

    def _check(
        self,
        prepared: Any,
        base_iri: str | None,
        cancel: threading.Event | None,
        deadline: float | None,
    ) -> tuple[str, list[str], int]:
        from cradle.graph.sparql.embedded import EmbeddedEngine

        with self._checker_lock:
            if self._checker is None:
                self._checker = EmbeddedEngine(
                    store_dir=None, named={}, graph_sha256="", **self._checker_args
                )
        return self._checker.check(prepared, base_iri, cancel, deadline)  # type: ignore[no-any-return]

    def info(self) -> dict[str, Any]:
        """Engine description for ``/health`` and the service description (the store's address
        is not disclosed); it asks the store nothing (:meth:`store_problem` does)."""
        return {
            "engine": "remote-sparql",
            "source": "catalogue",
            "triples": self._triples,
            "graphs": [self._graph] if self._graph else [],
            "graph_sha256": self._sha,
            "query_timeout": self._timeout,
            "row_cap": self._row_cap,
        }

    def store_problem(self) -> str | None:
        """Why the store does not answer, or None: an ``ASK {}`` within :data:`PROBE_TIMEOUT`
        seconds, sent at most once every :data:`PROBE_EVERY` seconds (the answer is kept
        meanwhile), so that a health check sees a store that went away without asking it on
        every call. It waits for the store: call it from a thread (``/health`` runs on one),
        never from the event loop."""
        with self._probe_lock:
            if time.monotonic() - self._probed_at < PROBE_EVERY:
                return self._store_problem
            self._probed_at = time.monotonic()
        try:
            remote_query(self._url, "ASK {}", PROBE_TIMEOUT)
            problem = None
        except CradleError as exc:  # StoreUnavailable, QueryTimeout, QuerySyntaxError
            problem = str(exc)
        self._store_problem = problem
        return problem

    def close(self) -> None:
        """Stop the local parsing workers; each query uses its own connection."""
        if self._checker is not None:
            self._checker.close()


def _reserialise(
    body: bytes, form: str, fmt: str, cap: int, deadline: float, byte_cap: int
) -> tuple[bytes, int, str]:
    """The store's JSON / N-Triples answer, cut at ``cap`` rows and ``byte_cap`` bytes, in
    format ``fmt``; with what cut it (``""``, ``"rows"`` or ``"bytes"``)."""
    try:
        if form in ("SELECT", "ASK"):
            doc = json.loads(body)
            if form == "ASK":
                data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
                if fmt == "json":
                    return data, 1, ""
                parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
                return parsed.serialize(format=RESULT_SYNTAX[fmt]) or b"", 1, ""
            bindings = doc["results"]["bindings"]
            kept = bindings[:cap]

            def select(n: int) -> bytes:
                doc["results"]["bindings"] = kept[:n]
                data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
                if fmt == "json":
                    return data
                parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
                out = parsed.serialize(format=RESULT_SYNTAX[fmt]) or b""
                return neutralise_csv(out) if fmt == "csv" else out  # as the embedded engine

            out, rows = _fit(select, len(kept), byte_cap)
            return out, rows, _cut(rows, len(kept), len(bindings) > cap)
        triples = []
        for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
            triples.append(quad.triple)
            if len(triples) > cap:
                break
        kept = triples[:cap]
        syntax = GRAPH_SYNTAX[fmt]
        graph, rows = _fit(
            lambda n: ox.serialize(kept[:n], format=syntax) or b"", len(kept), byte_cap
        )
        return graph, rows, _cut(rows, len(kept), len(triples) > cap)
    except (SyntaxError, ValueError, KeyError, TypeError):
        if b"cancelled" in body[-200:] or b"timeout" in body[-200:].lower():
            raise _timeout(deadline) from None
        raise StoreUnavailable("the external store sent a malformed answer") from None


def _whole_rows(part: bytes, form: str, cap: int) -> bytes:
    """The whole rows at the start of an answer read only in part (``part``), as a complete
    answer: N-Triples up to its last whole line; SPARQL JSON results with the bindings that
    were read whole (at most ``cap`` + 1, enough to say the row cap cut it), each parsed by the
    standard library's JSON decoder.

    Raises:
        QueryAborted: no whole row can be read from it (a store that sends its ``head`` after
            its ``results``, say).
    """
    if form not in ("SELECT", "ASK"):
        return part[: part.rfind(b"\n") + 1]
    text = part.decode("utf-8", "ignore")
    head, bindings = _HEAD.search(text), _BINDINGS.search(text)
    if head is None or bindings is None or head.end() > bindings.start():
        raise QueryAborted(
            "the store's answer is far longer than this endpoint sends; add LIMIT "
            "or select fewer or shorter values"
        )
    decoder = json.JSONDecoder()
    vars_, _ = decoder.raw_decode(text, head.end())
    rows: list[Any] = []
    at = bindings.end()
    while len(rows) <= cap:
        try:
            row, at = decoder.raw_decode(text, at)
        except ValueError:
            break
        rows.append(row)
        comma = _COMMA.match(text, at)
        if comma is None:
            break
        at = comma.end()
    return json.dumps({"head": vars_, "results": {"bindings": rows}}).encode("utf-8")


_HEAD = re.compile(r'"head"\s*:\s*')
_BINDINGS = re.compile(r'"bindings"\s*:\s*\[\s*')
_COMMA = re.compile(r"\s*,\s*")


def _cut(rows: int, kept: int, over_row_cap: bool) -> str:
    return "bytes" if rows < kept else "rows" if over_row_cap else ""


def open_remote_engine(settings: Settings, version: Version | None = None) -> RemoteEngine:
    """The engine over ``settings.store_url``, tied to the graph built in the data dir (its
    ``graph_sha256`` is reported as None when the data dir holds no build).

    Raises:
        StoreUnavailable: the store cannot be reached or does not answer SPARQL.
    """
    try:
        sha: str | None = (version or DataDir(settings.data_dir).open()).graph_sha256()
    except CradleError:
        sha = None
    return RemoteEngine(settings, sha)
