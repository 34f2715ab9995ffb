"""The floor of ``obsctl plan``: what any implementation of this design must spend, and no more.

Given a stack's plan (``obsctl plan STACK --json``), a fresh process
1. imports the SDK classes of the resource types the plan holds, found the way the engine finds
   them (each provider SDK registers its modules and classes with ``pulumi.runtime``);
2. parses every definition file (JSON and YAML) under the definitions root and the stack files;
3. registers the very same resources (type, name, inputs, parent) under the SDK's mock runtime.

Nothing else runs: no validation, no rendering, no policy. ``make bench`` divides the time of
``obsctl plan`` by this one's. Usage: ``python -m obsctl.bench.floor PLAN.json ROOT``; prints JSON.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

# What the program reads (drills/ is read by `obsctl drill`, not by a plan).
DEFINITION_FOLDERS = ("dashboards", "alerts", "cloudwatch-dashboards", "cloudwatch-queries", "metrics")


def sdk_packages() -> dict[str, str]:
    """Pulumi package name (``aws``) -> the Python package of its SDK (``pulumi_aws``).

    Every Pulumi Python SDK ships a ``pulumi-plugin.json`` naming its package; reading those files
    costs nothing, importing the SDKs would.
    """
    import importlib.util
    import pkgutil

    found: dict[str, str] = {}
    for module in pkgutil.iter_modules():
        if not module.name.startswith(("pulumi_", "pulumiverse_")):
            continue
        spec = importlib.util.find_spec(module.name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            manifest = Path(location) / "pulumi-plugin.json"
            name = json.loads(manifest.read_text()).get("name") if manifest.is_file() else None
            if name:
                found[name] = module.name
    return found


def load_classes(types: set[str]) -> list[str]:
    """Import the SDK class of every type token; returns the tokens no SDK here defines."""
    from pulumi.runtime import rpc

    packages = sdk_packages()
    unresolved: list[str] = []
    for token in sorted(types):
        package, module, name = token.split(":", 2)
        if package == "pulumi" and module == "providers":
            if name in packages:
                importlib.import_module(packages[name]).Provider  # noqa: B018 - the import is the point
            else:
                unresolved.append(token)
            continue
        if package not in packages:
            unresolved.append(token)
            continue
        importlib.import_module(packages[package])  # registers the SDK's resource modules
        registered = [
            entry
            for entry in rpc._RESOURCE_MODULES.get(f"{package}:{module}", [])
            if token in getattr(entry, "mod_info", {}).get("classes", {})
        ]
        if not registered and package == "kubernetes":
            # A custom resource of a CRD: the SDK's generic class registers it.
            importlib.import_module(f"{packages[package]}.apiextensions").CustomResource  # noqa: B018
            continue
        if not registered:
            unresolved.append(token)
            continue
        info = registered[0].mod_info  # type: ignore[attr-defined]
        getattr(importlib.import_module(info["fqn"]), info["classes"][token])
    return unresolved


def parse_definitions(root: Path, project_dir: Path) -> int:
    import yaml

    parsed = 0
    files = [path for folder in DEFINITION_FOLDERS for path in sorted((root / folder).rglob("*"))]
    files += sorted(project_dir.glob("Pulumi*.yaml"))
    for path in files:
        if path.suffix == ".json":
            json.loads(path.read_bytes())
        elif path.suffix in (".yaml", ".yml"):
            list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        else:
            continue
        parsed += 1
    return parsed


def register(resources: list[dict[str, Any]]) -> None:
    import pulumi
    from pulumi.runtime import mocks
    from pulumi.runtime.stack import wait_for_rpcs
    from pulumi.runtime.sync_await import _sync_await

    class EchoMocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: mocks.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
            return {}

    mocks.set_mocks(EchoMocks(), preview=True)
    by_name: dict[str, pulumi.Resource] = {}
    for resource in resources:
        options = pulumi.ResourceOptions(parent=by_name.get(resource.get("parent") or ""))
        if resource.get("custom", True):
            registered: pulumi.Resource = pulumi.CustomResource(
                resource["type"], resource["name"], dict(resource.get("inputs") or {}), opts=options
            )
        else:
            registered = pulumi.ComponentResource(resource["type"], resource["name"], None, opts=options)
        by_name[resource["name"]] = registered
    _sync_await(wait_for_rpcs())


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    plan_path, root = Path(argv[0]), Path(argv[1])
    project_dir = Path(argv[2]) if len(argv) > 2 else root
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    resources = plan["resources"]
    # Components are the program's own classes: registering them needs no SDK.
    unresolved = load_classes({r["type"] for r in resources if r.get("custom", True)})
    imported = time.perf_counter()
    files = parse_definitions(root, project_dir)
    parsed = time.perf_counter()
    register(resources)
    registered = time.perf_counter()
    report = {
        "imports": imported - started,
        "parse": parsed - imported,
        "register": registered - parsed,
        "resources": len(resources),
        "files": files,
        "unresolved": unresolved,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
