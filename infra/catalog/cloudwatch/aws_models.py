"""What CloudWatch accepts, read from AWS's published models instead of typed by hand.

Two sources ship with the project's dependencies and are updated by AWS and the cfn-lint team:

* botocore's service models (the API definitions every AWS SDK is generated from): enums for the
  comparison operator, statistic and unit, and the documented forms of an extended statistic;
* cfn-lint's CloudFormation resource schemas (AWS's registry schemas plus cfn-lint's extensions):
  the treat-missing-data enum (botocore's shape has none), the alarm period rule, log retention.

Every lookup is cached: the models are parsed once per process. The ``check_*`` functions raise
``ValueError`` with a message that lists what is allowed, so pydantic validators and the renderer
report the same words.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jsonschema

_CFN_REGION = "us-east-1"
"""cfn-lint ships one schema set per region; us-east-1 has every CloudWatch feature first."""


@dataclass(frozen=True)
class _ServiceModel:
    """The parts of a botocore service model used here, read from its JSON file.

    ``botocore.session`` costs about 0.4 s to import and builds loaders, endpoints and shape
    resolvers that a lookup of three enums and a length never needs.
    """

    shapes: Mapping[str, Any]
    operations: Mapping[str, Any]

    def enum(self, shape_name: str) -> tuple[str, ...]:
        return tuple(self.shapes[shape_name].get("enum", ()))

    def input_member(self, operation: str, member: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """The member entry of an operation's input (its own documentation) and the shape it names."""
        structure = self.shapes[self.operations[operation]["input"]["shape"]]
        entry = structure["members"][member]
        return entry, self.shapes[entry["shape"]]


@cache
def _cloudwatch_model() -> _ServiceModel:
    spec = find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed: `make setup` installs the project's dependencies")
    service = Path(next(iter(spec.submodule_search_locations))) / "data" / "cloudwatch"
    # botocore's own loader takes the newest API version and the compressed file where both exist.
    newest = max(p for p in service.iterdir() if p.is_dir())
    compressed = newest / "service-2.json.gz"
    if compressed.is_file():
        model = json.loads(gzip.decompress(compressed.read_bytes()))
    else:
        model = json.loads((newest / "service-2.json").read_text(encoding="utf-8"))
    return _ServiceModel(shapes=model["shapes"], operations=model["operations"])


@cache
def aws_regions() -> frozenset[str]:
    """Every region of every AWS partition, from botocore's endpoint data (read as a file)."""
    spec = find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed: `make setup` installs the project's dependencies")
    endpoints = Path(next(iter(spec.submodule_search_locations))) / "data" / "endpoints.json"
    document = json.loads(endpoints.read_text(encoding="utf-8"))
    return frozenset(region for partition in document["partitions"] for region in partition["regions"])


@cache
def _cfn_schema_dir() -> Path:
    """cfn-lint's schema files, found without importing cfn-lint: its import (rules, sympy) costs
    about a second, and only these JSON files are needed."""
    spec = find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cfn-lint is not installed: `make setup` installs the project's dependencies")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


@cache
def _cfn_schema(type_name: str) -> Mapping[str, Any]:
    """The registry schema as cfn-lint's schema manager serves it (the same patched files)."""
    root = _cfn_schema_dir()
    index = json.loads((root / "providers" / f"{_CFN_REGION}.json").read_text(encoding="utf-8"))
    schema: Mapping[str, Any] = json.loads(
        (root / "resources" / f"{index[type_name]}.json").read_text(encoding="utf-8")
    )
    return schema


def cfn_resource_schema(type_name: str) -> Mapping[str, Any]:
    """The CloudFormation registry schema of a resource type, e.g. ``AWS::CloudWatch::Alarm``."""
    return _cfn_schema(type_name)


def _enum(shape_name: str) -> tuple[str, ...]:
    values = _cloudwatch_model().enum(shape_name)
    if not values:
        raise RuntimeError(f"botocore's cloudwatch model no longer lists values for {shape_name}")
    return values


@cache
def allowed_comparison_operators() -> tuple[str, ...]:
    return _enum("ComparisonOperator")


@cache
def anomaly_band_operators() -> tuple[str, ...]:
    """Operators that compare against an anomaly-detection band rather than a static threshold.

    The model documents these as the ones "used only for alarms based on anomaly detection
    models"; they are exactly the operators naming a band edge (Lower / Upper).
    """
    return tuple(op for op in allowed_comparison_operators() if "Lower" in op or "Upper" in op)


@cache
def static_threshold_operators() -> tuple[str, ...]:
    return tuple(op for op in allowed_comparison_operators() if op not in anomaly_band_operators())


@cache
def alarm_name_max_length() -> int:
    """The longest ``AlarmName`` ``PutMetricAlarm`` accepts (255 in the model)."""
    _, shape = _cloudwatch_model().input_member("PutMetricAlarm", "AlarmName")
    return int(shape["max"])


def cloudwatch_shape(shape_name: str) -> Mapping[str, Any]:
    """A shape of botocore's CloudWatch model as published (``Namespace``: min, max, pattern...)."""
    return _cloudwatch_model().shapes[shape_name]


