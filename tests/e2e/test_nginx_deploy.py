"""End-to-end: `gwc deploy --target nginx` and `gwc rollback` with the real gwc command and the real nginx.

Each test deploys into its own folder; gwc starts nginx as a daemon (workers run as nobody when the tests
run as root) listening on 127.0.0.1 and an ephemeral port, and the `deploy_dir` fixture stops it (the whole
process group) and removes the folder in its teardown. Specs differ by the JSON a mock route answers, so a
request shows which release nginx serves.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from tests.e2e.harness import free_port, http, require_nginx

REPO = Path(__file__).resolve().parents[2]
RELEASE = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{12}$")


def write_spec(folder: Path, port: int, version: int, upstream: str | None = None, **services) -> Path:
    """A spec whose GET /v answers {"version": version}; /echo/ goes to `upstream` when given."""
    services = {"ver": {"mock": {"json": {"version": version}}}, **services}
    routes = [{"path": "/v", "service": "ver"}]
    if upstream:
        services["echo"] = {"url": upstream}
        routes.append({"prefix": "/echo/", "service": "echo"})
    routes += [{"path": f"/{name}", "service": name} for name in services if name not in ("ver", "echo")]
    spec = {"gwc": 1, "name": "deployed", "services": services, "routes": routes,
            "targets": {"nginx": {"listen": port, "listen_address": "127.0.0.1", "worker_processes": 2}}}
    path = folder / f"spec-{version}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def gwc(*args) -> subprocess.CompletedProcess:
    """Run the real gwc command line; never raises for its exit code."""
    return subprocess.run([sys.executable, "-m", "gwc", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)


def deploy(spec: Path, conf_dir: Path, *more) -> subprocess.CompletedProcess:
    """gwc deploy SPEC --target nginx --conf-dir DIR [more]."""
    return gwc("deploy", spec, "--target", "nginx", "--conf-dir", conf_dir, *more)


def rollback(conf_dir: Path, *more) -> subprocess.CompletedProcess:
    """gwc rollback --target nginx --conf-dir DIR [more]."""
    return gwc("rollback", "--target", "nginx", "--conf-dir", conf_dir, *more)


def ok(result: subprocess.CompletedProcess) -> str:
    """The output of a command that must have succeeded."""
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess, *phrases: str) -> str:
    """The stderr of a command that must have failed with exit 1, a message and no traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("gwc: "), result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, (phrase, result.stderr)
    return result.stderr


def version(port: int) -> int:
    """The version the gateway on `port` answers with now."""
    response = http("GET", f"http://127.0.0.1:{port}/v")
    assert response.status == 200, (response.status, response.body)
    return response.json()["version"]


def releases(conf_dir: Path) -> list[str]:
    """The names in DIR/releases, sorted."""
    return sorted(os.listdir(conf_dir / "releases"))


def current(conf_dir: Path) -> str:
    """The release DIR/current points to."""
    return os.readlink(conf_dir / "current").removeprefix("releases/")


def master_pid(conf_dir: Path) -> int | None:
    """The pid of the running nginx master of DIR, or None."""
    try:
        pid = int((conf_dir / "nginx.pid").read_text())
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError):
        return None
    return None if state in ("Z", "X") else pid


