"""Hostile round 7, F3: no page is rendered on the event loop (service/render.py says why).
A template is rendered only by a plain function, which the service runs on a worker thread
(FastAPI runs plain routes there; async code goes through ``render`` or ``run_in_threadpool``)."""

from __future__ import annotations

import ast

from tests.support import ROOT


def renders_on_the_loop(source: str) -> list[int]:
    """Lines where a template is rendered directly inside an ``async def``."""
    found: list[int] = []

    def visit(node: ast.AST, in_async: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_async
            if isinstance(child, ast.AsyncFunctionDef):
                inside = True
            elif isinstance(child, ast.FunctionDef | ast.Lambda):
                inside = False
            if (
                in_async
                and isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "TemplateResponse"
            ):
                found.append(child.lineno)
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def test_no_page_is_rendered_on_the_event_loop() -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "service").glob("*.py"))
        if (lines := renders_on_the_loop(path.read_text()))
    }
    assert offenders == {}


def test_the_check_sees_a_page_rendered_on_the_loop() -> None:
    bad = "async def page(request, t):\n    return t.TemplateResponse(request, 'x')\n"
    good = (
        "async def page(request, templates):\n"
        "    def run():\n        return templates.TemplateResponse(request, 'x')\n"
        "    return await run_in_threadpool(run)\n"
    )
    assert renders_on_the_loop(bad) == [2]
    assert renders_on_the_loop(good) == []
