"""Serving a newly published version without a restart.

A running server looks at the data dir's ``current`` link every ``reload_interval`` seconds
(one ``readlink``) and at once on ``SIGHUP``. When it names another version (a build, or
``cradle rollback``), the server opens that version beside the one it serves, in a thread:
the version's files are checked (:meth:`~cradle.core.datadir.Version.check`: its graph
manifest, and an index built from that graph), its SPARQL engine starts, its read model and
search index load, and a warm-up search runs. Only then does the server switch, in one
assignment on the event loop: requests that started before finish on the old version
(:class:`~cradle.service.runtime.PinServed`), new ones read the new. The old version is closed
when its last request ends; the next switch waits for that, so a server never holds more than
two versions at once. A version that fails to open is logged once, reported by ``/health``
and not tried again; the server keeps serving the version it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pyoxigraph as ox
from fastapi import Request

from cradle.core.datadir import DataDir, Version, release
from cradle.core.errors import CradleError, NotBuilt, StaleIndex
from cradle.core.settings import Settings
from cradle.service.errors import search_off
from cradle.service.graphdata import GraphData, load_graph_data
from cradle.service.runtime import Runtime, Served, served_of

log = logging.getLogger("cradle.service")
_CATALOG = ox.NamedNode("http://www.w3.org/ns/dcat#Catalog")
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_MODIFIED = ox.NamedNode("http://purl.org/dc/terms/modified")


class Refused(Exception):
    """A published version that cannot be served (the message says why, without paths)."""


class NotReady(Exception):
    """A published version that can be served once something else catches up (the external
    store does not hold its graph yet): tried again at each look."""


def search_problem(exc: Exception) -> str:
    """Why search is off, for people, given the error opening the index (the one table:
    :func:`cradle.service.errors.search_off`)."""
    return search_off(exc)


def _open_searcher(served: Served, settings: Settings) -> None:
    try:
        from cradle.index.process import SearchProcess
        from cradle.index.search import WARM_UP, open_searcher

        assert served.version is not None
        searcher = open_searcher(served.version, settings)
        if settings.search_process:  # it searches once on starting: the model loads there
            served.search_process = SearchProcess(served.version, settings)
        else:
            searcher.search(WARM_UP, k=1)  # loads the model now, not on the first request
        served.searcher = searcher
    except Exception as exc:  # serve anyway: SPARQL, pages and coverage need no index
        reason = search_problem(exc)
        served.search_problem = f"Search is not available: {reason}."
        served.problems.append(reason)
        log.warning("search disabled: %s (%s: %s)", reason, exc.__class__.__name__, exc)


def catalogue_date(data: GraphData) -> str | None:
    """The catalogue's own date (``dct:modified`` of its ``dcat:Catalog``), ISO, if any."""
    for quad in data.store.quads_for_pattern(None, _TYPE, _CATALOG, ox.DefaultGraph()):
        for found in data.store.quads_for_pattern(quad.subject, _MODIFIED, None):
            return str(found.object.value)
    return None


def _store_ready(settings: Settings, version: Version) -> None:
    """Check that the external store (if any) holds the version's graph: as many triples as
    its manifest counts (a store loaded apart from the build, or not yet, differs).

    Raises:
        NotReady: it does not yet, or cannot be reached.
    """
    if not settings.store_url:
        return
    from cradle.graph.sparql.engine import open_engine

    try:
        engine = open_engine(settings, version)
    except CradleError:
        raise NotReady("the external store cannot be reached") from None
    try:
        held = engine.info().get("triples")
    finally:
        engine.close()
    if held != version.graph_manifest().get("triples"):
        raise NotReady("the external store does not hold its graph yet")


