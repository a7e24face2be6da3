"""JSON Schemas shipped with gwc (read with importlib.resources)."""
