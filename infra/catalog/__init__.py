"""Loading and validating the definition files in ``dashboards/`` and ``alerts/``.

Nothing here imports Pulumi: the catalog is plain data that the components turn into resources.
"""