def open_served(settings: Settings, data_dir: DataDir | None, swapping: bool = False) -> Served:
    """Open the data dir's published version (or the named graphs when ``data_dir`` is None):
    engine, read model, search index, each checked against the version's graph manifest.

    A search index that fails to open (missing, from another graph, damaged) turns search
    off and says why (``search_problem``); :func:`check` refuses such a version when the one
    served has search.

    Args:
        settings: the server's settings.
        data_dir: the data dir (None: serve the named graphs of the settings).
        swapping: a server is taking up a newer version: first check that an external store
            holds its graph, so that graph and index switch together.

    Raises:
        NotReady: (``swapping``) the external store does not hold the version's graph yet.
        NotBuilt: the version's graph is not whole (:meth:`Version.check_graph`).
        StoreUnavailable: the external store cannot be reached.
        Refused: what was opened does not agree with the version's manifest.
    """
    from cradle.graph.read.coverage import coverage as count_coverage
    from cradle.graph.sparql.engine import open_engine

    version = data_dir.open() if data_dir is not None else None
    served = Served(version=version)
    try:
        if version is not None:
            version.check_graph()  # the index is checked against it by open_searcher
            if swapping:
                _store_ready(settings, version)
        served.engine = open_engine(settings, version)
        if version is None:
            return served
        served.graph_manifest = manifest = version.graph_manifest()
        served.graph_data = load_graph_data(version)
        if len(served.graph_data.resources) != manifest.get("resources"):
            raise Refused("the graph store does not hold the resources its manifest counts")
        # count coverage's one pass over the resources now, not on the first /gaps
        # (bench/RESULTS.md, "Coverage at 100k")
        count_coverage(served.graph_data)
        served.catalogue_date = catalogue_date(served.graph_data)
        _open_searcher(served, settings)
    except BaseException:
        close_served(served)
        raise
    return served


def close_served(served: Served) -> None:
    """Stop a version's engine, drop its index and read model, and let builds remove it."""
    if served.engine is not None:
        with contextlib.suppress(Exception):  # a broken engine must not stop the rest
            served.engine.close()
    for part in (served.search_process, served.searcher):
        close = getattr(part, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()
    served.engine, served.searcher, served.graph_data = None, None, None
    served.search_process = None
    if served.version is not None:
        release(served.version)


def settle(collect_frozen: bool = False) -> None:
    """After loading: keep what was loaded out of the garbage collector's way, and hand the
    C heap's free pages back to the system.

    ``gc.freeze()`` moves every object alive now (the records of every resource) to a
    generation the collector never scans, so that a full collection no longer walks them all
    while requests wait. glibc's ``malloc_trim`` returns what loading freed but the allocator
    kept, in every server worker.

    Args:
        collect_frozen: also collect what was frozen before (after a version was closed: its
            objects were frozen when it loaded).
    """
    if collect_frozen:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _close_retired(rt: Runtime, served: Served) -> None:
    close_served(served)
    if rt.draining is served:
        rt.draining = None
    settle(collect_frozen=True)
    log.info("closed version %s", served.version.id if served.version else "-")


def close_later(rt: Runtime, served: Served) -> None:
    """Close a replaced version off the event loop (its last request has finished)."""
    threading.Thread(
        target=_close_retired, args=(rt, served), name="cradle-close-version", daemon=True
    ).start()


def _refuse(rt: Runtime, published: str, exc: BaseException) -> None:
    if isinstance(exc, Refused):
        why = str(exc)
    elif isinstance(exc, NotBuilt | StaleIndex):
        why = "it is not a whole build (a file is missing, damaged or from another build)"
    else:
        why = f"it could not be opened ({exc.__class__.__name__})"
    rt.swap.refused, rt.swap.refused_why = published, why
    served = rt.served.version.id if rt.served.version else "-"
    log.error(
        "the published version %s cannot be served, still serving %s: %s (%s: %s)",
        published,
        served,
        why,
        exc.__class__.__name__,
        exc,
    )


def _switch(rt: Runtime, new: Served) -> None:
    """Serve ``new`` from the next request on; close the old one once it is unread."""
    old, rt.served = rt.served, new
    old.retired = True
    rt.draining = old
    rt.swap.pending = rt.swap.pending_why = rt.swap.refused = rt.swap.refused_why = None
    was = old.version.id if old.version else "-"
    log.info("now serving version %s (was %s)", new.version.id if new.version else "-", was)
    if old.users == 0:
        close_later(rt, old)


async def check(rt: Runtime, retry: bool = False) -> str | None:
    """Serve the data dir's published version if it is another one than the one served.

    Args:
        rt: the app's runtime.
        retry: try a version refused before again (on SIGHUP: the operator asked).

    Returns:
        The id of the version served afterwards (None when serving named graphs only).
    """
    served = rt.served.version
    if rt.data_dir is None or served is None:
        return None
    rt.swap.checked_at = time.time()
    published = rt.data_dir.current_id()
    if published is None or published == served.id:
        rt.swap.pending = rt.swap.pending_why = None
        return served.id
    if published == rt.swap.refused and not retry:
        return served.id  # logged once when it was refused
    rt.swap.pending = published
    if rt.draining is not None:
        return served.id  # the version before is still read: at most two at once
    try:
        new = await asyncio.to_thread(open_served, rt.settings, rt.data_dir, True)
        if rt.served.searcher is not None and new.searcher is None:
            close_served(new)
            raise Refused(f"its search index cannot be used: {new.problems[-1]}")
    except NotReady as exc:  # keep the old pair, look again next time
        if rt.swap.pending_why != str(exc):
            log.warning("version %s waits: %s; still serving %s", published, exc, served.id)
        rt.swap.pending_why = str(exc)
        return served.id
    except Exception as exc:  # noqa: BLE001 - any failure keeps the version served
        rt.swap.pending = rt.swap.pending_why = None
        _refuse(rt, published, exc)
        return served.id
    _switch(rt, new)
    return new.version.id if new.version else None


async def _watch(rt: Runtime, wake: asyncio.Event) -> None:
    interval = rt.settings.reload_interval
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), interval if interval > 0 else None)
        asked = wake.is_set()
        wake.clear()
        try:
            await check(rt, retry=asked)
        except Exception:  # noqa: BLE001 - the watch must go on; check() logs its own
            log.exception("checking the data dir for a new version failed")


