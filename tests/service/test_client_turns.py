"""One client's requests a few at a time (``service/turns.py``): the rest of its requests wait
their turn, another client's go straight in."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import httpx

from cradle.core.settings import Settings
from cradle.service.turns import ClientTurns


def test_a_clients_flood_waits_its_turn_and_another_client_goes_straight_in() -> None:
    inside: dict[str, int] = {}
    most: dict[str, int] = {}
    release = asyncio.Event()

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        who = dict(scope["headers"]).get(b"x-forwarded-for", b"proxy").decode()
        inside[who] = inside.get(who, 0) + 1
        most[who] = max(most.get(who, 0), inside[who])
        if who == "192.0.2.1":
            await release.wait()  # the flood's requests are slow
        inside[who] -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    settings = Settings(requests_per_client=2, trusted_proxies=["127.0.0.1"])
    turns = ClientTurns(app, SimpleNamespace(settings=settings))  # type: ignore[arg-type]

    async def run() -> None:
        transport = httpx.ASGITransport(app=turns, client=("127.0.0.1", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:

            def ask(who: str) -> asyncio.Task[httpx.Response]:
                headers = {"x-forwarded-for": who}
                return asyncio.ensure_future(http.get("/", headers=headers))

            flood = [ask("192.0.2.1") for _ in range(10)]
            await asyncio.sleep(0.1)
            other = await asyncio.wait_for(ask("192.0.2.2"), 2)  # not behind the flood
            assert other.status_code == 200
            assert inside["192.0.2.1"] == 2  # two handled, eight waiting their turn
            release.set()
            assert all(r.status_code == 200 for r in await asyncio.gather(*flood))
            proxy = await http.get("/")  # the trusted proxy naming no client: not limited
            assert proxy.status_code == 200

    asyncio.run(run())
    assert most["192.0.2.1"] == 2 and most["192.0.2.2"] == 1
    assert turns._clients == {}  # nothing kept once a client's requests are done


def test_a_client_starts_one_request_a_turn_of_the_loop_and_another_is_not_behind_them() -> None:
    """Requests that never wait (a 404) run whole in one step of the loop: a client with many
    connections starts one of them a turn, so another client's request started behind them
    all runs after the first, not after the hundredth (hostile round 8, F4)."""
    started: list[str] = []

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        started.append(dict(scope["headers"])[b"x-forwarded-for"].decode())
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    settings = Settings(requests_per_client=8, trusted_proxies=["127.0.0.1"])
    turns = ClientTurns(app, SimpleNamespace(settings=settings))  # type: ignore[arg-type]

    async def ask(who: str) -> None:
        headers = [(b"x-forwarded-for", who.encode())]
        scope = {"type": "http", "client": ("127.0.0.1", 1), "headers": headers}

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: object) -> None:
            pass

        await turns(scope, receive, send)

    async def run() -> None:
        await asyncio.gather(*[ask("192.0.2.1") for _ in range(20)], ask("192.0.2.2"))

    asyncio.run(run())
    assert len(started) == 21
    assert started.index("192.0.2.2") <= 1  # the flood's first, then the other client
    assert turns._clients == {}  # nothing kept once the last turn is over


def test_a_request_gives_up_its_place_when_its_connection_closes() -> None:
    from cradle.service.gone import GONE, Gone

    ran: list[str] = []
    release = asyncio.Event()

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        ran.append(scope["path"])
        if scope["path"] == "/slow":
            await release.wait()

    settings = Settings(requests_per_client=1)
    turns = ClientTurns(app, SimpleNamespace(settings=settings))  # type: ignore[arg-type]

    async def ask(path: str, gone: Gone) -> None:
        scope = {"type": "http", "path": path, "client": ("192.0.2.1", 1), "headers": [],
                 "extensions": {GONE: gone}}  # fmt: skip
        await turns(scope, None, None)  # type: ignore[arg-type]

    async def run() -> None:
        slow = asyncio.ensure_future(ask("/slow", Gone()))
        await asyncio.sleep(0)
        left = [Gone() for _ in range(3)]
        waiting = [asyncio.ensure_future(ask(f"/left-{i}", g)) for i, g in enumerate(left)]
        cancelled = asyncio.ensure_future(ask("/cancelled", Gone()))
        stays = asyncio.ensure_future(ask("/stays", Gone()))
        await asyncio.sleep(0.01)
        for g in left:
            g.set()  # their connections closed while they waited for the turn
        await asyncio.gather(*waiting)
        assert len(turns._clients["192.0.2.1"].queued) == 2  # only those still waiting
        release.set()
        await asyncio.sleep(0)
        cancelled.cancel()  # (the turn may just have been handed to it: it is handed on)
        done = asyncio.gather(slow, stays, cancelled, return_exceptions=True)
        await asyncio.wait_for(done, 5)  # a turn lost with the cancelled request: never

    asyncio.run(run())
    assert ran == ["/slow", "/stays"]
    assert turns._clients == {}


def test_a_client_has_at_most_its_connections_worth_of_requests_here() -> None:
    """Requests pipelined on a connection that closed still wait (the server learns of the
    close only when it reads): a client's requests here are capped at the connections it may
    hold, the next answered 503 at once."""
    releases: list[asyncio.Event] = []
    statuses: list[int] = []

    async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await releases[-1].wait()

    settings = Settings(requests_per_client=1, connections_per_client=2)
    turns = ClientTurns(app, SimpleNamespace(settings=settings))  # type: ignore[arg-type]

    async def ask(peer: str, named: list[tuple[bytes, bytes]]) -> None:
        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(int(message["status"]))  # type: ignore[call-overload]

        scope = {"type": "http", "client": (peer, 1), "headers": named}
        await turns(scope, None, send)  # type: ignore[arg-type]

    async def run(peer: str, named: list[tuple[bytes, bytes]]) -> None:
        releases.append(asyncio.Event())
        asked = [asyncio.ensure_future(ask(peer, named)) for _ in range(3)]
        await asyncio.sleep(0.01)
        releases[-1].set()
        await asyncio.wait_for(asyncio.gather(*asked), 5)

    asyncio.run(run("192.0.2.1", []))
    assert statuses == [503]  # the third, at once (one handled, one waiting)
    assert turns._clients == {}
    # a client a trusted proxy names holds none of the connections: its requests wait
    settings.trusted_proxies = ["127.0.0.1"]
    statuses.clear()
    asyncio.run(run("127.0.0.1", [(b"x-forwarded-for", b"192.0.2.7")]))
    assert statuses == []
