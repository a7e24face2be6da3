"""gwc: a gateway config compiler.

One vendor-neutral YAML spec is loaded, checked, turned into a typed model and emitted by target
back-ends (nginx, AWS, Google, Azure, Istio, Gateway API).
"""

__version__ = "0.1.0"
