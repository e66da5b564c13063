"""DynamoDB where moto differs from AWS in ways our collection meets."""

from __future__ import annotations


def install() -> None:
    """Patch moto's DynamoDB backend/responses (TableId, RestoreSummary, BatchWriteItem limits)."""
