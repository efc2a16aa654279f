"""The web UI in a real browser: Playwright driving Debian's chromium against ``cradle serve``.

Every request to another origin is blocked and recorded, and the tests fail if there is one (the
UI must work offline); so do console errors (a Content-Security-Policy violation is one).
Screenshots go to ``test-artifacts/``.

Every HTML page in :data:`PAGES` must not scroll sideways at 320 and 390 px, and must have no
axe-core violation (WCAG 2.0, 2.1 and 2.2, A and AA) at 1280 and 390 px. axe-core comes from npm
(``tests/package.json``; ``make test`` runs ``npm ci --prefix tests``) and is injected with
Playwright, so those contexts bypass the page's CSP (the pages themselves never load it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support import ROOT
from tests.support.service import built_dir, running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Every kind of HTML page the service has: add a page here and it is checked for sideways
#: scrolling at phone widths and by axe-core at both widths.
PAGES = [
    "/",
    "/?q=safe+sleeping",
    "/?q=xqzv+blorp",
    "/?q=crying&locality=bolton",
    "/?q=car+seat+safety",
    "/?q=colic+on+a+long+flight+abroad",
    "/?q=&locality=oldham&topic=safer-sleep",
    "/resource/gm-safer-sleep-policy",
    "/resource/manchester-vulnerable-babies-service?back=%2F%3Fq%3Ddad%26locality%3Dmanchester",
    "/resource/stockport-caring-dads",
    "/org/manchester-safeguarding-children-team",
    "/topic/safer-sleep",
    "/topic/scheme",
    "/locality/wigan",
    "/locality/scheme",
    "/format/scheme",
    "/coverage",
    "/coverage?include_shared=true",
    "/query",
    "/docs",
    "/sparql",
    "/sparql?query=SELECT+%3Fr+%3Ftitle+WHERE+%7B+%3Fr+dct%3Atitle+%3Ftitle+%7D",
    "/accessibility",
    "/no-such-page",
]


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

    def __init__(self, browser: Any, base: str, width: int = 1280, axe: bool = False) -> None:
        self.base = base
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=axe)
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

    def open(self, path: str) -> int:
        """Go to ``path``; its HTTP status (a 404 page is still a page to check)."""
        response = self.page.goto(self.base + path)
        status = response.status if response else 0
        if status >= 400:  # an error page on purpose: its status is not a console error
            self.errors = [e for e in self.errors if f"status of {status}" not in e]
        if path.startswith("/query"):
            self.page.locator(".yasgui .tabsList .tab").first.wait_for()
        return status

    def wide(self) -> list[str]:
        """What sticks out sideways (empty when the page fits the viewport)."""
        return self.page.evaluate(WIDE)  # type: ignore[no-any-return]

    def axe(self) -> list[str]:
        """axe-core's violations on the page as it is now: ``rule: element`` lines."""
        if not AXE.exists():
            pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests` (make test does)")
        self.page.add_script_tag(path=str(AXE))
        found = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        return [f"{v['id']}: {n['target']}" for v in found["violations"] for n in v["nodes"]]

    def check(self) -> None:
        assert self.outside == [], f"requests to other origins: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"
        self.context.close()


WIDE = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .filter(e => !e.closest('.table-scroll, .yasr_results'))
    .slice(0, 5)
    .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
    .concat([`page is ${document.documentElement.scrollWidth} px wide`]);
}"""


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
    assert "Why this result" in hits.first.inner_text()
    assert page.locator("aside.facets").get_by_text("Bolton").count() > 0
    web.shot("search")

    page.locator("details.filters-box > summary").click()
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


def test_search_box_is_a_combobox_of_suggestions(web: Watched) -> None:
    page = web.page
    page.goto(web.base + "/")
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    listbox = page.locator("#" + str(box.get_attribute("aria-controls")))
    assert listbox.get_attribute("role") == "listbox"
    box.click()
    page.keyboard.type("safe", delay=30)
    options = listbox.get_by_role("option")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert "Safer sleep" in options.first.inner_text()
    page.keyboard.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    assert box.get_attribute("aria-activedescendant") == first_id
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and listbox.is_hidden()
    web.shot("suggestions-closed")
    page.keyboard.press("ArrowDown")
    options.first.wait_for()
    page.keyboard.press("ArrowDown")
    # an option is active before Enter (the list may still be refreshing on a loaded machine)
    page.wait_for_function("() => !!document.activeElement.getAttribute('aria-activedescendant')")
    page.keyboard.press("Enter")  # the topic's label is searched
    page.wait_for_url(re.compile(r"q=safer?\+sleep", re.I))
    page.locator("li.hit").first.wait_for()


def test_suggestions_never_cover_the_search_button_on_a_phone(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base_url + "/")
    page.locator("#q").click()
    page.keyboard.type("wigan co", delay=30)
    options = page.get_by_role("option")
    options.first.wait_for()
    assert "Wigan co-sleeping" in options.first.inner_text()
    listbox = page.get_by_role("listbox").bounding_box()
    button = page.get_by_role("button", name="Search", exact=True).bounding_box()
    assert listbox and button
    below = button["y"] >= listbox["y"] + listbox["height"]
    beside = button["x"] >= listbox["x"] + listbox["width"]
    assert below or beside  # the list never lies over the button
    context.close()


def test_search_works_without_javascript(browser: Any, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base_url + "/")
    assert page.locator("#q").get_attribute("role") is None
    page.get_by_label("Search for").fill("crying baby")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"q=crying"))
    first = page.locator("li.hit").first
    first.wait_for()
    # on a phone the first screen shows a result, not the filter form
    assert first.bounding_box()["y"] < 844
    assert page.locator("details.filters-box").get_attribute("open") is None
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-phone-no-js.png"))
    context.close()


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
    assert table.locator("thead th").count() > 11  # authority, need (2), every topic
    assert table.locator("tbody tr").count() == 10  # Greater Manchester's boroughs
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
    assert box.evaluate("b => b.scrollHeight <= b.clientHeight")  # one direction: sideways
    place = w.page.locator("tbody th[scope=row]").first
    before = place.bounding_box()
    box.evaluate("b => { b.scrollLeft = 400; }")
    after = place.bounding_box()
    assert before and after and abs(after["x"] - before["x"]) < 1  # the authority column stays
    broken = w.page.evaluate(MID_WORD)
    assert not broken, broken  # no name or topic label broken inside a word
    assert w.page.get_by_text("own·adopted·shared").first.is_visible()  # the key, no hover
    w.shot("coverage-phone")
    w.check()


MID_WORD = """() => [...document.querySelectorAll('#heatmap th a')].filter(a => {
  const r = document.createRange(); r.selectNodeContents(a);
  const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
  return lines.size > a.textContent.trim().split(/[\\s-]+/).length;  // breaks at spaces, hyphens
}).map(a => a.textContent)"""


LABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML.slice(0, 80))"""


def test_pages_are_labelled_and_work_from_the_keyboard(web: Watched) -> None:
    page = web.page
    for path in (
        "/",
        "/coverage",
        "/resource/gm-safer-sleep-policy",
        "/topic/scheme",
        "/review",
        "/changes",
    ):
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


def test_api_reference_lists_the_operations_and_tries_one(web: Watched) -> None:
    page = web.page
    page.goto(web.base + "/docs")
    assert page.locator("h1").inner_text() == "API reference"
    search = page.locator("section.operation").filter(has=page.locator("h2", has_text="/search"))
    assert search.count() >= 1
    web.shot("api-docs")
    search.first.locator("summary").click()
    search.first.get_by_label("q (required)").fill("safe sleep")
    search.first.get_by_role("button", name=re.compile("Send")).click()
    page.wait_for_url(re.compile(r"/search\?q=safe\+sleep"))


@pytest.mark.parametrize("width", [320, 390])
def test_no_page_scrolls_sideways_on_a_phone(browser: Any, base_url: str, width: int) -> None:
    web = Watched(browser, base_url, width=width)
    wide = {}
    for path in PAGES:
        web.open(path)
        if found := web.wide():
            wide[path] = found
    web.shot(f"phone-{width}-query")
    assert wide == {}
    web.check()


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violation_on_any_page(browser: Any, base_url: str, width: int) -> None:
    web = Watched(browser, base_url, width=width, axe=True)
    violations = {}
    for path in PAGES:
        web.open(path)
        if found := web.axe():
            violations[path] = found
    web.open("/query")  # and the editor once it shows results
    web.page.locator(".yasqe_queryButton").first.click()
    web.page.locator(".yasr table.dataTable tbody tr").first.wait_for(timeout=20_000)
    if found := web.axe():
        violations["/query with results"] = found
    assert violations == {}
    web.check()


def test_the_sparql_page_runs_a_query_without_javascript(browser: Any, base_url: str) -> None:
    web = Watched(browser, base_url)
    web.context.close()
    web.context = browser.new_context(java_script_enabled=False)
    web.context.route("**/*", web._route)
    page = web.page = web.context.new_page()
    page.goto(web.base + "/sparql")
    assert page.locator("h1").inner_text() == "SPARQL endpoint"
    assert page.get_by_role("cell", name="dcat:", exact=True).count() == 1
    query = "SELECT ?r ?title WHERE { ?r dct:title ?title ; dct:spatial loc:bolton }"
    page.get_by_label("SPARQL query").fill(query)
    page.get_by_role("button", name="Run query").click()
    page.wait_for_url(re.compile(r"/sparql\?query="))
    table = page.locator("table.results")
    assert table.locator("tbody tr").count() > 0
    first = table.locator("tbody tr").first.locator("a").first
    assert first.get_attribute("href").startswith("/resource/")
    assert "@en" not in table.inner_text()
    web.shot("sparql-results")
    first.click()
    page.wait_for_url(re.compile(r"/resource/"))
    web.check()


def _editor_text(page: Any) -> str:
    return page.evaluate("window.cradleYasgui.getTab().getYasqe().getValue()")  # type: ignore[no-any-return]


def test_a_shared_editor_link_opens_the_shared_query(web: Watched) -> None:
    query = "SELECT ?topic WHERE { ?topic a skos:Concept } LIMIT 3"
    web.page.goto(web.base + "/query#query=" + quote(query, safe=""))
    web.page.locator(".yasgui .tabsList .tab").first.wait_for()
    assert _editor_text(web.page) == query
    # YASGUI runs a shared query on opening; a click while it runs would stop it (the query
    # button is also the stop button), so the test waits for the answer instead of clicking
    rows = web.page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert rows.count() == 3
    assert '"' not in rows.first.inner_text()  # plain values by default
    href = rows.first.locator("a.iri").first.get_attribute("href")
    assert href is not None and href.startswith("/") and "w3id.org" not in href, href  # here


def test_the_editor_keeps_work_across_a_reload(web: Watched) -> None:
    page = web.page
    page.goto(web.base + "/query")
    tabs = page.locator(".yasgui .tabsList .tab")
    tabs.first.wait_for()
    count = tabs.count()
    mine = "SELECT ?s WHERE { ?s a dcat:Resource } LIMIT 2"
    page.locator(".CodeMirror").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(mine[:-1])
    page.keyboard.type(mine[-1])
    page.reload()  # at once, the editor still focused
    tabs.first.wait_for()
    assert _editor_text(page) == mine
    assert tabs.count() == count  # the analyst queries are not added twice


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
    for path in (
        "/?q=safe+sleep",
        "/coverage",
        "/resource/gm-safer-sleep-policy",
        "/topic/scheme",
        "/review",
        "/changes",
    ):
        web.page.goto(web.base + path)
        assert web.page.evaluate(CONTRAST) == [], path
