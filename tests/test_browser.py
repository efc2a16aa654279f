"""The web UI in a real browser: Playwright driving Debian's chromium against ``cradle serve``.

Every request to another origin is blocked and recorded, and the tests fail if there is one (the
UI must work offline); so do console errors (a Content-Security-Policy violation is one).
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service_support import ROOT, built_dir, running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = built_dir(tmp_path_factory)
    log = tmp_path_factory.mktemp("browser") / "server.log"
    with running_server(data, log) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


class Watched:
    """A page whose requests to other origins and console errors are recorded."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def check(self) -> None:
        assert self.outside == [], f"requests to other origins: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"
        self.context.close()


@pytest.fixture()
def web(browser: Any, base_url: str) -> Iterator[Watched]:
    w = Watched(browser, base_url)
    yield w
    w.check()


def test_search_filter_and_open_a_resource(web: Watched) -> None:
    page = web.page
    page.goto(web.base + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.get_by_label("Search for").fill("safe sleeping")
    page.get_by_role("button", name="Search").click()
    hits = page.locator("li.hit")
    hits.first.wait_for()
    everywhere = hits.count()
    assert everywhere > 1
    assert "Why:" in hits.first.inner_text()
    assert page.locator("aside.facets").get_by_text("Bolton").count() > 0
    web.shot("search")

    page.get_by_label("Locality").select_option("bolton")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"locality=bolton"))
    hits.first.wait_for()
    assert 0 < hits.count() <= everywhere
    for meta in hits.locator("p.meta").first.all_inner_texts():
        assert re.search(r"Bolton|Greater Manchester|England", meta)
    web.shot("search-filtered")

    title = hits.first.locator("h3 a").inner_text()
    hits.first.locator("h3 a").click()
    page.wait_for_url(re.compile(r"/resource/"))
    assert page.locator("h1").inner_text() == title
    assert page.get_by_role("heading", name="On the same topics").is_visible()
    assert page.locator("dl.facts").get_by_text("Topics").is_visible()
    web.shot("resource")


def test_sparql_editor_runs_an_analyst_query(web: Watched) -> None:
    page = web.page
    page.goto(web.base + "/query")
    tabs = page.locator(".yasgui .tabsList .tab")
    tabs.first.wait_for()
    queries = sorted((ROOT / "queries").glob("*.rq"))
    assert tabs.count() == len(queries)
    first = queries[0].read_text().splitlines()[0].lstrip("# ")
    assert first.startswith(tabs.first.inner_text().strip().split("\n")[0].rstrip("…"))
    page.locator(".yasqe_queryButton").first.click()
    rows = page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert rows.count() > 0
    web.shot("sparql-editor")
    # autocompletion of prefixes, classes and properties must stay local (no prefix.cc, no LOV)
    page.locator(".CodeMirror").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for text in ("PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nSELECT * WHERE {\n  ?s a foaf:Pe",
                 " .\n  ?s foaf:na"):  # fmt: skip
        page.keyboard.type(text, delay=10)
        page.keyboard.press("Control+Space")
        page.wait_for_timeout(500)


def test_coverage_heatmap_is_visible(web: Watched) -> None:
    page = web.page
    page.goto(web.base + "/coverage")
    table = page.locator("table#heatmap")
    assert table.is_visible()
    assert table.locator("thead th").count() == 11
    assert table.locator("tbody tr").count() > 10
    web.shot("coverage")
    page.get_by_label("Count the wider areas' resources too").check()
    page.get_by_label("Order of authorities").select_option("gaps")
    page.get_by_role("button", name="Update").click()
    page.wait_for_url(re.compile(r"include_shared=true"))
    assert "sort=gaps" in page.url
    assert page.locator("table#heatmap").is_visible()
    page.locator("table#heatmap a.n").first.click()  # a cell: the resources behind its count
    page.wait_for_url(re.compile(r"/coverage/[^/]+/[^/?]+"))
    assert page.locator("h2#own").is_visible()


def test_coverage_on_a_phone_scrolls_inside_its_box(browser: Any, base_url: str) -> None:
    w = Watched(browser, base_url)
    w.page.set_viewport_size({"width": 390, "height": 844})
    w.page.goto(w.base + "/coverage")
    page_width = w.page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390  # the page never scrolls sideways; the table's box does
    box = w.page.locator(".heatmap-box")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    topic = w.page.locator("tbody th[scope=row]").first
    before = topic.bounding_box()
    box.evaluate("b => { b.scrollLeft = 400; }")
    after = topic.bounding_box()
    assert before and after and abs(after["x"] - before["x"]) < 1  # the topic column stays
    assert w.page.get_by_text("own·adopted·shared").first.is_visible()  # the key, no hover
    w.shot("coverage-phone")
    w.check()


LABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML.slice(0, 80))"""


def test_pages_are_labelled_and_work_from_the_keyboard(web: Watched) -> None:
    page = web.page
    for path in ("/", "/coverage", "/resource/gm-safer-sleep-policy", "/topic/scheme"):
        page.goto(web.base + path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.evaluate(LABELLED) == [], path
        assert page.locator("h1").count() == 1, path
    page.goto(web.base + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link moves focus to the main content
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("crying baby")
    page.keyboard.press("Enter")
    page.locator("li.hit").first.wait_for()
    assert "q=crying+baby" in page.url


def test_api_docs_render_offline(web: Watched) -> None:
    page = web.page
    page.goto(web.base + "/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=20_000)
    assert "Cradle" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path").filter(has_text="/search").count() >= 1
    web.shot("api-docs")


CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => { for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3); }
    return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.offsetParent === null || el.closest('.visually-hidden, .skip-link')) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName} ${ratio.toFixed(2)} ${el.textContent.trim()}`);
  }
  return low;
}"""


def test_text_contrast_meets_wcag_aa(web: Watched) -> None:
    for path in ("/?q=safe+sleep", "/coverage", "/resource/gm-safer-sleep-policy", "/topic/scheme"):
        web.page.goto(web.base + path)
        assert web.page.evaluate(CONTRAST) == [], path
