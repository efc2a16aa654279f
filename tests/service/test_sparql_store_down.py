"""A triplestore that goes away answers 503, without naming its address."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cradle.core.errors import StoreUnavailable
from cradle.core.settings import Settings
from cradle.service.runtime import Runtime
from cradle.service.sparql import router


class DownEngine:
    """An engine whose store cannot be reached."""

    capacity = 1

    def execute(self, query: str, **kwargs: object) -> object:
        raise StoreUnavailable("cannot reach the external store at http://10.9.8.7:7878/store")

    def info(self) -> dict[str, object]:
        return {}

    def close(self) -> None:
        pass


def test_store_down_is_503_without_its_address() -> None:
    app = FastAPI()
    app.include_router(router)
    app.state.runtime = Runtime(Settings(), engine=DownEngine())
    response = TestClient(app).get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 503
    assert "unavailable" in response.text and "10.9.8.7" not in response.text
