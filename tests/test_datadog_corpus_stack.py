"""Every Datadog monitor people export loads into a stack's catalog, and that stack plans."""

from __future__ import annotations

import shutil
from pathlib import Path

from obsctl.runner import plan_stack
from tests.conftest import PROJECT_DIR, copy_definitions, drop_earlier_imports, stand_in_secrets


def test_every_corpus_monitor_loads_into_a_stack_that_then_plans(tmp_path: Path, shared_dir: Path) -> None:
    root = tmp_path / "definitions"
    copy_definitions(root)
    corpus = sorted((shared_dir / "corpus" / "datadog-monitors").iterdir())
    drop_earlier_imports(root / "alerts" / "datadog", corpus)
    for exported in corpus:
        shutil.copy(exported, root / "alerts" / "datadog" / exported.name.replace("__", "-"))
    plan = plan_stack(PROJECT_DIR, "prod", definitions_dir=root, secrets=stand_in_secrets("prod", root=root))
    names = {m.inputs["name"] for m in plan.by_type("datadog:index/monitor:Monitor")}
    assert len(names) >= 10 + len(corpus)
    for monitor in plan.by_type("datadog:index/monitor:Monitor"):
        assert "env:prod" in monitor.inputs["tags"], monitor.name
        assert "managed-by:pulumi" in monitor.inputs["tags"], monitor.name
