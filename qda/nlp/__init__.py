"""Offline spaCy pipelines: sentence splitting and lemmas.  Never downloads anything."""

from qda.nlp.pipeline import get_pipeline, split_sentences

__all__ = ["get_pipeline", "split_sentences"]