@cache
def allowed_statistics() -> tuple[str, ...]:
    return _enum("Statistic")


@cache
def allowed_units() -> tuple[str, ...]:
    return _enum("StandardUnit")


@cache
def allowed_treat_missing_data() -> tuple[str, ...]:
    # botocore's TreatMissingData shape is a bare string; the CloudFormation schema carries the enum.
    return tuple(_cfn_schema("AWS::CloudWatch::Alarm")["properties"]["TreatMissingData"]["enum"])


@cache
def allowed_log_retention_days() -> tuple[int, ...]:
    """The ``RetentionInDays`` values CloudWatch Logs accepts (``AWS::Logs::LogGroup`` schema)."""
    return tuple(_cfn_schema("AWS::Logs::LogGroup")["properties"]["RetentionInDays"]["enum"])


@cache
def alarm_period_schema() -> Mapping[str, Any]:
    """cfn-lint's rule for an alarm's ``Period``: 10, 30, 60 or a multiple of 60 (a JSON Schema)."""
    text = (_cfn_schema_dir() / "extensions" / "aws_cloudwatch_alarm" / "period.json").read_text(
        encoding="utf-8"
    )
    schema: Mapping[str, Any] = json.loads(text)["then"]["properties"]["Period"]
    return schema


# --- Extended statistics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtendedStatisticForms:
    """The families of ``ExtendedStatistic`` the cloudwatch model documents for ``PutMetricAlarm``."""

    percentile_prefixes: tuple[str, ...]
    """Short forms followed by a percentile: ``p90``, ``tm90``, ``wm90`` ..."""
    literals: tuple[str, ...]
    """Whole values: ``IQM``."""
    value_ranges: tuple[str, ...]
    """Forms bounded by metric values: ``PR(n:m)``."""
    percent_ranges: tuple[str, ...]
    """Forms bounded by percentiles: ``TM(X%:X%)``."""
    percent_range_bounds: tuple[float, float]
    """The inclusive range the model allows for the ``X`` of a percent range."""


_CODE = re.compile(r"<code>(.*?)</code>", re.DOTALL)
_BOUNDS = re.compile(r"X is between (\d+(?:\.\d+)?) and (\d+(?:\.\d+)?) inclusive")


@cache
def extended_statistic_forms() -> ExtendedStatisticForms:
    """Parsed from the model's documentation of ``PutMetricAlarm.ExtendedStatistic``.

    The model has no pattern for this string; its documentation lists the valid forms as code
    samples, which is the most authoritative machine-readable statement there is.
    """
    member, shape = _cloudwatch_model().input_member("PutMetricAlarm", "ExtendedStatistic")
    doc = str(member.get("documentation") or shape.get("documentation") or "")
    samples = [re.sub(r"<[^>]+>", "", html.unescape(code)).strip() for code in _CODE.findall(doc)]
    prefixes, literals, value_ranges, percent_ranges = [], [], [], []
    for sample in samples:
        if match := re.fullmatch(r"([a-z]+)\d+", sample):
            prefixes.append(match[1])
        elif re.fullmatch(r"[A-Z]+", sample):
            literals.append(sample)
        elif match := re.fullmatch(r"([A-Z]+)\(X%:X%\)", sample):
            percent_ranges.append(match[1])
        elif match := re.fullmatch(r"([A-Z]+)\([a-z]:[a-z]\)", sample):
            value_ranges.append(match[1])
    bounds = _BOUNDS.search(doc)
    if not prefixes or not percent_ranges or bounds is None:
        raise RuntimeError(
            "botocore's documentation of PutMetricAlarm.ExtendedStatistic changed shape; "
            "update infra/catalog/cloudwatch/aws_models.py"
        )
    return ExtendedStatisticForms(
        percentile_prefixes=tuple(dict.fromkeys(prefixes)),
        literals=tuple(dict.fromkeys(literals)),
        value_ranges=tuple(dict.fromkeys(value_ranges)),
        percent_ranges=tuple(dict.fromkeys(percent_ranges)),
        percent_range_bounds=(float(bounds[1]), float(bounds[2])),
    )


_NUMBER = r"\d+(?:\.\d+)?"


@cache
def extended_statistic_pattern() -> str:
    """A regular expression (ECMA and Python compatible) for the syntax of an extended statistic.

    Numeric bounds (a percentile at most 100, the model's range for ``X``) are checked by
    :func:`check_extended_statistic`; a pattern cannot express them readably.
    """
    forms = extended_statistic_forms()
    alternatives = [f"(?:{'|'.join(forms.percentile_prefixes)}){_NUMBER}"]
    alternatives += forms.literals
    if forms.value_ranges:
        alternatives.append(f"(?:{'|'.join(forms.value_ranges)})\\((?:{_NUMBER})?:(?:{_NUMBER})?\\)")
    alternatives.append(f"(?:{'|'.join(forms.percent_ranges)})\\((?:{_NUMBER}%)?:(?:{_NUMBER}%)?\\)")
    return "^(?:" + "|".join(alternatives) + ")$"


