"""The saved CloudWatch Logs Insights queries of one stack, from ``cloudwatch-queries/*.yaml``.

Rendered before any resource exists (``infra.catalog.cloudwatch.queries``). A query on one of the
stack's own log groups waits for that group, so the console never lists a query on a group that
does not exist yet. Query definitions take no tags.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.catalog.cloudwatch.queries import RenderedQuery


class CloudWatchQueries(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        queries: list[RenderedQuery],
        log_groups: dict[str, aws.cloudwatch.LogGroup],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("observability:aws:CloudWatchQueries", name, None, opts)
        self.queries = {
            query.key: aws.cloudwatch.QueryDefinition(
                f"{name}-{query.key}",
                **query.query_definition_args(),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[log_groups[group] for group in query.stack_log_groups if group in log_groups],
                ),
            )
            for query in queries
        }
        self.register_outputs({"names": [query.name for query in queries]})
