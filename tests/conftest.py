"""Shared fixtures: a graph built once per test session, and a build with its index (the
paths and helpers are in :mod:`tests.support`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cradle.graph.build.pipeline import GraphBuild, build_graph
from tests.support import CATALOGUE, ROOT, SHARED, SOURCE_DOCUMENT, shared

#: Importable from here too, for tests written before tests/support/ (new tests: tests.support).
__all__ = ["CATALOGUE", "ROOT", "SHARED", "SOURCE_DOCUMENT"]


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
    """The shared source document (skipped when absent outside CI; a failure in CI)."""
    return shared(SOURCE_DOCUMENT)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with graph and index (fake embedder) of the curated catalogue; read-only."""
    from tests.support.service import built_dir

    return built_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def client(data_dir: Path) -> Iterator[Any]:
    """A test client of the whole app over :func:`data_dir`, its lifespan running."""
    from fastapi.testclient import TestClient

    from cradle.service.app import create_app
    from tests.support import fake_settings

    with TestClient(create_app(fake_settings(data_dir))) as c:
        yield c


@pytest.fixture(scope="module")
def searcher(client: Any) -> Any:
    """The searcher of :func:`client`'s app."""
    return client.app.state.runtime.searcher
