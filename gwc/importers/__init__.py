"""Importers: turn other API descriptions into gwc specs (see docs/import.md)."""
