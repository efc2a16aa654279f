"""The service stage: the FastAPI app that ``cradle serve`` runs (:mod:`.commands`).

- wiring: :mod:`.app`, :mod:`.runtime` (what the lifespan loads), :mod:`.deps`, :mod:`.errors`
  (the one table of domain errors -> HTTP), :mod:`.swap` (a new version without a restart),
  :mod:`.headers`, :mod:`.readonly`, :mod:`.timeouts`, :mod:`.prefork`, :mod:`.publicurl`;
- search: :mod:`.search` (``/search``), :mod:`.suggest`, :mod:`.querytext`, :mod:`.misses`;
- the graph: :mod:`.sparql` with :mod:`.sparql_input`, :mod:`.sparql_html`,
  :mod:`.sparql_docs`; :mod:`.pages` (linked data) over :mod:`.graphdata`; :mod:`.coverage`;
- people's pages: :mod:`.ui` (search page, SPARQL editor, coverage heatmap), :mod:`.review`
  (``/review``, ``/changes``), :mod:`.health`, :mod:`.apidocs` (``/docs``).
"""
