"""The summary line says what it counts: workloads by status, findings by severity."""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from migrate.report import markdown, summary
from tests.report.test_render import seed_report

SEED = seed_report()


def with_counts(errors: int, found: dict[str, int], ignored: int = 0) -> dict[str, Any]:
    data = copy.deepcopy(SEED)
    data["summary"].update(errors=errors, findings=found, ignored={"x": ignored} if ignored else {})
    return data


def test_workloads_in_error_and_error_findings_read_apart() -> None:
    line = summary.summary_line(with_counts(1, {"error": 1, "warning": 2, "info": 0}))
    assert line == (
        "1 Llama Stack workload in 1 document: 1 to migrate, 0 already migrated, "
        "1 workload in error; 3 findings: 1 error, 2 warnings, 0 info"
    )


_COUNT = st.integers(min_value=0, max_value=3)


@given(errors=_COUNT, error=_COUNT, warning=_COUNT, info=_COUNT, ignored=_COUNT)
def test_every_count_names_what_it_counts_in_its_number(
    errors: int, error: int, warning: int, info: int, ignored: int
) -> None:
    found = {"error": error, "warning": warning, "info": info}
    data = with_counts(errors, found, ignored)

    def noun(count: int, word: str) -> str:
        return f"{count} {word}" if count == 1 else f"{count} {word}s"

    expected = (
        f"{noun(errors, 'workload')} in error; {noun(error + warning + info, 'finding')}: "
        f"{noun(error, 'error')}, {noun(warning, 'warning')}, {info} info"
    )
    line = summary.summary_line(data)
    assert expected in line
    assert line.endswith(f" ({ignored} ignored)" if ignored else f"{info} info")
    # A bare "N errors" no longer stands for workloads: each count is followed by its noun.
    assert not re.search(r"\d+ errors?;", line)
    # The Markdown report's summary says the same, in sentences.
    head = markdown.render(data).split("\n\n")[2]
    assert expected.replace("; ", ". ") in head
