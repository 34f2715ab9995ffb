"""The pieces of :class:`~infra.components.monitoring_cluster.MonitoringCluster` that need no Pulumi.

* :mod:`.releases`: the Helm releases of one stack (names, pinned charts, values) and their check
  against the charts' own keys;
* :mod:`.iam`: the least-privilege policies of the IRSA roles;
* :mod:`.catalog`: the Prometheus rules and Alertmanager config a stack deploys, checked before any
  resource is registered;
* :mod:`.checks`: what a planned stack must satisfy for Prometheus to load every rule.
"""
