"""AWS Backup style pagination (MaxResults / NextToken) over an ordered list."""

from __future__ import annotations

import base64
import json
from typing import Any, Sequence

from .exceptions import InvalidParameterValueException

MAX_RESULTS_LIMIT = 1000


def paginate(items: Sequence[Any], max_results: Any, next_token: str | None) -> tuple[list[Any], str | None]:
    """Return one page of ``items`` and the token for the next page (None at the end).

    The token is opaque to clients; a token that was not issued here is refused
    with InvalidParameterValueException, as AWS does.
    """
    start = 0
    if next_token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(next_token.encode()).decode())["offset"])
        except Exception:
            raise InvalidParameterValueException("The next token is not valid.")
    limit = MAX_RESULTS_LIMIT
    if max_results not in (None, ""):
        limit = int(max_results)
        if not 1 <= limit <= MAX_RESULTS_LIMIT:
            raise InvalidParameterValueException(
                f"MaxResults must be between 1 and {MAX_RESULTS_LIMIT}, got {limit}."
            )
    page = list(items[start:start + limit])
    end = start + limit
    token = None
    if end < len(items):
        token = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode()
    return page, token


def query_page(items: Sequence[Any], querystring: dict[str, list[str]]) -> tuple[list[Any], str | None]:
    """Paginate ``items`` by the ``maxResults`` / ``nextToken`` query parameters.

    Those are the wire names AWS Backup's List* operations use. A MaxResults that
    is not an integer is refused with InvalidParameterValueException.
    """
    max_results = (querystring.get("maxResults") or [None])[0]
    next_token = (querystring.get("nextToken") or [None])[0]
    if max_results not in (None, ""):
        try:
            max_results = int(max_results)
        except (TypeError, ValueError):
            raise InvalidParameterValueException(f"MaxResults must be an integer, got {max_results!r}.") from None
    return paginate(items, max_results, next_token)
