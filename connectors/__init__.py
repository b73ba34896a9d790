"""Connectors: platform exports and APIs -> Connection records."""