def stop_nginx(conf_dir: Path) -> None:
    """SIGQUIT to the daemon's process group (master and workers), SIGKILL after 10 s."""
    pid = master_pid(conf_dir)
    if pid is None or "nginx: master process" not in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
        return
    for sig, wait in ((signal.SIGQUIT, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)  # the daemon called setsid(): its process group is its pid
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and master_pid(conf_dir) == pid:
            time.sleep(0.05)
        if master_pid(conf_dir) != pid:
            return


@contextlib.contextmanager
def deployment_folder():
    """DIR for --conf-dir, in a fresh 0755 folder under /tmp (not pytest's tmp_path: a concurrent pytest run
    resets its root to 0700, which nobody's workers could not traverse); nginx stopped and DIR removed after."""
    require_nginx()
    scratch = Path(tempfile.mkdtemp(prefix="gwc-deploy-e2e-"))
    scratch.chmod(0o755)
    folder = scratch / "gateway"
    try:
        yield folder
    finally:
        stop_nginx(folder)
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
def deploy_dir():
    """A deployment_folder() for one test."""
    with deployment_folder() as folder:
        yield folder


def test_first_deploy_starts_nginx_and_a_second_is_a_no_op(tmp_path: Path, deploy_dir: Path) -> None:
    port = free_port()
    spec = write_spec(tmp_path, port, 1)
    plan = ok(deploy(spec, deploy_dir, "--dry-run"))
    assert "+ create release" in plan and "start: nginx" in plan and not deploy_dir.exists()
    out = ok(deploy(spec, deploy_dir))
    assert "start nginx: started" in out and version(port) == 1
    [name] = releases(deploy_dir)
    assert RELEASE.match(name) and current(deploy_dir) == name
    pid = master_pid(deploy_dir)
    title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    assert f"-p {deploy_dir}/ -c {deploy_dir}/current/nginx.conf" in title
    again = ok(deploy(spec, deploy_dir))
    assert "no changes" in again and "reload" not in again
    assert releases(deploy_dir) == [name] and master_pid(deploy_dir) == pid and version(port) == 1


def test_a_changed_spec_is_tested_switched_and_reloaded(tmp_path: Path, deploy_dir: Path) -> None:
    port = free_port()
    ok(deploy(write_spec(tmp_path, port, 1), deploy_dir))
    pid = master_pid(deploy_dir)
    out = ok(deploy(write_spec(tmp_path, port, 2), deploy_dir))
    assert "test it with nginx -t: nginx -t passed" in out and "old ones stopped taking requests" in out
    assert version(port) == 2 and master_pid(deploy_dir) == pid  # reloaded, not restarted
    assert len(releases(deploy_dir)) == 2 and current(deploy_dir) == releases(deploy_dir)[-1]
    assert (deploy_dir / "loaded").read_text().strip() == current(deploy_dir)


def test_a_config_nginx_t_refuses_leaves_the_old_one_serving(tmp_path: Path, deploy_dir: Path) -> None:
    port = free_port()
    ok(deploy(write_spec(tmp_path, port, 1), deploy_dir))
    before = current(deploy_dir)
    bad = write_spec(tmp_path, port, 2, nowhere={"url": "http://gwc-e2e-no-such-host.invalid:8080"})
    err = refused(deploy(bad, deploy_dir), "at step 'test it with nginx -t'",
                  'host not found in upstream "gwc-e2e-no-such-host.invalid:8080"', ".failed/nginx.conf:")
    assert "nothing was switched" in err
    assert current(deploy_dir) == before and version(port) == 1
    assert [n for n in releases(deploy_dir) if n.endswith(".failed")]


def test_a_reload_nginx_refuses_at_run_time_is_reported_and_undone(tmp_path: Path, deploy_dir: Path) -> None:
    port = free_port()
    ok(deploy(write_spec(tmp_path, port, 1), deploy_dir))
    before, pid = current(deploy_dir), master_pid(deploy_dir)
    with socket.socket() as busy:  # nginx -t ignores "address in use"; the reload cannot bind
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        err = refused(deploy(write_spec(tmp_path, busy.getsockname()[1], 2), deploy_dir),
                      "at step 'reload nginx", "Address already in use", "keeps serving the old configuration")
    assert f"current points to releases/{before} again" in err
    assert current(deploy_dir) == before and master_pid(deploy_dir) == pid and version(port) == 1
    assert "reload" in ok(deploy(write_spec(tmp_path, port, 3), deploy_dir)) and version(port) == 3


def test_rollback_goes_back_one_release_at_a_time(tmp_path: Path, deploy_dir: Path) -> None:
    port = free_port()
    for v in (1, 2, 3):
        ok(deploy(write_spec(tmp_path, port, v), deploy_dir))
    three = current(deploy_dir)
    plan = ok(rollback(deploy_dir, "--dry-run"))
    assert "set aside" in plan and current(deploy_dir) == three and version(port) == 3
    assert "rolled back" in ok(rollback(deploy_dir)) and version(port) == 2
    assert f"{three}.rolled-back" in releases(deploy_dir)
    ok(rollback(deploy_dir))
    assert version(port) == 1
    refused(rollback(deploy_dir), "rollback failed", "no release older than")
    assert version(port) == 1
    ok(deploy(write_spec(tmp_path, port, 4), deploy_dir))
    ok(rollback(deploy_dir))
    assert version(port) == 1  # the newest release that was not rolled back


def test_keep_limits_the_releases(tmp_path: Path, deploy_dir: Path) -> None:
    port = free_port()
    for v in (1, 2, 3, 4):
        ok(deploy(write_spec(tmp_path, port, v), deploy_dir, "--keep", "2"))
    kept = releases(deploy_dir)
    assert len(kept) == 2 and current(deploy_dir) == kept[-1] and version(port) == 4
    ok(rollback(deploy_dir))
    assert version(port) == 3
    refused(rollback(deploy_dir), "no release older than")
    ok(deploy(write_spec(tmp_path, port, 5), deploy_dir, "--keep", "1"))
    assert [n for n in releases(deploy_dir) if RELEASE.match(n)] == [current(deploy_dir)]


def test_no_start_and_a_stopped_nginx(tmp_path: Path, deploy_dir: Path) -> None:
    port = free_port()
    spec = write_spec(tmp_path, port, 1)
    out = ok(deploy(spec, deploy_dir, "--no-start"))
    assert "--no-start" in out and master_pid(deploy_dir) is None
    assert "start nginx: started" in ok(deploy(spec, deploy_dir)) and version(port) == 1
    stop_nginx(deploy_dir)
    (deploy_dir / "nginx.pid").write_text("999999\n")  # stale
    assert "start nginx: started" in ok(deploy(spec, deploy_dir)) and version(port) == 1


def test_an_nginx_running_another_conf_is_refused(tmp_path: Path, deploy_dir: Path) -> None:
    port = free_port()
    ok(deploy(write_spec(tmp_path, port, 1), deploy_dir, "--no-start"))
    pinned = deploy_dir / "releases" / current(deploy_dir) / "nginx.conf"
    with (tmp_path / "pinned.log").open("wb") as log:  # the daemon keeps its stderr: a file, not a pipe
        subprocess.run([require_nginx(), "-p", f"{deploy_dir}/", "-c", str(pinned)], check=True, timeout=30,
                       stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    refused(deploy(write_spec(tmp_path, port, 2), deploy_dir), f"runs with -c {pinned}",
            f"not {deploy_dir}/current/nginx.conf")
    assert version(port) == 1


def test_usage_and_setup_errors_are_messages(tmp_path: Path, deploy_dir: Path) -> None:
    spec = write_spec(tmp_path, free_port(), 1)
    refused(gwc("deploy", spec, "--target", "nginx"), "needs --conf-dir")
    refused(deploy(spec, deploy_dir, "--nginx-bin", tmp_path / "no-nginx"), "no executable", "--nginx-bin")
    assert deploy(spec, deploy_dir, "--keep", "0").returncode == 2
    refused(rollback(deploy_dir), "nothing is deployed")
    deploy_dir.mkdir()
    lock = os.open(deploy_dir / ".gwc-deploy.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a deploy in progress holds it
        refused(deploy(spec, deploy_dir), "another gwc deploy or rollback is running")
    finally:
        os.close(lock)
    assert not (deploy_dir / "current").exists()
    (deploy_dir / "current").symlink_to("/etc")
    refused(deploy(spec, deploy_dir), "not to a release")
