"""Datadog monitors and log pipelines from ``alerts/datadog/``, through an explicit provider.

Importing ``pulumi_datadog`` costs seconds, so :mod:`infra.stack` imports this module only for
stacks that enable Datadog.
"""

from __future__ import annotations

import pulumi
import pulumi_datadog as datadog

from infra.catalog.datadog import RenderedMonitor, RenderedPipeline
from infra.config import Settings
from infra.settings.datadog import API_KEY_CONFIG_KEY, APP_KEY_CONFIG_KEY
from infra.settings.routing import UNATTENDED_TAG


class DatadogMonitors(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: Settings,
        monitors: list[RenderedMonitor],
        pipelines: list[RenderedPipeline],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:datadog:DatadogMonitors", name, None, opts)
        dd = settings.datadog
        # `datadog:validate false` (standard provider config) skips the credential check at plan
        # time; `obsctl plan` sets it, since it runs without network.
        validate = pulumi.Config("datadog").get_bool("validate")
        self.provider = datadog.Provider(
            f"{name}-provider",
            api_key=pulumi.Output.secret(settings.secret(API_KEY_CONFIG_KEY).reveal()),
            app_key=pulumi.Output.secret(settings.secret(APP_KEY_CONFIG_KEY).reveal()),
            api_url=dd.resolved_api_url(),
            validate="false" if validate is False else "true",
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=self.provider)
        # A stack whose alerts may reach nobody says so in its file (routing.unattended); monitors
        # carry the mark so the alert-path policy accepts a message without a handle.
        unattended = [f"{UNATTENDED_TAG}:true"] if settings.routing.unattended else []
        self.monitors = {
            monitor.id: datadog.Monitor(
                f"{name}-{monitor.id}",
                **{
                    **monitor.inputs,
                    "tags": [*monitor.inputs.get("tags", []), *unattended],
                    "validate": bool(monitor.inputs.get("validate")) and validate is not False,
                },
                opts=child,
            )
            for monitor in monitors
        }
        self.pipelines = {
            pipeline.id: datadog.LogsCustomPipeline(
                f"{name}-pipeline-{pipeline.id}", **pipeline.inputs, opts=child
            )
            for pipeline in pipelines
        }
        self.register_outputs({"monitorIds": {key: m.id for key, m in self.monitors.items()}})
