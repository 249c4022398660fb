"""Transcripts: reading files, normalising text, speaker turns, import, listing, search."""
