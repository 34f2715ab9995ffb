"""The upstream tools at the versions the cluster runs: prometheus, promtool, alertmanager, amtool,
node_exporter (scraped for its metric inventory), and actionlint.

Prometheus and Alertmanager are Go modules. ``make tools`` builds them from the Go module proxy at
the image versions ``infra/charts/versions.yaml`` pins for kube-prometheus-stack (Prometheus 3.x
is module ``github.com/prometheus/prometheus`` v0.3xx.y), into ``.tools/bin``. The build runs inside
the downloaded module, as upstream's own ``make build`` does, because ``go install module@version``
refuses modules whose ``go.mod`` has ``replace`` directives (Prometheus has one). Version metadata
is set with the same ``-ldflags`` upstream's release tooling uses, so ``--version`` tells the truth.

A binary of the right version already in ``.tools/bin`` or on PATH is used as it is. Where Go is
missing or a build fails, Debian's packages are the fallback, and the summary says which versions
are in use and which do not match the chart.

    python -m obsctl.toolchain install     # what `make tools` runs
    python -m obsctl.toolchain status      # which binary and version each tool resolves to
    python -m obsctl.toolchain run promtool check rules ...   # the tool, or a "skipped" line
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from infra.catalog.upstream_tools import TOOLS_BIN, installed_version, tool_path, tools_required
from infra.helm.versions import chart_pin

ACTIONLINT_VERSION = "v1.7.12"
"""actionlint is not deployed by any chart; this is the release the workflows are linted with."""

DEBIAN_PACKAGES = {
    "prometheus": "prometheus",
    "promtool": "prometheus",
    "alertmanager": "prometheus-alertmanager",
    "amtool": "prometheus-alertmanager",
}


@dataclass(frozen=True)
class GoTool:
    name: str
    module: str
    package: str
    version: str
    """The release version, as ``--version`` prints it (``3.14.0``)."""
    module_version: str
    """The Go module version (``v0.314.0`` for Prometheus 3.14.0)."""
    version_variable: str
    """The Go variable upstream's release build sets to the version with ``-ldflags -X``."""
    placeholders: tuple[str, ...] = ()
    """Files the source needs that upstream generates with npm before ``go build`` (web UI assets).
    The drills and checks use the HTTP API only, so an empty page stands in for the UI."""


def prometheus_module_version(release: str) -> str:
    """Prometheus 3.x is tagged ``v3.14.0`` but published as module version ``v0.314.0``."""
    major, minor, patch = (int(part) for part in release.lstrip("v").split("-")[0].split("."))
    if major < 3:
        return f"v{major}.{minor}.{patch}"
    return f"v0.{major}{minor:02d}.{patch}"


def pinned_tools() -> list[GoTool]:
    """Every tool, at the version the pinned charts deploy (actionlint: :data:`ACTIONLINT_VERSION`)."""
    stack = chart_pin("kube-prometheus-stack")
    prometheus = stack.image("prometheus").lstrip("v").split("-")[0]
    alertmanager = stack.image("alertmanager").lstrip("v").split("-")[0]
    common = "github.com/prometheus/common/version.Version"
    tools = [
        GoTool(
            name,
            "github.com/prometheus/prometheus",
            f"./cmd/{name}",
            prometheus,
            prometheus_module_version(prometheus),
            common,
        )
        for name in ("prometheus", "promtool")
    ]
    tools += [
        GoTool(
            name,
            "github.com/prometheus/alertmanager",
            f"./cmd/{name}",
            alertmanager,
            f"v{alertmanager}",
            common,
            placeholders=("ui/app/dist/index.html",),
        )
        for name in ("alertmanager", "amtool")
    ]
    # node-exporter is a subchart of kube-prometheus-stack; its image is pinned beside the others
    # so `python -m obsctl.metrics_inventory` scrapes the release the cluster runs.
    node_exporter = stack.image("node-exporter").lstrip("v")
    tools.append(
        GoTool(
            "node_exporter",
            "github.com/prometheus/node_exporter",
            ".",
            node_exporter,
            f"v{node_exporter}",
            common,
        )
    )
    tools.append(
        GoTool(
            "actionlint",
            "github.com/rhysd/actionlint",
            "./cmd/actionlint",
            ACTIONLINT_VERSION.lstrip("v"),
            ACTIONLINT_VERSION,
            "github.com/rhysd/actionlint.version",
        )
    )
    return tools


