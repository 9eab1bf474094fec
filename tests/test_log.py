"""Lazy loggers: nothing imported until a message, then the standard loggers, silent by default."""

from __future__ import annotations

import subprocess
import sys

import pytest

from license_guard._log import get_logger


def test_messages_reach_the_standard_logger_with_the_callers_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="license_guard")
    log = get_logger("license_guard.test")
    log.info("seat %s", "freed")
    record = caplog.records[-1]
    assert (record.name, record.getMessage()) == ("license_guard.test", "seat freed")
    assert record.filename == "test_log.py"


def test_logging_is_imported_on_the_first_message_and_stays_silent() -> None:
    probe = (
        "import sys\n"
        "from license_guard._log import get_logger\n"
        "log = get_logger('license_guard.probe')\n"
        "before = 'logging' in sys.modules\n"
        "log.warning('nobody configured logging, so this is not printed')\n"
        "import logging\n"
        "handlers = logging.getLogger('license_guard').handlers\n"
        "print(before, [type(h).__name__ for h in handlers])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False ['NullHandler']"
    assert result.stderr == ""
