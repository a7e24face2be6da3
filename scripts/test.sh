#!/usr/bin/env bash
# Everything the tests need, then the whole suite:
#   - nginx with the njs, brotli and set-misc modules from Debian (installed with apt when missing),
#   - a virtual environment in .venv with gwc and the test packages,
#   - pytest over tests/ (extra arguments are passed to pytest).
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || packages+=(nginx)
[ -f /usr/lib/nginx/modules/ngx_http_js_module.so ] || packages+=(libnginx-mod-http-js)
[ -f /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so ] || packages+=(libnginx-mod-http-brotli-filter)
[ -f /usr/lib/nginx/modules/ngx_http_set_misc_module.so ] || packages+=(libnginx-mod-http-set-misc)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${packages[*]} with apt"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
  # The package starts a system nginx on port 80; the tests start their own on 127.0.0.1.
  if [ -f /run/nginx.pid ]; then $sudo /usr/sbin/nginx -s quit || true; fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
