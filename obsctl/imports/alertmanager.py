"""``obsctl import alertmanager``: a plain configuration or the Kubernetes Secret wrapping one.

Every inline secret becomes a ``${secret:NAME}`` placeholder; the stack entries and the
``pulumi config set --secret`` commands that bind them are printed, never a value.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text, write_atomically
from infra.errors import DefinitionError
from obsctl.imports.common import refuse_existing, target_path

ALERTMANAGER_HEADER = (
    "# yaml-language-server: $schema=https://json.schemastore.org/prometheus-alertmanager.json\n"
    "# Imported by `obsctl import alertmanager`; secrets are ${secret:NAME} placeholders, bound per stack\n"
    "# in Pulumi.<stack>.yaml (observability:alertmanager.secrets).\n"
)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from infra.catalog.alertmanager import (
        CONFIG_FILE,
        AlertmanagerConfig,
        check_with_stand_ins,
        load_alertmanager,
        refusal_reason,
    )
    from infra.catalog.alertmanager_import import import_alertmanager
    from infra.catalog.strict_yaml import dump
    from infra.catalog.upstream_tools import MissingToolError

    if len(args.files) != 1:
        raise DefinitionError.single("obsctl import alertmanager", "", "takes one configuration file")
    source = args.files[0]
    imported = import_alertmanager(read_text(source, str(source)), str(source))
    target = target_path(project_dir, args.to, CONFIG_FILE)
    refuse_existing(target, project_dir, args.force)
    config = AlertmanagerConfig(str(source), imported.config)
    try:
        run = check_with_stand_ins(config)
        if not run.ok:
            reason = refusal_reason(run, imported.config)
            raise DefinitionError.single(
                str(source), "", f"Alertmanager refuses it (amtool check-config): {reason}"
            )
        checked = "amtool check-config accepts it"
    except MissingToolError:
        checked = "NOT checked by amtool (not installed: `make tools`)"
    write_atomically(target, ALERTMANAGER_HEADER + dump(imported.config), inside=project_dir)
    shown = target.relative_to(project_dir)
    for note in imported.notes:
        print(f"note: {note}")
    print(f"wrote {shown} ({checked})")
    _print_secret_bindings(imported.secrets, args.stack, str(source))
    _print_stale_bindings(project_dir, [s.placeholder for s in imported.secrets])
    _print_stale_routing_tests(project_dir, config)
    try:
        load_alertmanager(target, project_dir)
    except DefinitionError as error:
        print(f"still to decide ({len(error.problems)}): `obsctl plan` refuses these until they are fixed")
        for problem in error.problems:
            print(f"  {problem}")
    return 0


def _print_secret_bindings(secrets: list[Any], stack: str, source: str) -> None:
    if not secrets:
        print("no inline secret found")
        return
    print(f"{len(secrets)} inline secret(s) replaced by placeholders; bind them in Pulumi.{stack}.yaml:")
    print("  observability:alertmanager:")
    print("    secrets:")
    for secret in secrets:
        print(f"      {secret.placeholder}: {secret.config_key}")
    print("then set each value (it is at the path shown, in the file you imported; never commit it):")
    for secret in secrets:
        print(f"  pulumi config set --secret observability:{secret.config_key} <value> --stack {stack}")
        print(f"      # {source}: {', '.join(secret.paths)}")


def _print_stale_bindings(project_dir: Path, placeholders: list[str]) -> None:
    """What each stack file binds for the configuration it replaced, and no longer needs."""
    from obsctl.stackfile import read_stack_file, stack_names

    for stack in stack_names(project_dir):
        try:
            raw = read_stack_file(project_dir, stack).raw.values.get("observability:alertmanager")
            section = json.loads(raw) if raw else {}
        except (DefinitionError, ValueError):
            continue
        stale = sorted(set(section.get("secrets") or {}) - set(placeholders))
        values = sorted(section.get("values") or {})
        if stale or values:
            print(
                f"Pulumi.{stack}.yaml: observability:alertmanager binds what the new file does not use "
                f"(secrets: {', '.join(stale) or 'none'}; values: {', '.join(values) or 'none'}): replace the section"
            )


def _print_stale_routing_tests(project_dir: Path, config: Any) -> None:
    """The routing table and drill expectations that name receivers the new configuration lacks.

    They prove where incidents go; with new routing, they must say where it now sends them, and
    `make test` fails until they do.
    """
    from infra.catalog.strict_yaml import load_documents

    defined = set(config.receiver_names())
    stale: dict[str, set[str]] = {}
    files = [
        project_dir / "tests" / "alertmanager" / "routes.yaml",
        *sorted((project_dir / "drills").glob("*.y*ml")),
    ]
    for path in (p for p in files if p.is_file()):
        shown = str(path.relative_to(project_dir))
        try:
            documents = load_documents(read_text(path, shown), shown)
        except DefinitionError:
            continue
        for name in _receiver_names(documents):
            if name not in defined:
                stale.setdefault(shown, set()).add(name)
    for shown, names in sorted(stale.items()):
        print(
            f"still to decide: {shown} expects receivers the new configuration does not define "
            f"({', '.join(sorted(names))}): rewrite it for the new routing (make test checks it)"
        )


def _receiver_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "receiver" and isinstance(value, str):
                yield value
            elif key == "receivers" and isinstance(value, list):
                yield from (str(v) for v in value if isinstance(v, str))
            else:
                yield from _receiver_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _receiver_names(item)
