"""gwc's benchmark suite: `python -m bench [--quick]` (see docs/performance.md). Not part of the test suite."""
