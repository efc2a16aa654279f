// The SPARQL editor: YASGUI (vendored), one tab per analyst query, talking only to this server.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  var data = JSON.parse(document.getElementById("cradle-queries").textContent);
  var endpoint = new URL(data.endpoint, window.location.href).href;
  // Only local autocompleters: "property" and "class" would query lov.linkeddata.es.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: data.queries.length === 0,
    yasqe: { prefixCcApi: null },
    tabName: "Query"
  });
  data.queries.forEach(function (q, i) {
    yasgui.addTab(i === 0, {
      name: q.title,
      yasqe: { value: q.text },
      requestConfig: { endpoint: endpoint, method: "POST" }
    });
  });
  window.cradleYasgui = yasgui;
})();
