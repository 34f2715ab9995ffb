"""The Pulumi program: `pulumi up` and `obsctl plan` both run exactly this."""

from infra.stack import main

main()
