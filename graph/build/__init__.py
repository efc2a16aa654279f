"""Build the graph: catalogue -> checked -> RDF -> SHACL-valid -> store."""
