"""Vigie: supervision and digital-sobriety daemon for local-government IT departments."""

__version__ = "0.1.0"
