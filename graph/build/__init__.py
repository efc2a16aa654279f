"""Build the graph: catalogue -> checked -> RDF -> SHACL-valid -> store.

- :mod:`.catalogue`: the curated catalogue's model, loading, checks and writer;
- :mod:`.ontology`: the ontology files (vocabulary, thesaurus, localities, shapes);
- :mod:`.cleantext`: the clean-text rules for everything that goes into the graph;
- :mod:`.rdf`, :mod:`.turtle`, :mod:`.chunks`: the catalogue as RDF, written fast, in chunks;
- :mod:`.validate`: SHACL, with violations phrased for maintainers;
- :mod:`.store`: the embedded Oxigraph store;
- :mod:`.pipeline`: the steps in order (:func:`~.pipeline.build_graph`);
- :mod:`.need`: need per local authority from open data, added to the graph;
- :mod:`.changes`, :mod:`.valuediff`: what changed since the previous build, old -> new;
- :mod:`.datafiles`: files beside the catalogue (link-check results).
"""
