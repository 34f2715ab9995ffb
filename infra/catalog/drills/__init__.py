"""Drill scenarios: mock incidents run through the real Prometheus and Alertmanager by ``obsctl drill``.

* :func:`load_drills` reads ``drills/*.yaml`` (the models are in :mod:`.model`);
* ``python -m infra.catalog.drills --write-schema`` regenerates ``schemas/drill-scenarios.schema.json``.
"""

from infra.catalog.drills.loader import DRILLS_DIR, CatalogScenario, DrillCatalog, load_drills
from infra.catalog.drills.model import Baseline, Scenario, Series, seconds

__all__ = [
    "DRILLS_DIR",
    "Baseline",
    "CatalogScenario",
    "DrillCatalog",
    "Scenario",
    "Series",
    "load_drills",
    "seconds",
]
