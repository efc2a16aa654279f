"""``GET /search``: the ranking and JSON of ``cradle search --json``, plus facet counts over the
results. The searcher runs on its own small thread pool, never on the event loop."""

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import create_model

from cradle.core import facets
from cradle.core.errors import InvalidSearch, QueryCancelled
from cradle.index.hit import Hit, SearchResponse, fields_of
from cradle.index.process import SearchProcess
from cradle.index.search import MAX_K, Searcher
from cradle.service.deps import (
    ClientDep,
    RequiredSearcherDep,
    SearchPoolDep,
    SearchProcessDep,
    client_gone,
)
from cradle.service.jsonschema import json_model
from cradle.service.misses import Misses, note_search
from cradle.service.querytext import clean_query
from cradle.service.runtime import runtime_of

router = APIRouter(tags=["search"])

#: The longest question and facet value a request may send (characters); ``k`` is at most
#: :data:`cradle.index.search.MAX_K`, the searcher's own limit.
MAX_QUERY = 1000
MAX_FILTER = 200


def hit_keys() -> dict[str, str]:
    """Facet (and counted field) -> the attribute of a hit that holds its value(s)."""
    return {f.id: f.hit_field for f in facets.FACETS} | facets.COUNTED


async def facet_filters(request: Request) -> dict[str, str | None]:
    """The facet filters of a request (``?locality=bolton&topic=...``; async: a plain function
    would be run on a worker thread, a hop for every request): every facet the registry
    declares (:mod:`cradle.core.facets`), None where absent or empty.

    Raises:
        InvalidSearch: a value over :data:`MAX_FILTER` characters.
    """
    out: dict[str, str | None] = {}
    for facet in facets.FACETS:
        value = request.query_params.get(facet.param)
        if value and len(value) > MAX_FILTER:
            raise InvalidSearch(f"{facet.param}: at most {MAX_FILTER} characters, please.")
        out[facet.id] = value or None
    return out


FiltersDep = Annotated[dict[str, str | None], Depends(facet_filters)]


def facet_parameters() -> list[dict[str, Any]]:
    """The facet filters as OpenAPI query parameters (they are read by :func:`facet_filters`)."""
    return [
        {"name": f.param, "in": "query", "required": False,
         "description": f"only results with this {f.label.lower()} (id or preferred label)",
         "schema": {"type": "string", "maxLength": MAX_FILTER}}
        for f in facets.FACETS
    ]  # fmt: skip


#: The answer's JSON for OpenAPI, documented from the response dataclass itself (no second list
#: of its fields, nor of a hit's), plus the facet counts over its close matches (facet -> value
#: id -> hits). It only documents: the answer is written by the one serialiser (docs/search.md).
SearchResult = create_model(
    "SearchResult",
    __base__=json_model(SearchResponse),
    __doc__="Ranked hits for a query, and facet counts over its close matches.",
    facets=(dict[str, dict[str, int]], ...),
)


@dataclass(frozen=True)
class Answer:
    """A search as the service gives it: the response (hits with a finite score only) and the
    facet counts over its close matches."""

    response: SearchResponse
    facets: dict[str, dict[str, int]]

    def encodable(self) -> dict[str, Any]:
        """The JSON of ``cradle search --json`` plus ``facets``, the response's values left
        typed for :class:`AnswerJSON`."""
        return (fields_of(self.response) or {}) | {"facets": self.facets}


def facet_counts(hits: Sequence[Hit]) -> dict[str, dict[str, int]]:
    """How many hits carry each value of each facet (most first; ties in order of first hit).

    Counted on the event loop for every search, so kept to plain dictionary work (bench/
    findings.md, "Search at 10k against round one, third pass")."""
    out: dict[str, dict[str, int]] = {}
    for facet, key in hit_keys().items():
        counts: dict[str, int] = {}
        for hit in hits:
            value = getattr(hit, key)
            values = (value,) if not isinstance(value, list | tuple) else value
            for v in values if len(values) < 2 else dict.fromkeys(values):  # once per hit
                if v:
                    name = v if type(v) is str else str(v)
                    counts[name] = counts.get(name, 0) + 1
        out[facet] = dict(sorted(counts.items(), key=_fewer)) if len(counts) > 1 else counts
    return out


def _fewer(item: tuple[str, int]) -> int:
    """Sort key: most hits first (a stable sort keeps ties in order of first hit)."""
    return -item[1]


def _ranked(hits: Sequence[Hit]) -> tuple[Hit, ...]:
    """Hits whose score is a finite number (others have no place in a ranking)."""
    return tuple(h for h in hits if math.isfinite(h.score))


