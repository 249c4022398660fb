"""Constant comparison and reports: segments, compare, co-occurrence, matrices,
saturation, the code tree with counts.  Read-only; every result is JSON-able."""
