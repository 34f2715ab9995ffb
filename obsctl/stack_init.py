"""``obsctl stack init NAME --from STACK``: a new environment from an existing one, and the steps left.

A stack is two files: ``Pulumi.<stack>.yaml`` (its overrides) and ``policy/config/<stack>.json``
(its policy thresholds). Both are copied from the source stack. Encrypted values are not: each stack
encrypts its secrets with its own key, so a copied ciphertext would not decrypt; they are left out
and listed as secrets to set. Values that still name the source stack (hostnames, cluster names)
are listed for review, since only a person knows what the new environment's are.
"""

from __future__ import annotations

import re
from pathlib import Path

from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import load_document
from infra.config import NAMESPACE, load_settings
from infra.errors import DefinitionError
from obsctl.stackfile import read_stack_file, stack_names
from obsctl.writes import write_atomically

STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
POLICY_CONFIG_DIR = Path("policy") / "config"
PER_STACK_ENCRYPTION = ("encryptionsalt", "encryptedkey", "secretsprovider")
CI_SECRETS = ("AWS_DEPLOY_ROLE_ARN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE")


def init_stack(project_dir: Path, name: str, source: str) -> int:
    if not STACK_NAME.match(name):
        raise DefinitionError.single(
            "obsctl stack init", name, "a stack name is lowercase letters, digits and hyphens (at most 40)"
        )
    known = stack_names(project_dir)
    if source not in known:
        raise DefinitionError.single(
            "--from", source, f"no such stack (stacks here: {', '.join(known) or 'none'})"
        )
    stack_file = project_dir / f"Pulumi.{name}.yaml"
    policy_file = project_dir / POLICY_CONFIG_DIR / f"{name}.json"
    source_policy = project_dir / POLICY_CONFIG_DIR / f"{source}.json"
    for existing in (stack_file, policy_file):
        if existing.exists():
            raise DefinitionError.single(
                str(existing.relative_to(project_dir)), "", "exists already: stack init never overwrites"
            )
    if not source_policy.is_file():
        raise DefinitionError.single(
            str(source_policy.relative_to(project_dir)), "", f"stack {source} has no policy config to copy"
        )

    source_path = project_dir / f"Pulumi.{source}.yaml"
    source_text = read_text(source_path, source_path.name, inside=project_dir)
    text, dropped = _without_encrypted_values(source_text, source_path.name)
    text = re.sub(rf"--stack {re.escape(source)}\b", f"--stack {name}", text)
    text = re.sub(rf"(overrides for ){re.escape(source)}\b", rf"\g<1>{name}", text)
    write_atomically(stack_file, text)
    policy_source = source_policy.relative_to(project_dir).as_posix()
    write_atomically(policy_file, read_text(source_policy, policy_source, inside=project_dir))
    print(f"wrote Pulumi.{name}.yaml (from Pulumi.{source}.yaml)")
    print(
        f"wrote {POLICY_CONFIG_DIR.as_posix()}/{name}.json (from {POLICY_CONFIG_DIR.as_posix()}/{source}.json)"
    )
    _print_next_steps(project_dir, name, source, text, dropped)
    return 0


def _without_encrypted_values(text: str, source: str) -> tuple[str, list[str]]:
    """The stack file's text without ``secure:`` values and the source stack's encryption settings."""
    document = load_document(text, source) or {}
    config = document.get("config") or {} if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise DefinitionError.single(source, "", "must be a map with a config: key holding a map")
    encrypted = [str(key) for key, value in config.items() if "secure" in _keys(value)]
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    skipping_indent: int | None = None
    for line in lines:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if skipping_indent is not None:
            if not stripped.strip() or indent > skipping_indent:
                continue
            skipping_indent = None
        key = stripped.split(":", 1)[0] if indent == 0 else None
        config_key = _config_key(stripped) if indent == 2 else None
        if key in PER_STACK_ENCRYPTION or config_key in encrypted:
            skipping_indent = indent
            continue
        kept.append(line)
    return "".join(kept), encrypted


def _config_key(line: str) -> str | None:
    match = re.match(r"([A-Za-z0-9_-]+:[A-Za-z0-9_.-]+):", line)
    return match.group(1) if match else None


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _print_next_steps(project_dir: Path, name: str, source: str, text: str, dropped: list[str]) -> None:
    settings = load_settings(read_stack_file(project_dir, name).raw)
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(source)}(?![A-Za-z0-9])")
    review = [
        f"  line {number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    steps: list[str] = []
    if review:
        steps.append(
            f"Review the values that still name {source} in Pulumi.{name}.yaml:\n" + "\n".join(review)
        )
    steps.append(f"Create the stack in your backend: pulumi stack init {name}")
    secrets = settings.required_secrets()
    if secrets:
        commands = "\n".join(
            f"  pulumi config set --secret {NAMESPACE}{spec.key} <value> --stack {name}   # {spec.purpose}"
            for spec in secrets
        )
        dropped_note = f" ({len(dropped)} were encrypted for {source} and not copied)" if dropped else ""
        steps.append(f"Set its {len(secrets)} secret(s){dropped_note}:\n{commands}")
    steps.append(
        f"Adjust the policy thresholds in {POLICY_CONFIG_DIR.as_posix()}/{name}.json, then check: "
        f"obsctl plan {name}"
    )
    steps.append(
        f"Commit Pulumi.{name}.yaml (with the encrypted values `pulumi config set --secret` wrote into it) "
        f"and {POLICY_CONFIG_DIR.as_posix()}/{name}.json; tests, drills and workflows find the stack by its file."
    )
    steps.append(
        f"In GitHub, create the environment {name} (Settings > Environments) with the secrets "
        f"{', '.join(CI_SECRETS)}; add required reviewers if it must wait for an approval."
    )
    print("\nNext steps:")
    for number, step in enumerate(steps, 1):
        print(f"{number}. {step}")
