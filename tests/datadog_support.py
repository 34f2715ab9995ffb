"""Reading the Pulumi Datadog provider's argument names from its source, without importing it.

Importing ``pulumi_datadog`` takes seconds; its generated ``*Args`` classes are plain text.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path


@cache
def provider_source(module: str) -> str:
    # find_spec on the top-level package locates it without running its slow __init__.
    spec = importlib.util.find_spec("pulumi_datadog")
    assert spec is not None and spec.submodule_search_locations
    return (Path(next(iter(spec.submodule_search_locations))) / f"{module}.py").read_text()


def provider_args(class_name: str, module: str = "_inputs") -> set[str]:
    """The keyword arguments of ``pulumi_datadog.<module>.<class_name>.__init__``."""
    source = provider_source(module)
    start = source.index(f"class {class_name}:")
    init = source.index("def __init__(", start)
    signature = source[init : source.index("):", init)]
    return set(re.findall(r"(\w+): pulumi\.Input", signature))
