"""S3, IAM (service and IRSA roles) and Kinesis Data Firehose resources of the fixture program."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from fx_policies import REGION, TAGS, policy, trust


def declare(key: aws.kms.Key, group: aws.cloudwatch.LogGroup) -> None:
    # S3 ------------------------------------------------------------------------------------------------
    bucket = aws.s3.Bucket("fx-bucket", bucket="fx-log-backup-0123", force_destroy=False, tags=TAGS)
    aws.s3.BucketPublicAccessBlock(
        "fx-bucket-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    aws.s3.BucketVersioning(
        "fx-bucket-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        "fx-bucket-encryption",
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": key.arn,
                },
                "bucket_key_enabled": True,
            }
        ],
    )
    aws.s3.BucketLifecycleConfiguration(
        "fx-bucket-lifecycle",
        bucket=bucket.id,
        rules=[
            {
                "id": "expire-failed",
                "status": "Enabled",
                "filter": {"prefix": "failed/"},
                "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}],
                "expiration": {"days": 90},
                "noncurrent_version_expiration": {"noncurrent_days": 7},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
            }
        ],
    )
    aws.s3.BucketPolicy(
        "fx-bucket-policy",
        bucket=bucket.id,
        policy=bucket.arn.apply(
            lambda arn: policy(
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [arn, f"{arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            )
        ),
    )
    aws.s3.BucketOwnershipControls(
        "fx-bucket-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}
    )

    legacy_bucket = aws.s3.BucketV2("fx-bucket-v2", bucket_prefix="fx-v2-")
    aws.s3.BucketVersioningV2(
        "fx-bucket-v2-versioning", bucket=legacy_bucket.id, versioning_configuration={"status": "Suspended"}
    )
    aws.s3.BucketServerSideEncryptionConfigurationV2(
        "fx-bucket-v2-encryption",
        bucket=legacy_bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
    )
    aws.s3.BucketLifecycleConfigurationV2(
        "fx-bucket-v2-lifecycle",
        bucket=legacy_bucket.id,
        rules=[
            {
                "id": "scratch",
                "status": "Enabled",
                "filter": {"and_": {"prefix": "tmp/", "tags": {"class": "scratch"}}},
                "expiration": {"days": 1},
            }
        ],
    )

    # IAM -----------------------------------------------------------------------------------------------
    firehose_role = aws.iam.Role(
        "fx-firehose-role",
        name="fx-firehose",
        assume_role_policy=trust("firehose.amazonaws.com"),
        inline_policies=[
            {
                "name": "write-delivery-logs",
                "policy": policy({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}),
            }
        ],
        tags=TAGS,
    )
    delivery = aws.iam.Policy(
        "fx-delivery-policy",
        name="fx-delivery",
        description="Firehose writes failed records to the backup bucket",
        policy=pulumi.Output.all(bucket.arn, key.arn).apply(
            lambda arns: policy(
                {
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:GetBucketLocation"],
                    "Resource": [arns[0], f"{arns[0]}/*"],
                },
                {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": arns[1]},
            )
        ),
    )
    aws.iam.RolePolicyAttachment("fx-delivery-attachment", role=firehose_role.name, policy_arn=delivery.arn)
    aws.iam.RolePolicy(
        "fx-firehose-role-policy",
        name="read-key",
        role=firehose_role.name,
        policy=key.arn.apply(
            lambda arn: policy({"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": arn})
        ),
    )
    ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    oidc = aws.iam.OpenIdConnectProvider(
        "fx-oidc",
        url=f"https://{ISSUER}",
        client_id_lists=["sts.amazonaws.com"],
        thumbprint_lists=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )
    irsa = aws.iam.Role(
        "fx-irsa-role",
        name="fx-cloudwatch-agent",
        assume_role_policy=oidc.arn.apply(
            lambda arn: policy(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{ISSUER}:sub": "system:serviceaccount:monitoring:cloudwatch-agent",
                            f"{ISSUER}:aud": "sts.amazonaws.com",
                        }
                    },
                }
            )
        ),
    )
    aws.iam.RolePolicyAttachment(
        "fx-irsa-managed-policy",
        role=irsa.name,
        policy_arn="arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    )
    subscription_role = aws.iam.Role(
        "fx-subscription-role", assume_role_policy=trust(f"logs.{REGION}.amazonaws.com")
    )

    # Kinesis Data Firehose -----------------------------------------------------------------------------
    backup: aws.kinesis.FirehoseDeliveryStreamHttpEndpointConfigurationS3ConfigurationArgsDict = {
        "role_arn": firehose_role.arn,
        "bucket_arn": bucket.arn,
        "prefix": "failed/",
        "error_output_prefix": "errors/!{firehose:error-output-type}/",
        "compression_format": "GZIP",
        "kms_key_arn": key.arn,
        "buffering_size": 5,
        "buffering_interval": 300,
    }
    aws.kinesis.FirehoseDeliveryStream(
        "fx-stream-s3",
        name="fx-to-s3",
        destination="extended_s3",
        extended_s3_configuration={
            **backup,
            "prefix": "logs/",
            "cloudwatch_logging_options": {
                "enabled": True,
                "log_group_name": group.name,
                "log_stream_name": "delivery",
            },
            "processing_configuration": {
                "enabled": True,
                "processors": [
                    {
                        "type": "Decompression",
                        "parameters": [{"parameter_name": "CompressionFormat", "parameter_value": "GZIP"}],
                    }
                ],
            },
            "s3_backup_mode": "Enabled",
            "s3_backup_configuration": {"role_arn": firehose_role.arn, "bucket_arn": legacy_bucket.arn},
        },
        server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": key.arn},
        tags=TAGS,
    )
    to_datadog = aws.kinesis.FirehoseDeliveryStream(
        "fx-stream-datadog",
        name="fx-to-datadog",
        destination="http_endpoint",
        http_endpoint_configuration={
            "url": "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input",
            "name": "Datadog",
            "access_key": pulumi.Output.secret("0123456789abcdef0123456789abcdef"),
            "role_arn": firehose_role.arn,
            "buffering_size": 4,
            "buffering_interval": 60,
            "retry_duration": 7200,
            "s3_backup_mode": "FailedDataOnly",
            "s3_configuration": backup,
            "request_configuration": {
                "content_encoding": "GZIP",
                "common_attributes": [{"name": "env", "value": "fx"}],
            },
        },
    )
    aws.kinesis.FirehoseDeliveryStream(
        "fx-stream-opensearch",
        name="fx-to-opensearch",
        destination="opensearch",
        opensearch_configuration={
            "domain_arn": "arn:aws:es:us-east-1:111122223333:domain/fx-logs",
            "index_name": "fx-logs",
            "index_rotation_period": "OneDay",
            "role_arn": firehose_role.arn,
            "retry_duration": 300,
            "s3_backup_mode": "FailedDocumentsOnly",
            "s3_configuration": backup,
        },
    )
    aws.cloudwatch.LogSubscriptionFilter(
        "fx-subscription",
        name="fx-forward",
        log_group=group.name,
        filter_pattern="",
        destination_arn=to_datadog.arn,
        role_arn=subscription_role.arn,
        distribution="ByLogStream",
    )