def _encode_dataclass(value: Any) -> dict[str, Any]:
    found = fields_of(value)
    if found is None:
        raise TypeError(f"not JSON: {type(value).__name__}")
    return found


class AnswerJSON(Response):
    """An answer as JSON, encoded by orjson straight from the typed answer (its dataclasses
    through :func:`cradle.index.hit.fields_of`, the one field-name mapping): a non-finite float
    (never valid JSON) becomes null. Not dicts encoded by the standard library: that cost more
    than most of the search (bench/findings.md, "Search at 10k against round one")."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The JSON bytes of ``content``."""
        return orjson.dumps(
            content, default=_encode_dataclass, option=orjson.OPT_PASSTHROUGH_DATACLASS
        )


async def answer_search(
    searcher: Searcher,
    pool: Executor,
    q: str,
    k: int,
    *,
    national: bool = True,
    exact: bool = False,
    misses: Misses | None = None,
    filters: Mapping[str, str | None] | None = None,
    process: SearchProcess | None = None,
    client: str = "",
    request: Request | None = None,
) -> Answer:
    """Search in ``process`` when there is one (in ``client``'s turn; dropped if the client of
    ``request`` goes away while it waits), else with ``searcher`` on the pool's thread:
    the response of ``cradle search --json`` plus ``facets`` (counted over the close matches
    only). A search with no close match is counted in ``misses`` by topic and place (never its
    text).

    Raises:
        InvalidSearch: the query is empty once invisible characters are dropped, or the
            searcher rejects it (an unknown facet value, ...).
        SearchStopped: the search process stopped or passed its deadline.
        QueryCancelled: the client went away before the answer.
    """
    text = clean_query(q)
    if not text:
        raise InvalidSearch("q: type some words to search for (the query was empty).")
    cleaned = {
        name: clean_query(value) or None if value else None
        for name, value in (filters or {}).items()
    }
    if process is not None:  # sent from here, answered on the process's own thread
        submitted = process.submit(text, k, cleaned, national, exact, client)
        response = await _answer_unless_gone(process, submitted, request)
    else:
        call = functools.partial(searcher.search_filtered, text, k, cleaned, national, exact=exact)
        response = await asyncio.get_running_loop().run_in_executor(pool, call)
    response = replace(response, results=_ranked(response.results))
    note_search(misses, searcher, text, cleaned, response)
    return Answer(response, facet_counts([h for h in response.results if h.close]))


async def _answer_unless_gone(
    process: SearchProcess, submitted: Future[SearchResponse], request: Request | None
) -> SearchResponse:
    """The answer to ``submitted``; if the client of ``request`` goes away first, the search is
    dropped (never sent to the process when it still waits), so an abandoned request costs no
    search and frees its place at once."""
    answer = asyncio.wrap_future(submitted)
    if request is None:
        return await answer
    gone = asyncio.ensure_future(client_gone(request))
    try:
        done, _ = await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if answer in done:
        return answer.result()
    why = QueryCancelled("the client went away before the answer")
    answer.cancel()  # first: the dropped search's error then reaches no unawaited future
    process.drop(submitted, why)
    raise why


@router.get(
    "/search",
    response_model=SearchResult,
    responses={
        422: {"description": "The query or a parameter is invalid (the message says which)."},
        503: {"description": "This server has no search index (the message says why)."},
    },
    openapi_extra={"parameters": facet_parameters()},
)
async def search(
    request: Request,
    searcher: RequiredSearcherDep,
    pool: SearchPoolDep,
    process: SearchProcessDep,
    filters: FiltersDep,
    client: ClientDep,
    q: str = Query(..., max_length=MAX_QUERY, description="what to look for, in plain words"),
    k: int = Query(10, ge=1, le=MAX_K, description="how many results"),
    national: bool = Query(
        True, description="with a locality: also Greater Manchester and national resources"
    ),
    exact: bool = Query(False, description="search the words as typed: no spelling correction"),
) -> AnswerJSON:
    """Semantic and keyword search over the catalogue, with facet filters and counts."""
    answer = await answer_search(
        searcher,
        pool,
        q,
        k,
        national=national,
        exact=exact,
        misses=runtime_of(request.app).misses,
        filters=filters,
        process=process,
        client=client,
        request=request,
    )
    # The typed answer, through the one field-name mapping (cradle.index.hit.fields_of):
    # answered as is, not revalidated against SearchResult (which only documents it).
    return AnswerJSON(answer.encodable())
