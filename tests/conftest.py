"""Shared fixtures: the project's paths and a graph built once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cradle.core.settings import Settings
from cradle.graph.build.pipeline import GraphBuild, build_graph

ROOT = Path(__file__).resolve().parents[1]
SHARED = Settings().shared_dir  # CRADLE_SHARED_DIR points elsewhere
SOURCE_DOCUMENT = SHARED / "000_7ea27756e6b4f046.txt"
CATALOGUE = ROOT / "data" / "catalogue.yaml"


@pytest.fixture(scope="session")
def graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the graph (no index) of the curated catalogue."""
    out = tmp_path_factory.mktemp("graph")
    build_graph(CATALOGUE, out)
    return out


@pytest.fixture(scope="session")
def graph_build(graph_dir: Path) -> GraphBuild:
    """The summary of the session's graph build."""
    from cradle.core.datadir import Version

    return GraphBuild(**Version.at(graph_dir).graph_manifest())


@pytest.fixture()
def source_document() -> Path:
    """The shared source document (skips when the shared folder is absent)."""
    if not SOURCE_DOCUMENT.exists():
        pytest.skip(f"source document not found at {SOURCE_DOCUMENT}")
    return SOURCE_DOCUMENT


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with graph and index (fake embedder) of the curated catalogue; read-only."""
    from tests.service_support import built_dir

    return built_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def client(data_dir: Path) -> Iterator[Any]:
    """A test client of the whole app over :func:`data_dir`, its lifespan running."""
    from fastapi.testclient import TestClient

    from cradle.service.app import create_app
    from tests.service_support import fake_settings

    with TestClient(create_app(fake_settings(data_dir))) as c:
        yield c
