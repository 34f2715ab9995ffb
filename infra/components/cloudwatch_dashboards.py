"""The CloudWatch dashboards of one stack, from ``cloudwatch-dashboards/*.json``.

The body is rendered before any resource exists (``infra.catalog.cloudwatch.dashboards``), in
canonical form, so an unchanged file never shows a diff. Dashboards take no tags.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.catalog.cloudwatch.dashboards import RenderedDashboard


class CloudWatchDashboards(pulumi.ComponentResource):
    def __init__(
        self, name: str, dashboards: list[RenderedDashboard], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("observability:aws:CloudWatchDashboards", name, None, opts)
        self.dashboards = {
            dashboard.id: aws.cloudwatch.Dashboard(
                f"{name}-{dashboard.id}",
                dashboard_name=dashboard.name,
                dashboard_body=dashboard.body,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for dashboard in dashboards
        }
        self.register_outputs({"names": [dashboard.name for dashboard in dashboards]})
