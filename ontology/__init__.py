"""Package data: the ontology (Turtle), installed as ``cradle.ontology``."""
