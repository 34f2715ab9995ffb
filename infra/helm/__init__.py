"""Helm charts of the monitoring cluster: pinned versions, their values' key indexes, value builders.

Pure Python: nothing here imports pulumi. The monitoring-cluster component passes the builders'
dicts, after :func:`infra.helm.values_check.validate_values`, to ``kubernetes.helm.v3.Release``.
"""