def _numbers(value: str) -> list[float]:
    return [float(n) for n in re.findall(_NUMBER, value)]


def _describe(allowed: tuple[Any, ...]) -> str:
    return ", ".join(str(a) for a in allowed)


# --- Checks shared by the catalog models, the renderer and stack overrides -------------------------


def check_comparison_operator(value: str) -> str:
    if value not in allowed_comparison_operators():
        raise ValueError(
            f"{value!r} is not a CloudWatch comparison operator "
            f"(allowed: {_describe(allowed_comparison_operators())})"
        )
    return value


def check_statistic(value: str) -> str:
    if value not in allowed_statistics():
        raise ValueError(
            f"{value!r} is not a CloudWatch statistic (allowed: {_describe(allowed_statistics())}; "
            "percentiles such as p95 go in extended_statistic)"
        )
    return value


def check_extended_statistic(value: str) -> str:
    forms = extended_statistic_forms()
    problem = None
    if not re.fullmatch(extended_statistic_pattern(), value):
        problem = "does not have a form CloudWatch documents"
    elif value.startswith(forms.percentile_prefixes) and _numbers(value)[0] > 100:
        problem = "is a percentile above 100"
    elif value.startswith(forms.percent_ranges):
        low, high = forms.percent_range_bounds
        if any(not low <= n <= high for n in _numbers(value)):
            problem = f"has a bound outside {low:g}%..{high:g}%"
    elif value.startswith(forms.value_ranges):
        numbers = _numbers(value)
        if len(numbers) == 2 and numbers[0] > numbers[1]:
            problem = "has a lower bound above its upper bound"
    if problem:
        shorthand = ", ".join(f"{p}95" for p in forms.percentile_prefixes)
        ranges = ", ".join(f"{r}(10%:90%)" for r in forms.percent_ranges)
        raise ValueError(
            f"extended statistic {value!r} {problem} (valid forms: {shorthand}, "
            f"{_describe(forms.literals)}, {ranges}, PR(n:m))"
        )
    return value


def check_statistic_or_extended(value: str) -> str:
    """A metric query's ``stat`` takes either kind of statistic."""
    if value in allowed_statistics():
        return value
    try:
        return check_extended_statistic(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is neither a CloudWatch statistic ({_describe(allowed_statistics())}) "
            "nor an extended statistic such as p95"
        ) from None


def check_unit(value: str) -> str:
    if value not in allowed_units():
        raise ValueError(f"{value!r} is not a CloudWatch unit (allowed: {_describe(allowed_units())})")
    return value


def check_treat_missing_data(value: str) -> str:
    if value not in allowed_treat_missing_data():
        raise ValueError(
            f"{value!r} is not a treat-missing-data value "
            f"(allowed: {_describe(allowed_treat_missing_data())})"
        )
    return value


def check_period(value: int) -> int:
    if value < 1 or not jsonschema.Draft7Validator(alarm_period_schema()).is_valid(value):
        raise ValueError(f"period {value} is not one CloudWatch accepts: use 10, 30, 60 or a multiple of 60")
    return value


def check_log_retention_days(value: int) -> int:
    if value not in allowed_log_retention_days():
        raise ValueError(
            f"retention {value} days is not one CloudWatch Logs accepts "
            f"(allowed: {_describe(allowed_log_retention_days())})"
        )
    return value


_MAX_EVALUATION_SECONDS = 604_800
_MAX_EVALUATION_SECONDS_SHORT_PERIOD = 86_400
"""PutMetricAlarm's ``Period`` documentation: period x evaluation periods is at most 7 days, and at
most 1 day when the period is under an hour."""


def check_evaluation(period: int, evaluation_periods: int, datapoints_to_alarm: int | None) -> None:
    if datapoints_to_alarm is not None and datapoints_to_alarm > evaluation_periods:
        raise ValueError(
            f"datapoints_to_alarm ({datapoints_to_alarm}) is greater than evaluation_periods "
            f"({evaluation_periods}): an alarm cannot need more breaching datapoints than it evaluates"
        )
    limit = _MAX_EVALUATION_SECONDS_SHORT_PERIOD if period < 3_600 else _MAX_EVALUATION_SECONDS
    if period * evaluation_periods > limit:
        raise ValueError(
            f"period {period}s x evaluation_periods {evaluation_periods} exceeds CloudWatch's "
            f"{limit // 86_400}-day evaluation window"
        )


def check_static_threshold_operator(value: str) -> str:
    check_comparison_operator(value)
    if value not in static_threshold_operators():
        raise ValueError(
            f"{value} compares against an anomaly band; a static threshold uses one of "
            f"{_describe(static_threshold_operators())}"
        )
    return value


def check_band_operator(value: str) -> str:
    check_comparison_operator(value)
    if value not in anomaly_band_operators():
        raise ValueError(
            f"{value} compares against a static threshold; an anomaly alarm compares against its band "
            f"with one of {_describe(anomaly_band_operators())}"
        )
    return value
