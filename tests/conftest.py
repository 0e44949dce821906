"""Settings shared by the whole suite.

Property tests draw new examples on every run where they are developed; in
CI (``CI=true``) Hypothesis derives its examples from each test instead, so
that a run of the same commit is the same run, and a counterexample found
while developing is kept in the test as an ``@example``.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").strip().lower() in {"true", "1"}:
    settings.load_profile("ci")
