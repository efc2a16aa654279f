"""Package data: the analysts' SPARQL queries, installed as ``cradle.queries``."""
