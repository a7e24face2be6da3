"""Deploy a compiled nginx folder next to the running one, test it, switch atomically and reload.

`gwc deploy SPEC --target nginx --conf-dir DIR`: write DIR/releases/<time>-<hash>/, run `nginx -t` on it
with the prefix it will run with (-p DIR/ -c DIR/releases/X/nginx.conf), point DIR/current to it (rename of
a temporary symlink), then reload the running nginx (SIGHUP, verified) or start it when none runs. When the
test fails nothing else changes; when the reload fails, current points back to the release nginx still
serves. Old releases beyond --keep are removed last. `gwc rollback` goes back to the release before current.
The folder layout is in deploy_releases.py, the processes in deploy_process.py and deploy_reload.py.
"""

from __future__ import annotations

from gwc.deploy import Change, DeployError, DeployOptions, Plan, Step

from . import deploy_releases as rel
from .deploy_process import find_binary, running_master, start, test
from .deploy_reload import reload


def deployer() -> NginxDeployer:
    """The entry point registered under gwc.deployers (nothing to install: it runs the nginx binary)."""
    return NginxDeployer()


class NginxDeployer:
    """Plans and applies a deploy or a rollback of one deploy folder (--conf-dir)."""

    def __init__(self) -> None:
        self._lock_fd: int | None = None

    def plan(self, files: dict[str, str], options: DeployOptions) -> Plan:
        """Read the folder and the running nginx (nothing is written) and list the steps."""
        layout, binary = _setup(options)
        was = rel.current(layout)
        master = running_master(layout)
        if was is not None and rel.same_content(layout, was, files):
            name, changes, steps = was, [Change("unchanged", "release", was)], []
        else:
            name = rel.new_name(rel.content_hash(files))
            changes = [Change("create", "release", name, f"{len(files)} files"),
                       Change("update" if was else "create", "symlink", "current",
                              f"{'releases/' + was if was else 'nothing'} -> releases/{name}")]
            steps = [Step(f"write release {name}", lambda: rel.write(layout, name, files)),
                     Step("test it with nginx -t", lambda: self._test(binary, layout, name)),
                     Step("switch current to it", lambda: rel.switch(layout, name))]
        more_changes, more_steps = self._serve(binary, layout, master, name, was, options.start)
        changes += more_changes
        steps += more_steps
        if steps:
            pruned = rel.to_prune(layout, options.keep, name, (name,))
            changes += [Change("delete", "release", n, _why_pruned(n, name, options.keep)) for n in pruned]
            steps += [Step(f"remove {len(pruned)} old releases", lambda: rel.remove(layout, pruned))] if pruned else []
        return Plan("nginx", f"release {name} in {layout.root}", changes, self._locked(layout, was, steps))

    def rollback(self, options: DeployOptions) -> Plan:
        """Go back to the newest release older than current: test it, switch, reload; current is set aside."""
        layout, binary = _setup(options)
        was = rel.current(layout)
        if was is None:
            raise DeployError("plan", f"nothing is deployed in {layout.root} (no current symlink)", [],
                              f"deploy first: gwc deploy SPEC --target nginx --conf-dir {layout.root}")
        older = [n for n in rel.releases(layout) if n < was]
        if not older:
            raise DeployError("plan", f"no release older than {was} in {layout.releases}", [],
                              "deploy the spec you want instead (gwc deploy keeps --keep releases)")
        name, master = older[-1], running_master(layout)
        changes = [Change("update", "symlink", "current", f"releases/{was} -> releases/{name}")]
        steps = [Step(f"test release {name} with nginx -t", lambda: self._test(binary, layout, name, aside=False)),
                 Step("switch current to it", lambda: rel.switch(layout, name))]
        more_changes, more_steps = self._serve(binary, layout, master, name, was, options.start, aside="rolled-back")
        changes += more_changes + [Change("update", "release", was, f"set aside as {was}.rolled-back")]
        steps += more_steps + [Step(f"set {was} aside", lambda: rel.set_aside(layout, was, "rolled-back"))]
        return Plan("nginx", f"release {name} in {layout.root}", changes, self._locked(layout, was, steps))

    def _serve(self, binary: str, layout: rel.Layout, master: int | None, name: str, was: str | None,
               may_start: bool, aside: str = "failed") -> tuple[list[Change], list[Step]]:
        """The reload (or start) that makes nginx serve `name`."""
        if master is None and not may_start:
            return [Change("unchanged", "nginx", "not running", "--no-start: start it with nginx -p "
                                                                f"{layout.root}/ -c {layout.conf}")], []
        if master is None:
            return ([Change("create", "nginx", "master", f"start: nginx -p {layout.root}/ -c {layout.conf}")],
                    [Step("start nginx", lambda: self._start(binary, layout, name))])
        if name == was and rel.read_loaded(layout) == name:
            return [Change("unchanged", "nginx", f"pid {master}", f"serves {name}")], []
        return ([Change("update", "nginx", f"pid {master}", "reload (SIGHUP), verified")],
                [Step(f"reload nginx (pid {master})", lambda: self._reload(layout, master, name, was, aside))])

    def _test(self, binary: str, layout: rel.Layout, name: str, aside: bool = True) -> str:
        try:
            return test(binary, layout, layout.release(name) / "nginx.conf")
        except DeployError as exc:
            if not aside:
                raise DeployError("", exc.message, [], f"{name} no longer passes nginx -t; nothing was changed")
            moved = rel.set_aside(layout, name, "failed")
            raise DeployError("", exc.message.replace(f"/releases/{name}/", f"/releases/{moved}/"), [],
                              "nothing was switched: nginx keeps serving what it served; fix the spec and "
                              f"deploy again (the refused release is kept as {layout.release(moved)})") from None

    def _start(self, binary: str, layout: rel.Layout, name: str) -> str:
        try:
            pid = start(binary, layout)
        except DeployError as exc:
            raise DeployError("", exc.message, [], "fix the cause and run gwc deploy again: it starts nginx "
                                                   f"with -p {layout.root}/ -c {layout.conf}") from None
        rel.write_loaded(layout, name)
        return f"started (master pid {pid})"

    def _reload(self, layout: rel.Layout, master: int, name: str, was: str | None, aside: str) -> str:
        try:
            result = reload(master)
        except DeployError as exc:
            hint = "nginx keeps serving its previous configuration"
            if was is not None and was != name:
                rel.switch(layout, was)
                hint += f"; current points to releases/{was} again"
                if aside == "failed":
                    hint += f" and the refused release is kept as {rel.set_aside(layout, name, 'failed')}"
            raise DeployError("", exc.message, [], hint + "; fix the cause and run the command again") from None
        rel.write_loaded(layout, name)
        return result

    def _locked(self, layout: rel.Layout, was: str | None, steps: list[Step]) -> list[Step]:
        """The steps, the first one taking DIR's lock and checking nothing changed since the plan."""
        if not steps:
            return steps

        def first() -> str:
            if self._lock_fd is None:
                self._lock_fd = rel.lock(layout)
            if rel.current(layout) != was:
                raise DeployError("lock", f"{layout.current} changed since the plan was made", [],
                                  "another deploy or rollback ran meanwhile: run the command again")
            return steps[0].run()

        return [_guard(Step(steps[0].title, first)), *map(_guard, steps[1:])]


def _guard(step: Step) -> Step:
    """The step, with a failed file operation reported as a DeployError naming the file."""
    def run() -> str:
        try:
            return step.run()
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            raise DeployError("", f"{exc.strerror or exc}{where}", [],
                              "check that gwc may write the deploy folder (and run nginx)") from None
    return Step(step.title, run)


def _why_pruned(pruned: str, name: str, keep: int) -> str:
    if rel.NAME.match(pruned).group(3):
        return "an older release set aside"
    return f"same content as {name}" if pruned[-12:] == name[-12:] else f"beyond --keep {keep}"


def _setup(options: DeployOptions) -> tuple[rel.Layout, str]:
    if not options.conf_dir:
        raise DeployError("plan", "the nginx deployer needs --conf-dir DIR (the folder nginx runs from)", [],
                          "pass --conf-dir, e.g. /etc/gwc-nginx; see docs/targets/nginx.md (Deploying)")
    if options.keep < 1:
        raise DeployError("plan", f"--keep must be at least 1, not {options.keep}", [])
    return rel.Layout(options.conf_dir), find_binary(options.nginx_bin)
