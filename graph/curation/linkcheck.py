"""``cradle linkcheck``: does each entry's ``url`` still open?

Each address is asked for with HEAD; when HEAD is refused (any error status: some servers
refuse HEAD outright) it is asked again with GET, reading no body. Redirects are followed (at
most :data:`MAX_REDIRECTS`) and reported; each request has a deadline and at most
``concurrency`` run at once; the User-Agent says who is asking. Results are recorded beside the
catalogue (:func:`cradle.graph.build.datafiles.links_beside`), where ``cradle review`` and the build
read them. The standard library is enough here: no extra dependency for a staff tool.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cradle.core import __version__
from cradle.graph.build.catalogue import Catalogue

USER_AGENT = f"Cradle-linkcheck/{__version__} (catalogue link check; +https://w3id.org/cradle)"
MAX_REDIRECTS = 5


@dataclass
class LinkResult:
    """What checking one entry's address found.

    Attributes:
        id: the entry.
        url: the address checked.
        status: the final HTTP status, or None when no answer came (see ``error``).
        ok: the address answered 2xx (after any redirects).
        final_url: where the redirects ended (``url`` itself when none).
        redirects: each address redirected to, in order.
        method: HEAD, or GET when HEAD was refused.
        checked: when (UTC, ISO 8601).
        error: why there was no answer (timeout, no such site, ...), else None.
    """

    id: str
    url: str
    status: int | None
    ok: bool
    final_url: str
    redirects: list[str] = field(default_factory=list)
    method: str = "HEAD"
    checked: str = ""
    error: str | None = None


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects with the same method, noting each address."""

    max_redirections = MAX_REDIRECTS

    def __init__(self) -> None:
        self.seen: list[str] = []

    def redirect_request(  # type: ignore[override]
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        self.seen.append(newurl)
        return urllib.request.Request(
            newurl, headers=dict(req.header_items()), method=req.get_method()
        )


def _ask(url: str, method: str, timeout: float) -> tuple[int | None, str, list[str], str | None]:
    redirects = _Redirects()
    opener = urllib.request.build_opener(redirects)
    req = urllib.request.Request(
        url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"}
    )
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.geturl(), redirects.seen, None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.geturl() or url, redirects.seen, None
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = "timed out" if isinstance(reason, TimeoutError) else str(reason)
        return None, url, redirects.seen, text[:200]
    except (TimeoutError, OSError, ValueError) as exc:
        text = "timed out" if isinstance(exc, TimeoutError) else exc.__class__.__name__
        return None, url, redirects.seen, text


def check_url(entry_id: str, url: str, timeout: float = 10.0) -> LinkResult:
    """Check one address: HEAD, then GET when HEAD is refused."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    status, final, seen, error = _ask(url, "HEAD", timeout)
    method = "HEAD"
    if error is None and status is not None and status >= 400:
        method = "GET"
        status, final, seen, error = _ask(url, "GET", timeout)
    ok = status is not None and 200 <= status < 300
    return LinkResult(entry_id, url, status, ok, final, seen, method, now, error)


def check_links(cat: Catalogue, timeout: float = 10.0, concurrency: int = 4) -> list[LinkResult]:
    """Check the ``url`` of every entry that has one, ``concurrency`` at a time, in catalogue
    order."""
    todo = [(e.id, e.url.strip()) for e in cat.resources if e.url]
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="linkcheck") as pool:
        return list(pool.map(lambda job: check_url(job[0], job[1], timeout), todo))


def save_results(path: Path, results: list[LinkResult]) -> None:
    """Record ``results`` at ``path``, keeping earlier results of entries not checked now."""
    kept = {r["id"]: r for r in read_results(path).values()}
    kept.update({r.id: asdict(r) for r in results})
    body = {"user_agent": USER_AGENT, "results": sorted(kept.values(), key=lambda r: r["id"])}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_results(path: Path) -> dict[str, dict[str, Any]]:
    """The recorded results by entry id (empty when there are none or the file is damaged)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return {r["id"]: r for r in body.get("results", []) if isinstance(r, dict) and "id" in r}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}
