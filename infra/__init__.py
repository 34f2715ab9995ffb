"""Observability-as-code: the Pulumi program that declares the platform."""
