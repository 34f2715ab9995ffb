"""requirements.lock: one exact version of every dependency, inside pyproject.toml's ranges."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import PROJECT_DIR


def _pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_DIR / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            assert pinned, f"requirements.lock: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = pinned.strip()
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    extras = [r for group in project.get("optional-dependencies", {}).values() for r in group]
    return [Requirement(r) for r in [*project["dependencies"], *extras]]


def test_every_declared_dependency_is_pinned_inside_its_range() -> None:
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"requirements.lock has no pin for {requirement.name}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {requirement.name}=={pins[name]}, outside pyproject.toml's {requirement.specifier}"
        )


def test_the_provider_sdks_installed_are_the_locked_ones() -> None:
    """What `make setup` and Pulumi's toolchain install (requirements.txt applies the lock)."""
    assert "-c requirements.lock" in (PROJECT_DIR / "requirements.txt").read_text()
    pins = _pins()
    for package in ("pulumi", "pulumi-aws", "pulumi-kubernetes", "pulumiverse-grafana", "pulumi-datadog"):
        assert version(package) == pins[canonicalize_name(package)], package
