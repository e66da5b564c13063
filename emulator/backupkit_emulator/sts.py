"""STS AssumeRole as AWS does it: the role must exist and trust the caller."""

from __future__ import annotations


def install() -> None:
    """Patch moto's STS AssumeRole."""