def _run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=1800
    )
    if completed.returncode != 0:
        raise RuntimeError(f"$ {' '.join(command)}\n{completed.stdout}{completed.stderr}".rstrip())
    return completed.stdout


def build(tool: GoTool) -> Path:
    """``go build`` the tool inside its downloaded module into ``.tools/bin``; returns the binary."""
    go = shutil.which("go")
    if go is None:
        raise RuntimeError("go is not installed")
    # GOWORK=off: Prometheus ships a go.work naming folders its module zip leaves out.
    env = {**os.environ, "GOFLAGS": "-mod=readonly", "CGO_ENABLED": "0", "GOWORK": "off"}
    info = json.loads(_run([go, "mod", "download", "-json", f"{tool.module}@{tool.module_version}"], env=env))
    with tempfile.TemporaryDirectory(prefix=f"obsctl-build-{tool.name}-") as scratch:
        # The module cache is read-only; the UI placeholders need a writable copy of the source.
        module_dir = Path(scratch) / "src"
        shutil.copytree(info["Dir"], module_dir, copy_function=shutil.copyfile)
        for directory, _, _ in os.walk(module_dir):
            os.chmod(directory, 0o755)  # the module cache's folders are read-only
        for placeholder in tool.placeholders:
            (module_dir / placeholder).parent.mkdir(parents=True, exist_ok=True)
            (module_dir / placeholder).write_text("<!doctype html><title>API only</title>\n")
        return _build_in(go, tool, module_dir, env)


def _build_in(go: str, tool: GoTool, module_dir: Path, env: dict[str, str]) -> Path:
    ldflags = f"-s -w -X {tool.version_variable}={tool.version}"
    if tool.version_variable.startswith("github.com/prometheus/common/"):
        ldflags += (
            " -X github.com/prometheus/common/version.Branch=HEAD"
            " -X github.com/prometheus/common/version.BuildUser=obsctl-toolchain"
        )
    TOOLS_BIN.mkdir(parents=True, exist_ok=True)
    target = TOOLS_BIN / tool.name
    partial = TOOLS_BIN / f".{tool.name}.partial"
    _run(
        [go, "build", "-trimpath", "-ldflags", ldflags, "-o", str(partial), tool.package],
        cwd=module_dir,
        env=env,
    )
    partial.replace(target)  # atomic: a half-written binary is never on the tool path
    return target


