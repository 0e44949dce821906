"""How a configuration value is written in text and Markdown reports.

This module owns one rule: a string is shown bare when a reader cannot take
it for another type, and quoted (as JSON) otherwise; other values are shown
as JSON. ``(absent)`` marks a key that is not there.
"""

from __future__ import annotations

import json
from typing import Any

from migrate.yaml.scalars import plain_is_string

ABSENT = "(absent)"


def show(value: Any, present: bool = True) -> str:
    """``value`` for a person; ``present`` False for an absent key."""
    if not present:
        return ABSENT
    if isinstance(value, str):
        bare = value and value == value.strip() and value.isprintable() and plain_is_string(value)
        return value if bare and value != ABSENT else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def side(record: dict[str, Any], key: str) -> str:
    return show(record.get(key), key in record)
