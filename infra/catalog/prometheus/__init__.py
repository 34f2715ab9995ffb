"""Prometheus alerting rules: ``alerts/prometheus/*.yaml`` in the upstream rule-file format.

Public API:

* :func:`load_rule_set` / :func:`load_rule_file` load and check rule files (groups files, multi-document
  files, ``PrometheusRule`` manifests), raising one :class:`~infra.errors.DefinitionError`.
* :func:`apply_overrides` renders a stack's rules from its ``observability:prometheus.rules`` overrides.
* :func:`write_rule_files` writes rendered rules for ``promtool``; :mod:`.promtool` runs it.
* :func:`coverage_problems` finds alerts without a firing and a non-firing promtool test case.
"""

from infra.catalog.prometheus.loader import (
    ORIGIN_LABEL,
    REQUIRED_ANNOTATIONS,
    REQUIRED_LABELS,
    RuleFile,
    is_test_file,
    load_rule_file,
)
from infra.catalog.prometheus.model import SEVERITIES, Rule, RuleGroup
from infra.catalog.prometheus.rule_set import (
    OVERRIDE_KEY_PREFIX,
    RULES_DIR,
    RenderedRuleFile,
    RuleOverride,
    RuleSet,
    apply_overrides,
    load_rule_set,
    write_rule_files,
)
from infra.catalog.prometheus.threshold import Threshold, find_threshold, replace_threshold
from infra.catalog.prometheus.unit_tests import TESTS_DIR, coverage_problems

__all__ = [
    "ORIGIN_LABEL",
    "OVERRIDE_KEY_PREFIX",
    "REQUIRED_ANNOTATIONS",
    "REQUIRED_LABELS",
    "RULES_DIR",
    "SEVERITIES",
    "TESTS_DIR",
    "RenderedRuleFile",
    "Rule",
    "RuleFile",
    "RuleGroup",
    "RuleOverride",
    "RuleSet",
    "Threshold",
    "apply_overrides",
    "coverage_problems",
    "find_threshold",
    "is_test_file",
    "load_rule_file",
    "load_rule_set",
    "replace_threshold",
    "write_rule_files",
]
