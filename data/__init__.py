"""Package data: the curated catalogue, installed as ``cradle.data``."""