def _debian_fallback(names: list[str]) -> list[str]:
    packages = sorted({DEBIAN_PACKAGES[name] for name in names if name in DEBIAN_PACKAGES})
    if not packages:
        return []
    # Not root: sudo, which may ask for a password at a terminal; elsewhere (CI, a pipe) it must
    # not wait for one, so it fails at once and the exact commands are printed instead.
    prefix = [] if os.geteuid() == 0 else ["sudo"] if sys.stdin.isatty() else ["sudo", "-n"]
    if shutil.which("apt-get") is None or (prefix and shutil.which("sudo") is None):
        return ["no apt-get here (or no sudo)"]
    try:
        _run([*prefix, "apt-get", "update", "-qq"])
        _run(
            [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    except (RuntimeError, OSError) as error:
        return [str(error).splitlines()[-1] if str(error) else "apt-get failed"]
    return []


def install() -> int:
    """Make every tool available at its pinned version; print what is in use.

    A tool that cannot be installed here (no Go, no apt, macOS) is not fatal: the exact commands
    to install it are printed, and the checks and tests that need it are skipped and listed. CI
    sets ``OBSCTL_REQUIRE_TOOLS=1``, where a missing tool fails.
    """
    failed: list[str] = []
    has_go = shutil.which("go") is not None
    for tool in pinned_tools():
        found = tool_path(tool.name)
        if found is not None and installed_version(found) == tool.version:
            continue
        if not has_go:
            failed.append(tool.name)
            continue
        print(
            f"building {tool.name} {tool.version} ({tool.module}@{tool.module_version}) into {TOOLS_BIN}",
            flush=True,
        )
        try:
            build(tool)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
            print(
                f"warning: could not build {tool.name}: {str(error).splitlines()[-1] if str(error) else error}",
                file=sys.stderr,
            )
            failed.append(tool.name)
    if not has_go and failed:
        print(f"warning: go is not on PATH: cannot build {', '.join(failed)}", file=sys.stderr)
    for problem in _debian_fallback([name for name in failed if tool_path(name) is None]):
        print(f"warning: Debian fallback: {problem}", file=sys.stderr)
    missing = [tool for tool in pinned_tools() if tool_path(tool.name) is None]
    status()
    if not missing:
        return 0
    print(install_instructions(missing), file=sys.stderr)
    return 1 if tools_required() else 0


def install_instructions(missing: list[GoTool]) -> str:
    names = ", ".join(tool.name for tool in missing)
    packages = sorted({DEBIAN_PACKAGES[t.name] for t in missing if t.name in DEBIAN_PACKAGES})
    lines = [
        f"warning: {names} could not be installed here. To install them, then run `make tools` again:",
        "  any system: install Go 1.26 or later (https://go.dev/dl/) and put it on PATH; `make tools` builds",
        "              the pinned versions into .tools/bin. Or build one by hand, e.g.:",
    ]
    lines += [
        f"      go install {t.module}/{t.package.removeprefix('./')}@{t.module_version}"
        for t in missing
        if t.name == "actionlint"
    ]
    lines += ["  macOS:      brew install go && make tools"]
    if packages:
        lines.append(
            f"  Debian/Ubuntu (older versions; the version tests then fail): sudo apt-get install {' '.join(packages)}"
        )
    lines.append(f"Meanwhile `make test` runs everything else; what needs {names} is skipped and listed.")
    return "\n".join(lines)


def run(args: list[str]) -> int:
    """``run TOOL ARGS...``: the tool if it is installed; otherwise say what was skipped (exit 0,
    or 1 under ``OBSCTL_REQUIRE_TOOLS=1``), so `make lint` goes on where `make tools` could not."""
    tool, *rest = args
    found = tool_path(tool)
    if found is None:
        print(
            f"skipped: {tool} {' '.join(rest)} ({tool} is not installed: see `make tools`)", file=sys.stderr
        )
        return 1 if tools_required() else 0
    return subprocess.run([str(found), *rest], check=False).returncode


def status() -> int:
    """One line per tool: the binary in use and its version against the pin."""
    missing = 0
    for tool in pinned_tools():
        found = tool_path(tool.name)
        if found is None:
            print(f"{tool.name:<13} missing (wanted {tool.version}): run `make tools`")
            missing += 1
            continue
        version = installed_version(found) or "unknown"
        verdict = "" if version == tool.version else f"  (the charts deploy {tool.version}: older fallback)"
        print(f"{tool.name:<13} {version:<10} {found}{verdict}")
    return 1 if missing else 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["install"]:
        return install()
    if args in ([], ["status"]):
        return status()
    if len(args) >= 2 and args[0] == "run":
        return run(args[1:])
    if len(args) >= 2 and args[0] == "has":
        missing = [name for name in args[1:] if tool_path(name) is None]
        if missing:
            print(f"skipped: needs {', '.join(missing)}, not installed (see `make tools`)", file=sys.stderr)
        return 1 if missing else 0
    print("usage: python -m obsctl.toolchain [install|status|run TOOL ARGS...|has TOOL...]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
