"""``/changes`` with changed fields (old -> new, a word diff) in a real browser: no axe-core
violation, enough contrast, nothing sideways on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cradle.commands import run_build
from cradle.graph.build.catalogue import dump_catalogue, load_catalogue
from tests.service.test_browser import CONTRAST, Watched, browser  # noqa: F401  (the browser fixture)
from tests.support import CATALOGUE, fake_settings
from tests.support.service import running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def changed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over two builds, the second with a reworded summary and a new status."""
    folder = tmp_path_factory.mktemp("changes")
    data = folder / "build"
    run_build(fake_settings(data))
    cat = load_catalogue(CATALOGUE)
    first = cat.resources[0]
    cat.resources[0] = first.model_copy(
        update={
            "summary": first.summary + " Now with a leaflet for grandparents.",
            "status": "in-development",
        }
    )
    edited = folder / "catalogue.yaml"
    edited.write_text(dump_catalogue(cat), encoding="utf-8")
    run_build(fake_settings(data, catalogue=edited))
    with running_server(data, folder / "server.log") as base:
        yield base


@pytest.mark.parametrize("width", [360, 1280])
def test_changes_with_values_pass_axe(browser: Any, changed_url: str, width: int) -> None:  # noqa: F811
    web = Watched(browser, changed_url, width=width, axe=True)
    assert web.open("/changes") == 200
    assert web.page.locator("del").count() + web.page.locator("ins").count() >= 1
    assert "in-development" in web.page.inner_text("main")
    assert web.axe() == []
    assert web.page.evaluate(CONTRAST) == []
    assert web.wide() == []
    web.check()
