"""IAM: no statement grants everything, and IRSA roles trust exactly one Kubernetes service account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .values import as_list, json_document, reveal, snapshot, walk

ROLE = "aws:iam/role:Role"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
SERVICE_ACCOUNT = re.compile(r"^system:serviceaccount:[^:*?]+:[^:*?]+$")
ADMIN_ACTIONS = {"*", "*:*"}


def statements(document: Any) -> list[dict[str, Any]]:
    """The statements of a policy document (one statement may be written without a list)."""
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def policy_documents(props: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every IAM-style policy document among the inputs, wherever it is: policy, assumeRolePolicy,
    inlinePolicies[].policy, a key policy, a topic or bucket policy..."""
    for path, leaf in walk(reveal(props)):
        document = json_document(leaf) if isinstance(leaf, str) else None
        if isinstance(document, dict) and "Statement" in document:
            yield path, document


def _no_wildcard_admin(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for path, document in policy_documents(snapshot(args.props)):
        for index, statement in enumerate(statements(document)):
            if statement.get("Effect") != "Allow":
                continue
            actions = {str(a) for a in as_list(statement.get("Action"))}
            resources = {str(r) for r in as_list(statement.get("Resource"))}
            if actions & ADMIN_ACTIONS and "*" in resources:
                sid = statement.get("Sid") or f"Statement[{index}]"
                report_violation(f"{path}: {sid} allows every action on every resource", None)


def _irsa_trust_scoped(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != ROLE:
        return
    document = json_document(snapshot(args.props).get("assumeRolePolicy"))
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow" or WEB_IDENTITY not in as_list(statement.get("Action")):
            continue
        sid = statement.get("Sid") or f"Statement[{index}]"
        problem = _web_identity_problem(statement)
        if problem:
            report_violation(f"assumeRolePolicy {sid}: {problem}", None)


def _web_identity_problem(statement: dict[str, Any]) -> str | None:
    conditions = statement.get("Condition")
    conditions = conditions if isinstance(conditions, dict) else {}
    for operator, keys in conditions.items():
        if operator != "StringEquals" and isinstance(keys, dict) and any(k.endswith(":sub") for k in keys):
            return f"the :sub condition uses {operator}; only StringEquals scopes it to one service account"
    exact = conditions.get("StringEquals")
    subjects = [v for k, v in exact.items() if k.endswith(":sub")] if isinstance(exact, dict) else []
    if not subjects:
        return "no StringEquals condition on <oidc>:sub: any service account of the cluster can assume it"
    values = [str(v) for subject in subjects for v in as_list(subject)]
    if len(values) != 1:
        return f"the :sub condition names {len(values)} subjects; an IRSA role trusts exactly one service account"
    if not SERVICE_ACCOUNT.match(values[0]):
        return f"the :sub condition is {values[0]!r}, not system:serviceaccount:<namespace>:<name>"
    return None


iam_no_wildcard_admin = ResourceValidationPolicy(
    name="iam-no-wildcard-admin",
    description="No policy statement allows every action (*) on every resource (*).",
    validate=_no_wildcard_admin,
    enforcement_level=EnforcementLevel.MANDATORY,
)

irsa_trust_scoped = ResourceValidationPolicy(
    name="irsa-trust-scoped",
    description=(
        "A role assumed with a Kubernetes service account token (IRSA) trusts exactly one service "
        "account: StringEquals on <oidc>:sub = system:serviceaccount:<namespace>:<name>."
    ),
    validate=_irsa_trust_scoped,
    enforcement_level=EnforcementLevel.MANDATORY,
)

POLICIES = [iam_no_wildcard_admin, irsa_trust_scoped]
