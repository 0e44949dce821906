"""The package metadata in pyproject.toml, in forms setuptools reads without a warning."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_license_is_an_spdx_expression() -> None:
    # A TOML table here is deprecated: setuptools warns about it on every build.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert config["project"]["license"] == "Apache-2.0"
    # The SPDX string form needs setuptools 77 or newer (PEP 639).
    requires = " ".join(config["build-system"]["requires"])
    version = re.search(r"setuptools>=(\d+)", requires)
    assert version and int(version.group(1)) >= 77
