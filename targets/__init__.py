"""Built-in gwc targets. Each sub-package exposes a TARGET registered under the gwc.targets entry-point group."""
