"""The one place that reads the environment: every setting has the ``CRADLE_`` prefix.

Where things are found (docs/settings.md says the same for users):

- the ontology and the analyst queries are package data (``cradle.ontology``,
  ``cradle.queries``), so a plain ``pip install`` carries them; in a source checkout the
  editable install maps those packages onto ``ontology/`` and ``queries/``;
- the catalogue defaults to the one shipped as package data (``cradle.data``: in a checkout
  that is ``data/catalogue.yaml`` itself, which staff edit);
- the data dir defaults to the checkout's ``var/`` in a source checkout (so ``make run``,
  the tests and the notebooks, whose kernels run in ``notebooks/``, all find one build), and
  to ``var/`` in the current directory for an installed package (not ``build/``, which
  setuptools writes into; a data dir left there is named by
  :func:`cradle.core.datadir.moved_data_dir`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def package_dir(package: str) -> Path:
    """The folder of one of Cradle's package-data packages (``cradle.ontology`` ...)."""
    return Path(str(files(package)))


ONTOLOGY_DIR = package_dir("cradle.ontology")
QUERIES_DIR = package_dir("cradle.queries")
CATALOGUE = package_dir("cradle.data") / "catalogue.yaml"
# A source checkout: the folder holding pyproject.toml beside the cradle package (an editable
# install); None for an installed package, whose defaults are relative to the current directory.
_ROOT = Path(__file__).resolve().parents[2]
CHECKOUT: Path | None = _ROOT if (_ROOT / "pyproject.toml").is_file() else None
DATA_DIR = CHECKOUT / "var" if CHECKOUT else Path("var")
SHARED_DIR = CHECKOUT.parent / "shared" if CHECKOUT else Path("shared")
DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Cradle's settings, read from ``CRADLE_*`` environment variables or given explicitly."""

    model_config = SettingsConfigDict(env_prefix="CRADLE_", extra="ignore")

    catalogue: Path = Field(
        CATALOGUE, description="the catalogue YAML that `cradle build` and `cradle validate` read"
    )
    data_dir: Path = Field(
        DATA_DIR,
        description="the build folder: `cradle build` writes it; search, SPARQL, the service "
        "and the notebooks read it",
    )
    ontology_dir: Path = Field(
        ONTOLOGY_DIR, description="the ontology: vocabulary, thesaurus, localities, SHACL shapes"
    )
    queries_dir: Path = Field(
        QUERIES_DIR, description="analyst SPARQL queries, offered as tabs in the /query editor"
    )
    shared_dir: Path = Field(
        SHARED_DIR, description="the partnership's shared folder: source document, eval queries"
    )
    model: str = Field(
        DEFAULT_MODEL,
        description="sentence-transformers model name or local path; never downloaded at run time",
    )
    embedder: Literal["sentence-transformers", "fake"] = Field(
        "sentence-transformers", description="'fake' is a deterministic hashing embedder for tests"
    )
    embed_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="batch embedding precision; 'auto': bfloat16 where the CPU has it natively",
    )
    query_runtime: Literal["onnx", "torch"] = Field(
        "onnx", description="queries through ONNX Runtime (same model, exported once) or torch"
    )
    query_precision: Literal["int8", "float32"] = Field(
        "int8",
        description="ONNX query encoder weights: 8-bit in blocks of 32 (checked against float32 "
        "when made; float32 is used if it disagrees) or float32",
    )
    eval_queries: Path = Field(
        SHARED_DIR / "eval" / "dev_queries.json",
        description="graded queries `cradle eval` scores by default",
    )
    ann_threshold: int = Field(
        50_000, gt=0, description="resources above which the dense index is approximate (HNSW)"
    )
    search_results: int = Field(
        10, description="results `cradle search` prints when -k is not given (1-100)"
    )
    sentence_vectors: bool = Field(
        True,
        description="embed the sentences of summaries of several sentences at build time, so "
        "a hit's snippet is the sentence nearest in meaning; false: a shorter build, snippets "
        "chosen by the question's words",
    )
    host: str = Field("127.0.0.1", description="address `cradle serve` listens on")
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="the service's public address (e.g. https://cradle.example.gov.uk), used "
        "for absolute links in feeds and pages; unset: the address `cradle serve` listens on "
        "(never the request's Host header)",
    )
    port: int = Field(8000, description="port `cradle serve` listens on")
    workers: int = Field(
        1, ge=1, le=64, description="server processes sharing the port (one per core for search)"
    )
    search_process: bool = Field(
        True,
        description="answer searches in a process of their own beside each server process; "
        "false: on a thread of the server process",
    )
    reload_interval: float = Field(
        5.0,
        ge=0,
        description="seconds between a server's looks for a newly published version of the "
        "data dir, served without a restart (0: only on SIGHUP)",
    )
    query_timeout: float = Field(10.0, gt=0, description="SPARQL deadline in seconds")
    row_cap: int = Field(10_000, gt=0, description="most result rows a SPARQL query returns")
    max_body_bytes: int = Field(
        1_000_000, gt=0, description="largest request body the service accepts (413 above)"
    )
    max_url_bytes: int = Field(
        16_384, gt=0, description="longest request URL the service accepts (414 above)"
    )
    max_result_bytes: int = Field(
        8 * 1024 * 1024,
        gt=0,
        description="most bytes of one SPARQL answer; a longer answer is cut (whole rows) "
        "and flagged as truncated, like the row cap",
    )
    write_timeout: float = Field(
        30.0,
        gt=0,
        description="seconds a client may take to read the next part of an answer before "
        "the connection is dropped",
    )
    header_timeout: float = Field(
        10.0,
        gt=0,
        description="seconds a connection may stay open without sending a complete request "
        "(also the idle keep-alive time)",
    )
    body_timeout: float = Field(
        10.0,
        gt=0,
        description="seconds a client may take to send a request's body once its headers are "
        "in (for the largest body, a minimum rate of max_body_bytes / body_timeout); a client "
        "that takes longer gets 408 and is disconnected",
    )
    max_connections: int = Field(
        500,
        gt=0,
        description="open connections one server process keeps; a connection beyond them is "
        "answered 503 at once and closed (keep it below the open-files limit, ulimit -n)",
    )
    connections_per_client: int = Field(
        100,
        gt=0,
        description="open connections one address keeps with one server process (a trusted "
        "proxy's are not counted); a connection beyond them is answered 503 at once and closed",
    )
    linkcheck_allow_private: bool = Field(
        False,
        description="let `cradle linkcheck` check loopback, private and link-local addresses "
        "(for tests on loopback; off, such addresses and redirects to them are refused)",
    )
    worker_max_memory_mb: int = Field(
        512,
        gt=0,
        description="a SPARQL worker process using more memory than this (MiB) after a query "
        "is replaced by a fresh one",
    )
    worker_max_queries: int = Field(
        1000, ge=0, description="queries a SPARQL worker answers before it is replaced (0: never)"
    )
    # 4: two SPARQL queries of a client (queries_per_client) leave it two turns for its pages;
    # more turns do not serve a client faster (its pages take turns at the interpreter lock)
    # and slow every other client (bench/findings.md, "Ninth session: one client's share")
    requests_per_client: int = Field(
        4,
        gt=0,
        description="requests of one client (IP address) one server process handles at once; "
        "the rest wait their turn (a trusted proxy that names no client is not limited)",
    )
    queries_per_client: int = Field(
        2,
        gt=0,
        description="SPARQL queries one client (IP address) may run at once; more get 429",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses of reverse proxies whose X-Forwarded-For names the client",
    )
    query_workers: int = Field(4, gt=0, description="processes that evaluate SPARQL queries")
    query_queue: int = Field(16, ge=0, description="SPARQL queries that may wait for a worker")
    store_url: str | None = Field(None, description="external SPARQL query endpoint URL")
    store_gsp_url: str | None = Field(None, description="Graph Store Protocol URL of that store")
    store_graph: str | None = Field(
        None, description="named graph IRI of the catalogue on that store (unset: default graph)"
    )
    named_graphs: dict[str, Path] = Field(
        default_factory=dict,
        description="serve these RDF files as named graphs (IRI: file) instead of the catalogue",
    )
    record_misses: bool = Field(
        True,
        description="count searches that found no close match by the topics and places they "
        "named (never the query text), shown on /review; false turns it off",
    )
    private_contacts: Path | None = Field(
        None, description="private contacts file; off by default, staff use only"
    )
