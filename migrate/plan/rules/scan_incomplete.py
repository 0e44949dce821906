"""`migrate scan` stopped before it read everything: the `--deadline` passed,
or the scan was interrupted (Ctrl-C). Each list or Helm release not read to
its end is one finding, with the namespace it was in (`scan[].faults`);
what was read before is planned, reported and written as usual, and what
was not is missing from the report. A Helm release whose values or history
were not read gets the findings of one that cannot be read
(`helm-release-unreadable`, `release-history-incomplete`) too. A context
that gave nothing at all in time ends the run with exit code 3; Ctrl-C
with exit code 130.

**Do:** scan again with a longer `--deadline` (or none), or scan the
contexts and namespaces that were cut on their own (`--context`, `-n`).
"""

from __future__ import annotations

from migrate.model import Severity

ID = "scan-incomplete"
SEVERITY = Severity.ERROR
TITLE = "the scan stopped (deadline or Ctrl-C) before reading everything"
