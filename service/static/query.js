// The SPARQL editor: YASGUI (vendored), talking only to this server.
// - Work is kept in this browser (localStorage, persistenceId "cradle-query"): tabs, queries and
//   results survive a reload.
// - A share link (/query#query=...) opens the shared query in a tab of its own (populateFromUrl).
// - The analyst queries (queries/*.rq) are tabs: each is added once per browser, so a tab the
//   analyst closed stays closed, and a query added to queries/ later appears on the next visit.
// - Results show plain values (literals without quotes, language tags or datatypes; Cradle IRIs
//   as links to their pages on this server) unless "Simple view" is switched off.
// - Accessibility: YASGUI's markup is patched after each render (labels, tab roles, focusable
//   scroll areas); the colours are fixed in cradle.css.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  var data = JSON.parse(document.getElementById("cradle-queries").textContent);
  var endpoint = new URL(data.endpoint, window.location.href).href;
  var base = data.base; // Cradle's IRI base: its IRIs open the linked-data pages here
  var SEEDED = "cradle-query.seeded";
  var shared = /(^|[#?&])query=/.test(window.location.hash + window.location.search);

  // Only local autocompleters: "property" and "class" would query lov.linkeddata.es; the prefix
  // list is this server's own (prefixCcApi is its URL, same origin).
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];

  // Plain values by default: the table plugin's "Simple view" starts switched on.
  var Table = Yasgui.Yasr.plugins.table;
  Table.defaults.openIriInNewWindow = false;
  var draw = Table.prototype.draw;
  Table.prototype.draw = function (config) {
    if (this.persistentConfig.compact === undefined && (!config || config.compact === undefined)) {
      this.persistentConfig.compact = true;
    }
    return draw.call(this, config);
  };
  var link = Table.prototype.getUriLinkFromBinding;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    var html = link.call(this, binding, prefixes);
    // a Cradle IRI opens here; one whose path starts "//" would be another site: left alone
    if (base && binding.value.indexOf(base) === 0 && binding.value.charAt(base.length) !== "/") {
      // YASR's markup is sanitised (attributes re-quoted), so change the link through the DOM
      var box = document.createElement("div");
      box.innerHTML = html;
      box.querySelectorAll("a.iri").forEach(function (a) {
        a.setAttribute("href", "/" + binding.value.slice(base.length));
        a.setAttribute("target", "_self");
        a.removeAttribute("ref");
      });
      html = box.innerHTML;
    }
    return html;
  };

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    copyEndpointOnNewTab: true,
    persistenceId: "cradle-query",
    populateFromUrl: true,
    autoAddOnInit: false,
    yasqe: { prefixCcApi: data.prefixes_url },
    yasr: { prefixes: data.prefixes },
    tabName: "Query"
  });

  var seeded = [];
  try { seeded = JSON.parse(window.localStorage.getItem(SEEDED) || "[]"); } catch (e) { seeded = []; }
  var first = seeded.length === 0 && !shared;
  data.queries.forEach(function (q) {
    if (seeded.indexOf(q.name) >= 0) { return; }
    yasgui.addTab(first, {
      name: q.title,
      yasqe: { value: q.text },
      requestConfig: { endpoint: endpoint, method: "POST" }
    });
    first = false;
    seeded.push(q.name);
  });
  try { window.localStorage.setItem(SEEDED, JSON.stringify(seeded)); } catch (e) { /* private mode */ }
  if (!yasgui.getTab()) { yasgui.addTab(true); }

  // YASGUI saves a tab's query when the editor loses focus; save while typing too, and when
  // the page goes away, so a reload never loses an edit.
  function keep() {
    var tab = yasgui.getTab();
    if (tab && typeof tab.handleYasqeBlur === "function" && tab.getYasqe()) { tab.handleYasqeBlur(tab.getYasqe()); }
  }
  var timer = null;
  root.addEventListener("keyup", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(keep, 400);
  });
  window.addEventListener("pagehide", keep);

  var reset = document.getElementById("editor-reset");
  if (reset) {
    reset.hidden = false;
    reset.addEventListener("click", function () {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf("cradle-query") >= 0 || key.indexOf("yagui") >= 0 || key.indexOf("yasqe") >= 0 || key.indexOf("yasr") >= 0) {
          window.localStorage.removeItem(key);
        }
      });
      window.location.replace(window.location.pathname);
    });
  }
  var addTab = document.getElementById("editor-new-tab");
  if (addTab) {
    addTab.hidden = false;
    addTab.addEventListener("click", function () { yasgui.addTab(true); });
  }

  // Accessibility patches, re-applied whenever YASGUI redraws part of itself.
  function label(el, text) {
    if (el && !el.getAttribute("aria-label")) { el.setAttribute("aria-label", text); }
  }
  function patch() {
    root.querySelectorAll(".tabsList a[role=tab]").forEach(function (tab) {
      var id = tab.getAttribute("aria-controls");
      if (id && !document.getElementById(id)) { tab.removeAttribute("aria-controls"); }
      var rename = tab.querySelector("input");
      if (rename) { label(rename, "Tab name"); }
    });
    root.querySelectorAll("input.autocomplete").forEach(function (el) { label(el, "SPARQL endpoint"); });
    root.querySelectorAll(".CodeMirror textarea").forEach(function (el) { label(el, "SPARQL query"); });
    root.querySelectorAll(".CodeMirror-scroll").forEach(function (el) {
      el.setAttribute("tabindex", "0");
      label(el, "SPARQL query text (scrolls)");
    });
    root.querySelectorAll("select.tableSizer").forEach(function (el) { label(el, "Rows per page"); });
    root.querySelectorAll(".tableFilter").forEach(function (el) { label(el, "Filter query results"); });
    root.querySelectorAll(".requestConfigWrapper select").forEach(function (el) {
      var text = el.parentNode.querySelector("label");
      label(el, text ? "Accept header for " + text.textContent : "Accept header");
    });
    root.querySelectorAll(".yasr_results, .yasr .CodeMirror-scroll, .dt-layout-table").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight) {
        el.setAttribute("tabindex", "0");
        label(el, "Query results (scrolls)");
      }
    });
    root.querySelectorAll(".yasr_external_ref_btn").forEach(function (el) { el.remove(); });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; patch(); });
  }).observe(root, { childList: true, subtree: true });
  patch();
  window.cradleYasgui = yasgui;
})();
