"""Where a button opens the Mini App: its public address, with the view and the dates to
open on (a pushed report opens its own period's chart). Telegram appends the signed launch
data after `#`, so only the query is ours."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode, urlsplit, urlunsplit


def launch_url(
    base: str, *, view: str | None = None, first: date | None = None, last: date | None = None
) -> str:
    """`base` with `view`, `from` and `to` (inclusive days) in its query."""
    parts = urlsplit(base)
    wanted = {
        "view": view,
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
    }
    extra = urlencode({k: v for k, v in wanted.items() if v is not None})
    query = "&".join(q for q in (parts.query, extra) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
