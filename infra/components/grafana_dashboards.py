"""Grafana folders, datasources and dashboards, through an explicit provider.

The JSON sent as ``configJson`` is the catalog's canonical form: volatile fields stripped, uid
explicit, keys sorted, so ``pulumi up`` shows a diff only when a dashboard really changed.
"""

from __future__ import annotations

import json

import pulumi
import pulumiverse_grafana as grafana

from infra.catalog.dashboards import DashboardCatalog, canonical_json
from infra.config import Settings
from infra.settings.grafana import GRAFANA_AUTH_KEY


class GrafanaDashboards(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: Settings,
        catalog: DashboardCatalog,
        grafana_deployment: list[pulumi.Resource] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:grafana:GrafanaDashboards", name, None, opts)
        config = settings.grafana
        assert config is not None
        # Where Grafana itself is deployed by this stack, the provider must wait for it.
        self.provider = grafana.Provider(
            f"{name}-provider",
            url=config.url,
            auth=pulumi.Output.secret(settings.secret(GRAFANA_AUTH_KEY).reveal()),
            org_id=config.org_id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=grafana_deployment or []),
        )
        child = pulumi.ResourceOptions(parent=self, provider=self.provider)
        default_uid = config.default_datasource.uid

        self.datasources = [
            grafana.oss.DataSource(
                f"{name}-datasource-{datasource.uid}",
                name=datasource.name,
                type=datasource.type,
                uid=datasource.uid,
                url=datasource.url,
                username=datasource.user,
                is_default=datasource.uid == default_uid,
                json_data_encoded=json.dumps(datasource.grafana_json_data(), sort_keys=True),
                opts=child,
            )
            for datasource in config.datasources
        ]
        self.folders = {
            folder.slug: grafana.oss.Folder(
                f"{name}-folder-{folder.slug}",
                title=folder.title,
                uid=folder.uid,
                # People add dashboards to these folders in the UI; deleting the folder would delete
                # them too. With the stack's data protected, Grafana refuses while it is not empty.
                prevent_destroy_if_not_empty=settings.logs.protect,
                opts=child,
            )
            for folder in catalog.folders.values()
        }
        self.dashboards = {}
        for dashboard in catalog.dashboards:
            folder = self.folders.get(dashboard.folder)
            self.dashboards[dashboard.uid] = grafana.oss.Dashboard(
                f"{name}-dashboard-{dashboard.uid}",
                config_json=canonical_json(dashboard.config),
                folder=folder.uid if folder is not None else None,
                overwrite=True,
                message=f"pulumi: {dashboard.source}",
                opts=pulumi.ResourceOptions(parent=self, provider=self.provider, depends_on=self.datasources),
            )
        self.register_outputs({"dashboardUids": sorted(self.dashboards), "folderUids": sorted(self.folders)})
