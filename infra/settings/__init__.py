"""Typed sections of a stack's ``observability:*`` config, one module per concern.

``infra.config`` reads the stack's config and composes these sections into :class:`infra.config.Settings`.
"""
