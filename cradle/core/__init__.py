"""The foundation every stage stands on: settings, domain errors, namespaces and the data dir."""

__version__ = "0.1.0"
