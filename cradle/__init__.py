"""Cradle: a knowledge graph and semantic search over good practice for safeguarding babies."""

__version__ = "0.1.0"