@contextlib.asynccontextmanager
async def watching(rt: Runtime) -> AsyncIterator[None]:
    """While the block runs, follow the data dir's published version (timer and SIGHUP)."""
    if rt.data_dir is None:
        yield
        return
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    hup = False
    with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
        loop.add_signal_handler(signal.SIGHUP, wake.set)  # only in the main thread
        hup = True
    task = loop.create_task(_watch(rt, wake), name="cradle-watch-versions")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if hup:
            loop.remove_signal_handler(signal.SIGHUP)


def swap_report(rt: Runtime) -> dict[str, Any]:
    """What ``/health`` says about versions: served, published, pending, refused."""
    from datetime import UTC, datetime

    def when(t: float | None) -> str | None:
        return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds") if t else None

    served = rt.served
    return {
        "served": served.version.id if served.version else None,
        "opened_at": when(served.opened_at),
        "catalogue_date": served.catalogue_date,
        "published": rt.data_dir.current_id() if rt.data_dir else None,
        "pending": rt.swap.pending,
        "pending_why": rt.swap.pending_why,
        "refused": rt.swap.refused,
        "refused_why": rt.swap.refused_why,
        "checked_at": when(rt.swap.checked_at),
        "check_interval": rt.settings.reload_interval,
    }


def catalogue_context(request: Request) -> dict[str, Any]:
    """What every page shows of the version the request reads: the catalogue's date."""
    return {"catalogue_date": long_date(served_of(request).catalogue_date)}


def long_date(iso: str | None) -> str | None:
    """``2026-12-03`` as ``3 December 2026`` (None stays None; anything else as given)."""
    if not iso:
        return None
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"
