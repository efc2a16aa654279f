"""Helpers for the SPARQL tests: a minimal app (FastAPI + the /sparql router + an engine) and a
content hash of everything an engine serves."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cradle.core.settings import Settings
from cradle.graph.sparql.engine import open_engine
from cradle.service.runtime import Runtime
from cradle.service.sparql import router
from tests.support import SHARED

W3C_DIR = SHARED / "w3c-sparql11-protocol"
KASEI = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
ALL_QUADS = """
SELECT (COUNT(*) AS ?n) (SHA256(GROUP_CONCAT(?line; separator="\\n")) AS ?h) {
  { SELECT ?line {
      { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }
      BIND(CONCAT(COALESCE(STR(?g), "-"), " ", STR(?s), " ", STR(?p), " ", STR(?o), " ",
                  COALESCE(LANG(?o), ""), " ", COALESCE(STR(DATATYPE(?o)), "")) AS ?line)
    } ORDER BY ?line }
}"""


def w3c_graphs() -> dict[str, Path]:
    """The W3C protocol tests' data as IRI -> file (data1-3.nt)."""
    return {KASEI.format(i): W3C_DIR / f"data{i}.nt" for i in (1, 2, 3)}


@contextmanager
def sparql_client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient on FastAPI() + the /sparql router over ``open_engine(settings)``."""
    app = FastAPI()
    app.include_router(router)
    app.state.runtime = Runtime(settings, engine=open_engine(settings))
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.runtime.engine.close()


def data_hash(client: TestClient) -> str:
    """Count and SHA-256 of every quad the endpoint serves (default graph and named graphs)."""
    response = client.post(
        "/sparql",
        content=ALL_QUADS,
        headers={"content-type": "application/sparql-query", "accept": "text/csv"},
    )
    assert response.status_code == 200, response.text
    count = int(response.text.splitlines()[1].split(",")[0])
    assert count > 0
    return response.text


def write_chain(path: Path, n: int) -> Path:
    """An N-Triples file of ``n`` triples chaining <http://example.org/nI> by ex:p."""
    lines = [
        f"<http://example.org/n{i}> <http://example.org/p> <http://example.org/n{i + 1}> ."
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()
