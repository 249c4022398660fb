"""Reliability and privacy: backup, check, pseudonymisation."""
