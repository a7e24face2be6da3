"""The nginx target: nginx OSS 1.22+ with Debian's njs and brotli modules.

Output is one self-contained directory: nginx.conf, the njs auth module and its configuration, and the
tmp/ and logs/ folders, so `nginx -p DIR/ -c DIR/nginx.conf` runs it as it is.
"""

from __future__ import annotations

from gwc.diagnostics import has_errors
from gwc.model import Gateway
from gwc.target import EmitOptions, EmitResult

from .auth import AUTH_JS, auth_js, auth_problems, config_module, per_key_problems
from .conf import render_config
from .context import Context
from .fidelity import FIDELITY
from .http import nginx_conf

AUTH_CONFIG_JS = "gwc_auth_config.js"


class NginxTarget:
    """Compiles the model to an nginx configuration directory."""

    name = "nginx"
    title = "nginx OSS (njs + brotli modules)"
    fidelity = FIDELITY

    def emit(self, gateway: Gateway, options: EmitOptions) -> EmitResult:
        """nginx.conf and friends for the gateway; nothing is written to disk here."""
        result = EmitResult()
        ctx = Context(gateway, options, result)
        used_auth = {n for r in gateway.routes for n in r.auth}
        result.diagnostics += auth_problems(gateway, used_auth) + per_key_problems(gateway)
        if has_errors(result.diagnostics):
            return result
        main, http = nginx_conf(ctx)
        result.files["nginx.conf"] = render_config(main, http)
        if ctx.auth_combos:
            result.files[AUTH_JS] = auth_js()
            result.files[AUTH_CONFIG_JS] = config_module(gateway, {n for c in ctx.auth_combos for n in c})
        result.files["tmp/README"] = "nginx keeps temporary files and the response cache here.\n"
        result.files["logs/README"] = "The access log is written here unless the spec names another path.\n"
        return result


TARGET = NginxTarget()
