"""``cradle search``'s filter options, one per facet of the registry (:mod:`cradle.core.facets`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from cradle.core import facets

PREFIX = "facet_"


def facet_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` (which takes ``filters: dict[str, str | None]``) with one option per facet
    (``--locality``, ``--topic``, ...) in place of ``filters``, for Typer to register."""
    sig = inspect.signature(command, eval_str=True)
    kept = [p for p in sig.parameters.values() if p.name != "filters"]
    options = [
        inspect.Parameter(
            PREFIX + f.id,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None,
                typer.Option(f.flag, help=f"filter: {f.label.lower()}, by id or preferred label"),
            ],
        )
        for f in facets.FACETS
    ]

    @functools.wraps(command)
    def with_filters(*args: Any, **kwargs: Any) -> Any:
        chosen = {f.id: kwargs.pop(PREFIX + f.id, None) for f in facets.FACETS}
        return command(*args, filters=chosen, **kwargs)

    with_filters.__signature__ = sig.replace(parameters=[*kept, *options])  # type: ignore[attr-defined]
    return with_filters
