"""``obsctl drill``: mock incidents through the real Prometheus and Alertmanager (see drills/README.md)."""
