"""IAM roles (service and IRSA), policies, attachments and OIDC providers."""

from __future__ import annotations

from tests.contract.moto_replay.checks import check_policy_document
from tests.contract.moto_replay.context import Outputs, ResourceContext
from tests.contract.moto_replay.errors import ReplayError
from tests.contract.moto_replay.inputs import Inputs, present, tag_list
from tests.contract.moto_replay.registry import replays


@replays("aws:iam/role:Role")
def role(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    iam = ctx.client("iam")
    name = ctx.name(inputs)
    # moto's CreateRole stores the trust policy unread; AWS parses it.
    trust = check_policy_document(inputs.require("assumeRolePolicy"), "trust", "assumeRolePolicy")
    inputs.provider_only("forceDetachPolicies")
    created = iam.create_role(
        **present(
            RoleName=name,
            AssumeRolePolicyDocument=trust,
            Description=inputs.get("description"),
            MaxSessionDuration=inputs.get("maxSessionDuration"),
            Path=inputs.get("path"),
            PermissionsBoundary=inputs.get("permissionsBoundary"),
            Tags=tag_list(inputs.get("tags")),
        )
    )["Role"]
    for inline in inputs.sections("inlinePolicies"):
        policy_name = inline.require("name")
        document = check_policy_document(inline.require("policy"), "identity", inline.where("policy"))
        iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=document)
    for arn in inputs.get("managedPolicyArns", []):
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return {"id": name, "name": name, "arn": created["Arn"], "uniqueId": created["RoleId"]}


@replays("aws:iam/policy:Policy")
def policy(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = ctx.name(inputs)
    document = check_policy_document(inputs.require("policy"), "identity", "policy")
    inputs.provider_only("delayAfterPolicyCreationInMs")
    created = ctx.client("iam").create_policy(
        **present(
            PolicyName=name,
            PolicyDocument=document,
            Description=inputs.get("description"),
            Path=inputs.get("path"),
            Tags=tag_list(inputs.get("tags")),
        )
    )["Policy"]
    return {"id": created["Arn"], "arn": created["Arn"], "name": name, "policyId": created["PolicyId"]}


@replays("aws:iam/rolePolicy:RolePolicy")
def role_policy(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    role_name = inputs.require("role")
    name = ctx.name(inputs)
    document = check_policy_document(inputs.require("policy"), "identity", "policy")
    ctx.client("iam").put_role_policy(RoleName=role_name, PolicyName=name, PolicyDocument=document)
    return {"id": f"{role_name}:{name}", "name": name}


@replays("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def role_policy_attachment(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    role_name = inputs.require("role")
    arn = inputs.require("policyArn")
    ctx.client("iam").attach_role_policy(RoleName=role_name, PolicyArn=arn)
    return {"id": f"{role_name}/{arn}"}


@replays("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
def open_id_connect_provider(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    url = inputs.require("url")
    if not url.startswith("https://"):
        raise ReplayError(f"input url = {url!r}: an OIDC provider URL must begin with https://")
    arn = ctx.client("iam").create_open_id_connect_provider(
        **present(
            Url=url,
            ClientIDList=inputs.get("clientIdLists"),
            ThumbprintList=inputs.get("thumbprintLists"),
            Tags=tag_list(inputs.get("tags")),
        )
    )["OpenIDConnectProviderArn"]
    return {"id": arn, "arn": arn, "url": url.removeprefix("https://")}
