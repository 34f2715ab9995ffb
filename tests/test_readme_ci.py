"""The README's deployment notes match what the workflows expect."""

from __future__ import annotations

import re

from tests.conftest import PROJECT_DIR


def test_every_secret_the_workflows_read_is_documented() -> None:
    used = set()
    for workflow in (PROJECT_DIR / ".github" / "workflows").glob("*.yml"):
        used |= set(re.findall(r"secrets\.([A-Z0-9_]+)", workflow.read_text()))
    readme = PROJECT_DIR / "README.md"
    section = readme.read_text().split("### CI secrets and environments", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, flags=re.M))
    assert used - {"GITHUB_TOKEN"} == documented
