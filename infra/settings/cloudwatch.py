"""Settings for CloudWatch alarms (``observability:cloudwatch``).

.. code-block:: yaml

    observability:cloudwatch:
      resources:                       # what the catalog's ${resources.<name>} refer to
        loadBalancer: app/metrics-prod/0123456789abcdef     # or the load balancer's ARN
        targetGroup: targetgroup/metrics-api/0123456789abcdef
        rdsInstance: metrics-prod
        rdsMaxConnections: 400
        cacheCluster: metrics-prod-001
        agentNamespace: ExternalMetrics/Production
        certificates: {api: "arn:aws:acm:us-east-1:123456789012:certificate/..."}
      alarms:                          # per-alarm overrides, by catalog id
        api-5xx-rate: {threshold: 3}
        api-traffic-anomaly: {enabled: false}
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from infra.catalog.cloudwatch import Severity
from infra.catalog.cloudwatch.aws_models import check_period
from infra.settings.base import SettingsModel, WholeNumber

_ELB_ARN = re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:[^:]*:\d*:(loadbalancer/)?(?P<suffix>.+)$")


def _elb_dimension(value: str) -> str:
    # CloudWatch's LoadBalancer / TargetGroup dimensions are the ARN's suffix; accept either form.
    match = _ELB_ARN.match(value)
    return match["suffix"] if match else value


class CloudWatchResources(SettingsModel):
    """The resources this stack's alarms watch. Unset ones may only be referred to by disabled alarms."""

    load_balancer: Annotated[str, AfterValidator(_elb_dimension)] | None = Field(
        default=None, description="Application load balancer: ARN or its app/<name>/<id> suffix."
    )
    target_group: Annotated[str, AfterValidator(_elb_dimension)] | None = Field(
        default=None, description="Target group of the API: ARN or its targetgroup/<name>/<id> suffix."
    )
    rds_instance: str | None = Field(default=None, description="DB instance identifier.")
    rds_max_connections: WholeNumber | None = Field(
        default=None, gt=0, description="The instance's max_connections (parameter group)."
    )
    cache_cluster: str | None = Field(default=None, description="ElastiCache cache cluster (node group) id.")
    agent_namespace: str | None = Field(
        default=None,
        description="Namespace of the CloudWatch agent's metrics, e.g. ExternalMetrics/Production.",
    )
    certificates: dict[str, str] = Field(
        default_factory=dict,
        description="Certificate name -> ACM certificate ARN; one expiry alarm pair each.",
    )
    other: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][A-Za-z0-9]*$")], str] = Field(
        default_factory=dict,
        description="Any other value a catalog entry or dashboard refers to as ${resources.<key>}, e.g. what "
        "`obsctl import cloudformation` turned a template's Ref into.",
    )

    @field_validator("load_balancer")
    @classmethod
    def _is_application_load_balancer(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("app/"):
            raise ValueError("must be an application load balancer (app/<name>/<id> or its ARN)")
        return value

    @field_validator("target_group")
    @classmethod
    def _is_target_group(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("targetgroup/"):
            raise ValueError("must be a target group (targetgroup/<name>/<id> or its ARN)")
        return value

    @field_validator("certificates")
    @classmethod
    def _certificates(cls, value: dict[str, str]) -> dict[str, str]:
        for name, arn in value.items():
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
                raise ValueError(
                    f"certificate name {name!r} must be lower-case words joined by '-' (it ends alarm ids)"
                )
            if not re.fullmatch(r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+", arn):
                raise ValueError(f"certificates.{name} is not an ACM certificate ARN")
        return value

    @field_validator("other")
    @classmethod
    def _other_keys_are_free(cls, value: dict[str, str]) -> dict[str, str]:
        taken = {field.alias or name for name, field in cls.model_fields.items()}
        clashes = sorted(set(value) & taken)
        if clashes:
            raise ValueError(f"{', '.join(clashes)} has a field of its own: set it there, not under other")
        return value

    def references(self) -> dict[str, str]:
        """The values catalog entries refer to as ``${resources.<key>}``: camelCase keys, maps flattened
        (``other`` into the top level: ``${resources.<key>}``, not ``${resources.other.<key>}``)."""
        flat: dict[str, str] = dict(self.other)
        for name, value in self.model_dump(by_alias=True, exclude_none=True, exclude={"other"}).items():
            if isinstance(value, dict):
                flat.update({f"{name}.{key}": str(item) for key, item in value.items()})
            else:
                flat[name] = str(value)
        return flat


class AlarmOverride(SettingsModel):
    """What a stack may change about one catalog alarm."""

    enabled: bool = True
    threshold: float | None = None
    period: Annotated[WholeNumber, AfterValidator(check_period)] | None = None
    evaluation_periods: WholeNumber | None = Field(default=None, ge=1)
    datapoints_to_alarm: WholeNumber | None = Field(default=None, ge=1)
    severity: Severity | None = None


class CloudWatchSettings(SettingsModel):
    resources: CloudWatchResources = Field(default_factory=CloudWatchResources)
    alarms: dict[str, AlarmOverride] = Field(default_factory=dict)
    """Catalog alarm id -> override. An id the catalog does not define fails the render."""
