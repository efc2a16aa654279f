"""The graph stage: the catalogue becomes a checked RDF graph in a read-only store.

Its jobs are subpackages, in the order they may import each other (tests/test_architecture.py):

- :mod:`.sparql`: the SPARQL runtime (deadline-bound engine, guard, formats, external store);
- :mod:`.build`: the catalogue and its checks, RDF, SHACL, the store, need, what changed;
- :mod:`.read`: the read model of a built graph, bulk reads, coverage, gaps by need, ORUK;
- :mod:`.curation`: staff tools (review, link checks, editing one field of the YAML);
- :mod:`.sources`: where catalogues come from (the source document, merges, synthetic ones);
- :mod:`.commands`: what the graph's CLI commands do.
"""
