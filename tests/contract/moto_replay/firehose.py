"""Kinesis Data Firehose delivery streams: extended S3, HTTP endpoint (Datadog) and OpenSearch.

Pulumi flattens several API structures (``bufferingSize`` for ``BufferingHints.SizeInMBs``,
``url`` for ``EndpointConfiguration.Url``, ``kmsKeyArn`` for ``EncryptionConfiguration``), so each
destination is mapped by hand; regular blocks go through the model-guided conversion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError
from botocore.model import StructureShape

from tests.contract.moto_replay.context import Outputs, ResourceContext
from tests.contract.moto_replay.errors import ReplayError
from tests.contract.moto_replay.inputs import Inputs, present, tag_list
from tests.contract.moto_replay.registry import replays

Builder = Callable[[Inputs, StructureShape], dict[str, Any]]


def _buffering(section: Inputs) -> dict[str, Any] | None:
    return (
        present(SizeInMBs=section.get("bufferingSize"), IntervalInSeconds=section.get("bufferingInterval"))
        or None
    )


def _retry(section: Inputs) -> dict[str, Any] | None:
    duration = section.get("retryDuration")
    return None if duration is None else {"DurationInSeconds": duration}


def _logging(section: Inputs) -> dict[str, Any] | None:
    options = section.section("cloudwatchLoggingOptions")
    return (
        present(
            Enabled=options.get("enabled"),
            LogGroupName=options.get("logGroupName"),
            LogStreamName=options.get("logStreamName"),
        )
        or None
    )


def _s3(section: Inputs) -> dict[str, Any]:
    """An S3DestinationConfiguration: a backup bucket, or the base of an extended S3 destination."""
    kms_key = section.get("kmsKeyArn")
    return present(
        RoleARN=section.require("roleArn"),
        BucketARN=section.require("bucketArn"),
        Prefix=section.get("prefix"),
        ErrorOutputPrefix=section.get("errorOutputPrefix"),
        BufferingHints=_buffering(section),
        CompressionFormat=section.get("compressionFormat"),
        EncryptionConfiguration=None
        if kms_key is None
        else {"KMSEncryptionConfig": {"AWSKMSKeyARN": kms_key}},
        CloudWatchLoggingOptions=_logging(section),
    )


def _extended_s3(section: Inputs, shape: StructureShape) -> dict[str, Any]:
    backup = section.section("s3BackupConfiguration") if section.has("s3BackupConfiguration") else None
    return present(
        **_s3(section),
        S3BackupMode=section.get("s3BackupMode"),
        S3BackupConfiguration=None if backup is None else _s3(backup),
        ProcessingConfiguration=section.convert(
            "processingConfiguration", shape.members["ProcessingConfiguration"]
        ),
        DynamicPartitioningConfiguration=_dynamic_partitioning(section),
        DataFormatConversionConfiguration=section.convert(
            "dataFormatConversionConfiguration", shape.members["DataFormatConversionConfiguration"]
        ),
        CustomTimeZone=section.get("customTimeZone"),
        FileExtension=section.get("fileExtension"),
    )


def _dynamic_partitioning(section: Inputs) -> dict[str, Any] | None:
    if not section.has("dynamicPartitioningConfiguration"):
        return None
    partitioning = section.section("dynamicPartitioningConfiguration")
    return present(Enabled=partitioning.get("enabled"), RetryOptions=_retry(partitioning))


def _http_endpoint(section: Inputs, shape: StructureShape) -> dict[str, Any]:
    request = section.section("requestConfiguration")
    attributes = [
        {"AttributeName": a.require("name"), "AttributeValue": a.require("value")}
        for a in request.sections("commonAttributes")
    ]
    return present(
        EndpointConfiguration=present(
            Url=section.require("url"), Name=section.get("name"), AccessKey=section.get("accessKey")
        ),
        RequestConfiguration=present(
            ContentEncoding=request.get("contentEncoding"), CommonAttributes=attributes
        ),
        RoleARN=section.get("roleArn"),
        BufferingHints=_buffering(section),
        RetryOptions=_retry(section),
        S3BackupMode=section.get("s3BackupMode"),
        S3Configuration=_s3(section.section("s3Configuration")),
        CloudWatchLoggingOptions=_logging(section),
        ProcessingConfiguration=section.convert(
            "processingConfiguration", shape.members["ProcessingConfiguration"]
        ),
        SecretsManagerConfiguration=section.convert(
            "secretsManagerConfiguration", shape.members["SecretsManagerConfiguration"]
        ),
    )


def _opensearch(section: Inputs, shape: StructureShape) -> dict[str, Any]:
    return present(
        RoleARN=section.require("roleArn"),
        DomainARN=section.get("domainArn"),
        ClusterEndpoint=section.get("clusterEndpoint"),
        IndexName=section.require("indexName"),
        TypeName=section.get("typeName"),
        IndexRotationPeriod=section.get("indexRotationPeriod"),
        BufferingHints=_buffering(section),
        RetryOptions=_retry(section),
        S3BackupMode=section.get("s3BackupMode"),
        S3Configuration=_s3(section.section("s3Configuration")),
        CloudWatchLoggingOptions=_logging(section),
        ProcessingConfiguration=section.convert(
            "processingConfiguration", shape.members["ProcessingConfiguration"]
        ),
        VpcConfiguration=section.convert("vpcConfig", shape.members["VpcConfiguration"]),
        DocumentIdOptions=section.convert("documentIdOptions", shape.members["DocumentIdOptions"]),
    )


DESTINATIONS: dict[str, tuple[str, str, Builder]] = {
    "extended_s3": ("extendedS3Configuration", "ExtendedS3DestinationConfiguration", _extended_s3),
    "http_endpoint": ("httpEndpointConfiguration", "HttpEndpointDestinationConfiguration", _http_endpoint),
    "opensearch": ("opensearchConfiguration", "AmazonopensearchserviceDestinationConfiguration", _opensearch),
}
"""Pulumi ``destination`` -> (its Pulumi block, the API member, the mapping)."""

MOTO_LACKS = {"opensearch"}
"""moto drops an OpenSearch Service destination and then refuses the stream as having none."""


@replays("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
def delivery_stream(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    firehose = ctx.client("firehose")
    name = ctx.name(inputs)
    destination = inputs.require("destination")
    if destination not in DESTINATIONS:
        raise ReplayError(
            f"input destination = {destination!r} has no mapping (known: {', '.join(DESTINATIONS)})"
        )
    block, member, build = DESTINATIONS[destination]
    shape = firehose.meta.service_model.operation_model("CreateDeliveryStream").input_shape
    configuration = build(inputs.section(block), shape.members[member])
    source = inputs.section("kinesisSourceConfiguration")
    encryption = inputs.section("serverSideEncryption")
    params = present(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource" if source.has("kinesisStreamArn") else "DirectPut",
        KinesisStreamSourceConfiguration=present(
            KinesisStreamARN=source.get("kinesisStreamArn"), RoleARN=source.get("roleArn")
        ),
        DeliveryStreamEncryptionConfigurationInput=(
            present(KeyType=encryption.get("keyType", "AWS_OWNED_CMK"), KeyARN=encryption.get("keyArn"))
            if encryption.get("enabled", False)
            else None
        ),
        Tags=tag_list(inputs.get("tags")),
        **{member: configuration},
    )
    _require_references(ctx, configuration)
    if destination in MOTO_LACKS:
        ctx.validate_only(
            "firehose",
            "CreateDeliveryStream",
            params,
            f"moto does not implement {member}; the request is checked against the service model and the "
            "stream is registered in moto with its S3 backup as destination, so subscriptions can reach it",
        )
        del params[member]
        params["ExtendedS3DestinationConfiguration"] = configuration["S3Configuration"]
    arn = firehose.create_delivery_stream(**params)["DeliveryStreamARN"]
    return {"id": arn, "arn": arn, "name": name}


def _require_references(ctx: ResourceContext, configuration: dict[str, Any]) -> None:
    """The roles and buckets of this account the stream names exist: AWS assumes and probes them."""
    for key, arn in _arns(configuration):
        account = arn.split(":")[4] if arn.count(":") >= 5 else ""
        try:
            if key == "BucketARN":
                ctx.client("s3").head_bucket(Bucket=arn.split(":::", 1)[-1])
            elif key == "RoleARN" and account == ctx.account_id:
                ctx.client("iam").get_role(RoleName=arn.rsplit("/", 1)[-1])
        except ClientError:
            raise ReplayError(f"{key} {arn} does not exist") from None


def _arns(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("BucketARN", "RoleARN") and isinstance(item, str):
                yield key, item
            else:
                yield from _arns(item)
