"""The nginx configuration of the cache of verified credentials (targets/nginx/auth_cache.py); its behaviour
with real tokens is in tests/e2e/test_nginx_auth_cache.py."""

from __future__ import annotations

from pathlib import Path

import yaml
from gwc.targets.nginx.auth_cache import combo_digest

from gwc.output import write_tree
from gwc.pipeline import compile_gateway, load_gateway
from gwc.registry import load_target
from tests.e2e.harness import nginx_config_test, require_tool
from tests.security.nginx_syntax import Node, parse

JWT = {"issuer": "https://id.example/", "audiences": ["a"], "algorithms": ["HS256"], "secret": {"env": "S"}}


def _compile(tmp: Path, nginx: dict | None = None, auth: dict | None = None) -> str:
    auth = auth if auth is not None else {"j": {"jwt": JWT}, "k": {"api_key": {"keys": {"env": "K"}}}}
    routes = [{"prefix": "/j/", "service": "app", "auth": "j"}, {"prefix": "/jk/", "service": "app", "auth": ["j", "k"]}]
    spec = {"gwc": 1, "name": "cache", "services": {"app": {"url": "http://127.0.0.1:9001"}}, "auth": auth,
            "routes": routes if auth else [{"prefix": "/", "service": "app"}], "targets": {"nginx": nginx or {}}}
    (tmp / "spec.yaml").write_text(yaml.safe_dump(spec))
    loaded = load_gateway(str(tmp / "spec.yaml"))
    assert loaded.gateway is not None, [d.format() for d in loaded.diagnostics]
    files, diags = compile_gateway(loaded.gateway, loaded.doc, load_target("nginx")[0])
    assert files, [d.format() for d in diags]
    require_tool("nginx")
    assert write_tree(tmp / "out", files) is None
    proc = nginx_config_test(tmp / "out")
    assert proc.returncode == 0, proc.stderr
    return files["nginx.conf"]


def _servers(conf: str) -> list[Node]:
    return [n for n in next(n for n in parse(conf) if n.name == "http").children if n.name == "server"]


def _directives(block: Node) -> dict[str, list[str]]:
    return {d.name: d.args for d in block.children if d.children is None}


def test_routes_call_a_cached_proxy_to_the_check_server(tmp_path: Path) -> None:
    main, check = _servers(_compile(tmp_path))
    fronts = {n.args[1]: _directives(n) for n in main.children if n.name == "location" and n.args[0] == "="
              and n.args[1].startswith("/_gwc/")}
    assert set(fronts) == {"/_gwc/auth/j", "/_gwc/auth/j+k"}
    for uri, d in fronts.items():
        assert d["proxy_pass"] == [f"http://gwc_auth_check{uri}$gwc_auth_query"]
        assert d["proxy_cache"] == ["gwc_auth"]
        assert "proxy_cache_valid" not in d  # only X-Accel-Expires (sent with a 204) stores an answer
        assert "X-Accel-Expires" not in d["proxy_ignore_headers"] and "internal" in d
    # j reads the Authorization header alone: nginx keys it with an HMAC (set-misc); j+k also reads X-API-Key: njs
    j, jk = fronts["/_gwc/auth/j"], fronts["/_gwc/auth/j+k"]
    digest = j["set_hmac_sha256"][1]
    assert j["set_hmac_sha256"] == ["$gwc_auth_hmac", digest, "$http_authorization"] and len(digest) == 32
    assert j["set_encode_hex"] == ["$gwc_auth_hmac"]
    assert j["proxy_cache_key"] == [f"gwc-auth:{digest}:$pid:$gwc_auth_hmac"]
    assert "set_hmac_sha256" not in jk and jk["proxy_cache_key"][0].endswith(":$gwc_auth_key")
    assert fronts["/_gwc/auth/j"]["proxy_cache_key"] != fronts["/_gwc/auth/j+k"]["proxy_cache_key"]
    assert _directives(check)["listen"] == ["127.0.0.2:8080"] and _directives(check)["access_log"] == ["off"]
    checks = {tuple(n.args): _directives(n) for n in check.children if n.name == "location"}
    assert checks == {("=", "/_gwc/auth/j"): {"set": ["$gwc_auth_methods", "j"], "js_content": ["gwc.authorize"]},
                      ("=", "/_gwc/auth/j+k"): {"set": ["$gwc_auth_methods", "j k"], "js_content": ["gwc.authorize"]},
                      ("/",): {"return": ["404"]}}


def test_the_check_listens_on_the_gateways_port_at_another_loopback_address(tmp_path: Path) -> None:
    conf = _compile(tmp_path, {"listen": 9123, "listen_address": "127.0.0.2"})
    assert _directives(_servers(conf)[1])["listen"] == ["127.0.0.3:9123"]
    assert "server 127.0.0.3:9123;" in conf


def test_no_auth_no_cache(tmp_path: Path) -> None:
    conf = _compile(tmp_path, auth={})
    assert len(_servers(conf)) == 1 and "gwc_auth" not in conf and "js_set" not in conf


def test_the_key_digest_follows_the_configuration_and_the_module() -> None:
    methods = {"j": {"type": "jwt", "audiences": ["a"]}, "k": {"type": "api_key"}}
    base = combo_digest(methods, ("j",), "module")
    assert base == combo_digest(dict(methods), ("j",), "module") and len(base) == 32
    assert base != combo_digest({**methods, "j": {"type": "jwt", "audiences": ["b"]}}, ("j",), "module")
    assert base != combo_digest(methods, ("j",), "module v2")
    assert len({base, combo_digest(methods, ("k",), "module"), combo_digest(methods, ("j", "k"), "module"),
                combo_digest(methods, ("k", "j"), "module")}) == 4


def _modules(conf: str) -> list[str]:
    return [n.args[0].rsplit("/", 1)[1] for n in parse(conf) if n.name == "load_module"]


def test_set_misc_is_loaded_only_when_a_key_needs_it(tmp_path: Path) -> None:
    for name in "abc":
        (tmp_path / name).mkdir()
    native = _compile(tmp_path / "a")
    assert _modules(native) == ["ngx_http_js_module.so", "ndk_http_module.so", "ngx_http_set_misc_module.so"]
    assert "js_set $gwc_auth_key" in native  # j+k still needs the njs key
    # with only the Authorization header read, njs makes no key at all
    jwt_only = _compile(tmp_path / "b", auth={"j": {"jwt": JWT}, "k": {"jwt": {**JWT, "audiences": ["b"]}}})
    assert "js_set" not in jwt_only and jwt_only.count("set_hmac_sha256") == 2
    # auth_cache_key: njs, for an nginx without set-misc: every key from njs, no set-misc module
    njs = _compile(tmp_path / "c", {"auth_cache_key": "njs"})
    assert _modules(njs) == ["ngx_http_js_module.so"] and "set_hmac" not in njs and "$pid" not in njs


def test_a_token_in_a_query_or_another_header_keeps_the_njs_key(tmp_path: Path) -> None:
    for i, jwt in enumerate([{**JWT, "query": "access_token"}, {**JWT, "header": "X-Token"}]):
        (tmp_path / str(i)).mkdir()
        conf = _compile(tmp_path / str(i), auth={"j": {"jwt": jwt}, "k": {"api_key": {"keys": {"env": "K"}}}})
        assert "set_hmac_sha256" not in conf and "ngx_http_set_misc_module" not in conf
