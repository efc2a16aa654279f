"""The one place that reads the environment: every setting has the ``CRADLE_`` prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
QUERIES_DIR = PROJECT_ROOT / "queries"
SHARED_DIR = PROJECT_ROOT.parent / "shared"
DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Settings(BaseSettings):
    """Cradle's settings, read from ``CRADLE_*`` environment variables or given explicitly."""

    model_config = SettingsConfigDict(env_prefix="CRADLE_", extra="ignore")

    catalogue: Path = Field(PROJECT_ROOT / "data" / "catalogue.yaml")
    data_dir: Path = Field(PROJECT_ROOT / "build")
    ontology_dir: Path = Field(ONTOLOGY_DIR)
    queries_dir: Path = Field(QUERIES_DIR)
    shared_dir: Path = Field(
        SHARED_DIR, description="the partnership's shared folder: source document, eval queries"
    )
    source_document: str = "000_7ea27756e6b4f046.txt"
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
        description="ONNX query encoder weights: 8-bit in blocks of 32 (1.8x faster, cosine "
        ">= 0.999 to float32, checked when made) or float32",
    )
    eval_queries: Path = Field(
        SHARED_DIR / "eval" / "dev_queries.json",
        description="graded queries `cradle eval` scores by default",
    )
    ann_threshold: int = Field(
        50_000, gt=0, description="resources above which the dense index is approximate (HNSW)"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(
        1, ge=1, le=64, description="server processes sharing the port (one per core for search)"
    )
    query_timeout: float = Field(10.0, gt=0, description="SPARQL deadline in seconds")
    row_cap: int = Field(10_000, gt=0, description="most result rows a SPARQL query returns")
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
    worker_max_memory_mb: int = Field(
        512,
        gt=0,
        description="a SPARQL worker process using more memory than this (MiB) after a query "
        "is replaced by a fresh one",
    )
    worker_max_queries: int = Field(
        1000, ge=0, description="queries a SPARQL worker answers before it is replaced (0: never)"
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
    max_body_bytes: int = Field(1_000_000, gt=0)
    max_url_bytes: int = Field(16_384, gt=0)
    query_workers: int = Field(4, gt=0, description="processes that evaluate SPARQL queries")
    query_queue: int = Field(16, ge=0, description="SPARQL queries that may wait for a worker")
    store_url: str | None = Field(None, description="external SPARQL query endpoint URL")
    store_update_url: str | None = None
    store_gsp_url: str | None = Field(None, description="Graph Store Protocol URL of that store")
    store_graph: str | None = Field(
        None, description="named graph IRI of the catalogue on that store (unset: default graph)"
    )
    named_graphs: dict[str, Path] = Field(default_factory=dict)
    private_contacts: Path | None = Field(
        None, description="private contacts file; off by default, staff use only"
    )
