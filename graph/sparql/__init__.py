"""The SPARQL runtime: the read-only, deadline-bound query engine behind ``/sparql`` and
``cradle sparql`` (embedded worker processes or an external store), its guard and formats."""
