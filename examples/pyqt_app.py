"""Photo Viewer: a small Qt app (PySide6 or PyQt6, through qtpy) whose premium actions need a
license.

Free: open and view pictures. Licensed: the grayscale filter (any valid license) and export at
4K (the ``export-4k`` feature). Batch export needs ``batch-export``, which this product's
licenses do not include, to show how a missing feature reads. The app checks the license at
startup without blocking the window, and a refused action opens the license dialog.

Try it against a throwaway local licensing server (it prints a license key to enter)::

    python examples/pyqt_app.py --emulator

Or against one started with ``license-guard emulator serve --port 8765``::

    LICENSE_GUARD_PRODUCT_ID=prod_... LICENSE_GUARD_ACCESS_TOKEN=at_... \\
        python examples/pyqt_app.py --emulator-url http://127.0.0.1:8765

Or through the vendor's relay (docs/relay.md), with no access token anywhere in the app::

    LICENSE_GUARD_PRODUCT_ID=prod_... python examples/pyqt_app.py \\
        --relay-url http://127.0.0.1:8780 --public-key relay-key.pub.pem

``--self-test`` runs the app headless and scripted (pyqt_selftest.py): the startup check,
activation in the dialog with a key read from stdin, the gated actions, deactivation, and one JSON
report on stdout (exit 0 when every step finished). The frozen-app check compares this report
with the frozen build's.

``pyqt_app license-guard COMMAND ...`` is the ``license-guard`` command with this app's
settings, so a frozen app can free its seat from an uninstaller: ``PhotoViewer license-guard
release`` (exit codes in docs/cli.md and docs/uninstall.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from license_guard import KeymintBackend, LicenseGuard
from license_guard.config import env_name, load_settings
from license_guard.errors import ConfigurationError, LicenseError, StorageError

APP_ID = "com.example.photoviewer"
# Keymint licenses carry no features of their own: the vendor says what its product unlocks.
FEATURES = frozenset({"export-4k"})
EXPORT_WIDTH = 3840


Ask = Callable[[], Path | None]
"""Asks the user for a file or folder; ``None`` when they cancel."""


@dataclass(frozen=True)
class PremiumActions:
    """The licensed operations. A refused one opens the license dialog and returns ``None``
    before asking the user anything."""

    grayscale: Callable[[Any], Any]
    export_4k: Callable[[Any, Ask], Path | None]
    batch_export: Callable[[Ask], list[Path] | None]


def premium_actions(
    guard: LicenseGuard, on_denied: Callable[[LicenseError], None]
) -> PremiumActions:
    """The premium operations, gated by *guard*; a refusal goes to *on_denied*."""
    from qtpy.QtGui import QImage

    @guard.require(on_denied=on_denied)
    def grayscale(image: QImage) -> QImage:
        return image.convertToFormat(QImage.Format.Format_Grayscale8)

    @guard.require("export-4k", on_denied=on_denied)
    def export_4k(image: QImage, ask_file: Ask) -> Path | None:
        target = ask_file()  # asked only once the license allows the export
        return None if target is None else save_4k(image, target)

    @guard.require("batch-export", on_denied=on_denied)
    def batch_export(ask_folder: Ask) -> list[Path] | None:
        folder = ask_folder()
        if folder is None:
            return None
        pictures = sorted(folder.glob("*.png"))
        return [save_4k(QImage(str(p)), folder / f"{p.stem}-4k.png") for p in pictures]

    return PremiumActions(grayscale, export_4k, batch_export)


def save_4k(image: Any, target: Path) -> Path:
    """Write *image* scaled to 4K width as a PNG at *target*."""
    from qtpy.QtCore import Qt

    scaled = image.scaledToWidth(EXPORT_WIDTH, Qt.TransformationMode.SmoothTransformation)
    if not scaled.save(str(target), "PNG"):
        raise OSError(f"cannot write {target}")
    return target


def sample_image() -> Any:
    """A picture to look at when none was opened: a sunset drawn with QPainter."""
    from qtpy.QtCore import QPointF, QRectF, Qt
    from qtpy.QtGui import QColor, QImage, QLinearGradient, QPainter

    image = QImage(960, 540, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    sky = QLinearGradient(QPointF(0, 0), QPointF(0, 540))
    sky.setColorAt(0.0, QColor("#1e3a8a"))
    sky.setColorAt(0.6, QColor("#f97316"))
    sky.setColorAt(1.0, QColor("#fde68a"))
    painter.fillRect(image.rect(), sky)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#fef3c7"))
    painter.drawEllipse(QRectF(400, 300, 160, 160))
    painter.setBrush(QColor("#0f172a"))
    painter.drawRect(QRectF(0, 420, 960, 120))
    painter.end()
    return image


def build_window(guard: LicenseGuard, *, output_dir: Path | None = None) -> Any:
    """The main window (built here so that Qt is imported only once the app runs)."""
    from qtpy.QtCore import Qt
    from qtpy.QtGui import QAction, QPixmap
    from qtpy.QtWidgets import QFileDialog, QLabel, QMainWindow, QScrollArea

    from license_guard.messages import describe_status
    from license_guard.qt import LicensePrompt, Outcome

    class PhotoViewer(QMainWindow):
        def __init__(self) -> None:
            super().__init__()
            self.setWindowTitle("Photo Viewer")
            self.resize(1000, 640)
            self.guard = guard
            self.output_dir = output_dir  # when set, exports go there without asking
            self.prompt = LicensePrompt(
                guard, self, device_tag=platform.node() or None, title="Photo Viewer license"
            )
            self.prompt.tasks.finished.connect(self._show_license)
            self.premium = premium_actions(guard, self.prompt)
            self.image = sample_image()
            self.last_export: Path | None = None
            self.view = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
            scroll = QScrollArea()
            scroll.setWidget(self.view)
            scroll.setWidgetResizable(True)
            self.setCentralWidget(scroll)
            self.license_label = QLabel("License: checking…")
            self.statusBar().addPermanentWidget(self.license_label)
            self._menus()
            self._show_image()

        def _menus(self) -> None:
            menu = self.menuBar()
            file_menu = menu.addMenu("&File")
            self.open_action = self._action(file_menu, "&Open…", self._open)
            self.export_action = self._action(file_menu, "Export at &4K…", self._export_4k)
            self.batch_action = self._action(file_menu, "&Batch export…", self._batch_export)
            file_menu.addSeparator()
            self._action(file_menu, "&Quit", self.close)
            filters = menu.addMenu("F&ilters")
            self.grayscale_action = self._action(filters, "&Grayscale", self._grayscale)
            help_menu = menu.addMenu("&Help")
            self.license_action = self._action(help_menu, "&License…", self.prompt.show_dialog)

        def _action(self, menu: Any, text: str, slot: Callable[[], object]) -> QAction:
            action = QAction(text, self)
            action.triggered.connect(lambda _checked=False: slot())
            menu.addAction(action)
            return action

        def _show_image(self) -> None:
            self.view.setPixmap(QPixmap.fromImage(self.image))

        def _show_license(self, outcome: Outcome) -> None:
            if outcome.status is not None:
                message = describe_status(outcome.status)
                self.license_label.setText(f"License: {message.title}")
                self.license_label.setToolTip(message.text)

        def _open(self) -> None:
            from qtpy.QtGui import QImage

            name, _ = QFileDialog.getOpenFileName(self, "Open picture", "", "Images (*.png *.jpg)")
            if name:
                self.image = QImage(name)
                self._show_image()

        def _grayscale(self) -> None:
            result = self.premium.grayscale(self.image)
            if result is not None:
                self.image = result
                self._show_image()

        def _export_4k(self) -> None:
            exported = self.premium.export_4k(self.image, self._ask_file)
            if exported is not None:
                self.last_export = exported

        def _batch_export(self) -> None:
            self.premium.batch_export(self._ask_folder)

        def _ask_file(self) -> Path | None:
            if self.output_dir is not None:
                return self.output_dir / "photo-4k.png"
            name, _ = QFileDialog.getSaveFileName(self, "Export at 4K", "", "PNG (*.png)")
            return Path(name) if name else None

        def _ask_folder(self) -> Path | None:
            if self.output_dir is not None:
                return self.output_dir
            folder = QFileDialog.getExistingDirectory(self, "Export every PNG of a folder")
            return Path(folder) if folder else None

    return PhotoViewer()


# -- setup ----------------------------------------------------------------------------------------


@contextmanager
def embedded_emulator() -> Iterator[tuple[str, Mapping[str, str]]]:
    """A throwaway Keymint emulator on 127.0.0.1: its URL and the settings to use it."""
    from license_guard.emulator import Emulator, EmulatorServer

    with tempfile.TemporaryDirectory(prefix="photoviewer-") as folder:
        emulator = Emulator(Path(folder) / "emulator.db")
        try:
            seed = emulator.seed(uses_per_key=2)
            with EmulatorServer(emulator) as server:
                # Flushed: a parent reading this through a pipe (a test, a script) needs the key
                # now, not when the app exits and the buffer finally empties.
                print(
                    f"Local licensing server at {server.url}; license key: {seed.license_key}",
                    flush=True,
                )
                yield (
                    server.url,
                    {
                        "LICENSE_GUARD_PRODUCT_ID": seed.product_id,
                        "LICENSE_GUARD_ACCESS_TOKEN": seed.access_token,
                        "LICENSE_GUARD_DATA_DIR": str(Path(folder) / "lease"),
                    },
                )
        finally:
            emulator.close()


def build_guard(
    environ: Mapping[str, str],
    *,
    base_url: str | None,
    data_dir: str | None,
    relay_url: str | None = None,
    public_key: str | None = None,
) -> LicenseGuard:
    """The app's guard. A real app embeds its product id and either a product-scoped token or
    its vendor's relay URL and public key; this one reads them from LICENSE_GUARD_* variables
    (or the license-guard config file), or takes the relay from ``--relay-url`` and
    ``--public-key`` (a PEM file; several separated by commas), as the ``license-guard``
    command does. Behind a relay the app holds no token at all.

    Raises:
        ConfigurationError: the product id, the token, or the relay's public key is missing.
        StorageError: a public key file cannot be read.
    """
    flags = {
        "app_id": APP_ID,
        "base_url": base_url,
        "data_dir": data_dir,
        "relay_url": relay_url,
        "public_key": public_key,
    }
    settings = load_settings(flags, environ)
    if settings.relay_url:
        product_id, files = settings.need("product_id", "public_key")
        relayed = KeymintBackend(
            product_id=product_id,
            relay_url=settings.relay_url,
            public_keys=[read_text(Path(name.strip())) for name in files.split(",")],
            features=FEATURES,
        )
        return LicenseGuard(app_id=APP_ID, backend=relayed, data_dir=settings.data_dir)
    missing = [
        env_name(name) for name in ("product_id", "access_token") if not getattr(settings, name)
    ]
    if missing:  # say it in this app's terms: it has --emulator, not license-guard's flags
        raise ConfigurationError(
            f"No licensing server is set up ({' and '.join(missing)} not set). Run with "
            "--emulator to try the app against a throwaway local server, or set "
            "LICENSE_GUARD_PRODUCT_ID and LICENSE_GUARD_ACCESS_TOKEN (as license-guard emulator "
            "serve prints them) and give --emulator-url URL."
        )
    product_id, access_token = settings.need("product_id", "access_token")
    backend = KeymintBackend(
        product_id=product_id,
        access_token=access_token,
        base_url=settings.base_url or "https://api.keymint.dev",
        features=FEATURES,
    )
    # No device_id: an override read from a variable or file would let a lease copied from
    # another computer open here.
    return LicenseGuard(app_id=APP_ID, backend=backend, data_dir=settings.data_dir)


def read_text(path: Path) -> str:
    """A public key file's text.

    Raises:
        StorageError: the file cannot be read.
    """
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageError(f"Cannot read the public key file {path}: {exc}.", path=path) from exc


def parse_args(argv: list[str]) -> argparse.Namespace:
    first_paragraph = " ".join((__doc__ or "").split("\n\n")[0].split())
    parser = argparse.ArgumentParser(prog="pyqt_app", description=first_paragraph)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--emulator", action="store_true", help="start a local licensing server")
    where.add_argument("--emulator-url", metavar="URL", help="use a running emulator")
    where.add_argument("--relay-url", metavar="URL", help="use the vendor's relay (no token)")
    parser.add_argument(
        "--public-key", metavar="FILE", help="the relay's public key (PEM); with --relay-url"
    )
    parser.add_argument("--data-dir", metavar="DIR", help="where the license is kept")
    parser.add_argument(
        "--self-test", action="store_true", help="scripted headless run; key on stdin"
    )
    parser.add_argument("--output-dir", metavar="DIR", help="export here without asking")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Start the app (or its self-test) with *environ* as the settings' environment."""
    if args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qtpy.QtWidgets import QApplication

    try:
        guard = build_guard(
            environ,
            base_url=args.emulator_url,
            data_dir=args.data_dir,
            relay_url=args.relay_url,
            public_key=args.public_key,
        )
    except (ConfigurationError, StorageError) as error:
        print(f"pyqt_app: {error}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="photoviewer-out-") as scratch:
        output = Path(args.output_dir) if args.output_dir else None
        if args.self_test and output is None:
            output = Path(scratch)
        window = build_window(guard, output_dir=output)
        try:
            if args.self_test:
                from pyqt_selftest import report

                return report(window, sys.stdin.readline().strip())
            window.show()
            window.prompt.check_at_startup()
            return int(app.exec())
        finally:
            window.prompt.tasks.wait(30_000)
            guard.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    environ: dict[str, str] = {"LICENSE_GUARD_APP_ID": APP_ID, **os.environ}
    if argv[:1] == ["license-guard"]:
        from license_guard.cli import main as license_guard

        return license_guard(argv[1:], environ=environ)
    args = parse_args(argv)
    if not args.emulator:
        return run(args, environ)
    with embedded_emulator() as (url, settings):
        args.emulator_url = url
        return run(args, {**environ, **settings})


if __name__ == "__main__":
    sys.exit(main())
