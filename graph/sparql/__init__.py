"""The SPARQL runtime: the read-only, deadline-bound query engine behind ``/sparql`` and
``cradle sparql``: :mod:`.engine` (the interface), :mod:`.embedded` and :mod:`.worker`
(pyoxigraph in killable worker processes), :mod:`.remote` (an external store), :mod:`.guard`
and :mod:`.scan` (read-only and no-outbound checks), :mod:`.formats` (result formats) and
:mod:`.run` (running a query on a store and rendering it)."""
