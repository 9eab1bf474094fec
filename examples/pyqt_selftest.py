"""The scripted, headless run of examples/pyqt_app.py (``--self-test``).

It drives the app's real window and license dialog as a user would: the startup check opens the
dialog, a key typed in activates, the premium actions are triggered, Deactivate frees the seat.
Each step adds what it saw to a JSON report printed on stdout, which tests/freeze compares
between the script and its frozen build.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEP_TIMEOUT_MS = 60_000


def report(window: Any, license_key: str) -> int:
    """Run :func:`self_test` and print its JSON report; 0 when every step finished."""
    import certifi
    import qtpy

    steps: list[dict[str, Any]] = []
    result: dict[str, Any] = {
        "frozen": bool(getattr(sys, "frozen", False)),
        "qt": qtpy.API_NAME,
        # The CA bundle is a data file: a frozen app without it could not reach https servers.
        "ca_bundle": Path(certifi.where()).is_file(),
        "steps": steps,
    }
    code = 0
    try:
        self_test(window, license_key, steps)
    except (TimeoutError, RuntimeError) as problem:
        result["failed"] = str(problem)
        code = 1
    print(json.dumps(result, sort_keys=True))
    return code


def self_test(window: Any, license_key: str, steps: list[dict[str, Any]]) -> None:
    """Drive the real window and dialog like a user would, adding what each step saw to *steps*.

    Raises:
        TimeoutError: a step got no answer. RuntimeError: a step went wrong.
    """
    from license_guard.qt import Operation

    prompt = window.prompt

    startup = _await(prompt.startup_checked, prompt.check_at_startup, what="startup check")
    steps.append({"step": "startup", **_outcome(startup), "dialog": _dialog_open(window)})

    dialog = prompt.dialog
    if dialog is None:
        raise RuntimeError("the startup check did not open the license dialog")
    _settle(dialog)
    dialog.key_edit.setText(license_key)
    activated = _await_operation(dialog, Operation.ACTIVATE, dialog.activate_button.click)
    steps.append({"step": "activate", **_outcome(activated)})
    if activated.error is not None:
        raise RuntimeError(f"activation failed: {activated.error}")

    for name, action in (
        ("grayscale", window.grayscale_action),
        ("export-4k", window.export_action),
        ("batch-export", window.batch_action),
    ):
        steps.append(_gated_step(window, name, action))

    _settle(dialog)
    released = _await_operation(dialog, Operation.RELEASE, dialog.deactivate_button.click)
    steps.append({"step": "release", **_outcome(released), "released": released.released})
    steps.append(_gated_step(window, "export-4k after release", window.export_action))


def _gated_step(window: Any, name: str, action: Any) -> dict[str, Any]:
    dialog = window.prompt.dialog
    if dialog is not None:
        _settle(dialog)
        dialog.clear_notice()
        dialog.hide()
    window.last_export = None
    action.trigger()
    dialog = window.prompt.dialog
    notice = dialog.notice if dialog is not None and dialog.isVisible() else None
    step: dict[str, Any] = {
        "step": name,
        "allowed": not _dialog_open(window),
        "notice": notice.title if notice is not None else None,
    }
    if window.last_export is not None:
        from qtpy.QtGui import QImage

        exported = QImage(str(window.last_export))
        step["exported"] = [exported.width(), exported.height()]
    return step


def _dialog_open(window: Any) -> bool:
    return window.prompt.dialog is not None and window.prompt.dialog.isVisible()


def _outcome(outcome: Any) -> dict[str, Any]:
    status = outcome.status
    return {
        "state": status.state.value if status is not None else None,
        "error": type(outcome.error).__name__ if outcome.error is not None else None,
        "features": sorted(status.features) if status is not None else [],
    }


def _await(
    signal: Any, start: Callable[[], object], accept: Callable[[Any], bool] = bool, *, what: str
) -> Any:
    """Start something and run the event loop until *signal* brings a value *accept* takes."""
    from qtpy.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    received: list[Any] = []

    def take(value: Any) -> None:
        if accept(value):
            received.append(value)
            loop.quit()

    signal.connect(take)
    QTimer.singleShot(STEP_TIMEOUT_MS, loop.quit)
    start()
    if not received:
        loop.exec()
    signal.disconnect(take)
    if not received:
        raise TimeoutError(f"{what}: no answer within {STEP_TIMEOUT_MS / 1000:g} s")
    return received[0]


def _await_operation(dialog: Any, operation: Any, start: Callable[[], object]) -> Any:
    return _await(
        dialog.operation_finished,
        start,
        lambda outcome: outcome.operation is operation,
        what=operation.value,
    )


def _settle(dialog: Any) -> None:
    """Wait until the dialog has no guard call running (it reads the status when shown)."""
    if dialog.busy:
        _await(dialog.tasks.busy_changed, lambda: None, lambda busy: not busy, what="status")
