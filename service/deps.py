"""Dependencies routes receive: heavy objects are made once in the app's lifespan and stored on
``app.state``; routes get them through ``Annotated[..., Depends()]`` aliases defined here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from cradle.settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def get_engine(request: Request) -> Any:
    """The SPARQL query engine (``cradle.graph.engine``), made once at start-up."""
    return request.app.state.engine


def get_searcher(request: Request) -> Any:
    """The search index (``cradle.index``), or None when the app serves named graphs only."""
    return getattr(request.app.state, "searcher", None)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Any, Depends(get_engine)]
SearcherDep = Annotated[Any, Depends(get_searcher)]
