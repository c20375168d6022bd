"""The incremental engine: inputs with revisions, queries that record what they read, early cutoff."""

from generator.engine.core import Engine, Query, query, same

__all__ = ["Engine", "Query", "query", "same"]
