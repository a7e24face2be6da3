"""Shared test settings: where the project and the shared validators are."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def gateway_examples() -> list[Path]:
    """examples/*/*.yaml that are gateways: a file other specs include has no top-level `gwc:` key."""
    return [p for p in sorted((ROOT / "examples").glob("*/*.yaml"))
            if re.search(r"^gwc:", p.read_text(encoding="utf-8"), re.MULTILINE)]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite the golden files from the current output (review the diff!).")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run should rewrite golden files instead of comparing."""
    return bool(request.config.getoption("--update-golden")) or os.environ.get("GWC_UPDATE_GOLDEN") == "1"
