"""Models that document a dataclass's JSON for OpenAPI (``/openapi.json``, ``/docs``): its fields
under their JSON names (:func:`cradle.index.hit.fields_of`), nested dataclasses likewise. They
only document: answers are written by the one serialiser, never validated against these."""

from __future__ import annotations

import types
import typing
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, create_model


@cache
def json_model(cls: type) -> type[BaseModel]:
    """The pydantic model of dataclass ``cls``'s JSON (fields in order, under their JSON names).

    Args:
        cls: a dataclass whose fields may name their JSON key (``metadata={"json": ...}``).
    """
    hints = typing.get_type_hints(cls)
    spec: dict[str, Any] = {
        f.metadata.get("json", f.name): (_json_type(hints[f.name]), ...) for f in fields(cls)
    }
    return create_model(cls.__name__, __doc__=cls.__doc__, **spec)


def _json_type(hint: Any) -> Any:
    """``hint`` with every dataclass in it replaced by its :func:`json_model`, and tuples of any
    length by lists (as JSON has them)."""
    if isinstance(hint, type) and is_dataclass(hint):
        return json_model(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is None or origin is typing.Literal:
        return hint
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return list[_json_type(args[0])]  # type: ignore[misc]
    inner = tuple(_json_type(a) for a in args)
    if origin in (types.UnionType, typing.Union):
        return typing.Union[inner]  # noqa: UP007  # rebuilt from its parts
    return origin[inner]
