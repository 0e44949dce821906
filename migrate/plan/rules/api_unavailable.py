"""The API server answered a list with 5xx (or 429), or did not answer within
`--timeout`, and kept doing so through the bounded retries (3, with
backoff from 0.2 s). What that list would have held is missing from the
report.

**Do:** scan again; raise `--timeout` for a slow server. A cluster that
cannot be reached at all, or that rejects the credentials, stops the run
with exit code 3 instead.
"""

from __future__ import annotations

from migrate.model import Severity

ID = "api-unavailable"
SEVERITY = Severity.ERROR
TITLE = "the API server failed or timed out, after retries"
