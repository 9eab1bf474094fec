"""Promises about the package's shape: no import circles, one home per vendor, a lazy CLI.

The import graph is read from the source (every ``import``, including those under
``TYPE_CHECKING`` and inside functions: a circle that only type checkers follow still ties two
modules together). What a command or a module loads is watched in a fresh interpreter.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "license_guard"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports."""
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in paths else base)
        graph[name] = {target for target in targets if target in paths and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_reader_sees_imports_of_every_kind() -> None:
    graph = import_graph()
    assert "license_guard.errors" in graph["license_guard.guard"]  # top level
    assert "license_guard.hostid" in graph["license_guard.guard"]  # inside a function
    assert "license_guard.policy" in graph["license_guard.refresh"]  # under TYPE_CHECKING
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_package_has_no_import_circles() -> None:
    assert cycles(import_graph()) == []


def test_each_vendor_has_one_home_per_layer() -> None:
    folders = {path.parent.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}
    for vendor in ("keymint", "keygen"):
        homes = sorted(folder for folder in folders if vendor in folder.split("/"))
        # The backend (with Keygen's file formats inside it), the emulator's half, and for
        # Keygen the public alias license_guard.keygen of its formats (a single re-export).
        expected = {f"backends/{vendor}", f"emulator/{vendor}"}
        assert expected <= set(homes)
        assert set(homes) - expected <= {"keygen", "backends/keygen/formats"}
    assert not any("keymint" in path.stem for path in PACKAGE.glob("*.py"))
    alias = (PACKAGE / "keygen").glob("*.py")
    assert [path.name for path in alias] == ["__init__.py"]


def _run_and_list_modules(code: str, tmp_path: Path) -> tuple[list[str], set[str]]:
    """What *code* printed (but the last line), and the modules loaded when it ended."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    *printed, modules = result.stdout.splitlines()
    return printed, set(json.loads(modules))


def _command(argv: list[str]) -> str:
    return (
        "from license_guard.cli import main\n"
        "import contextlib, io\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
        f"    code = main({argv!r}, environ={{'LICENSE_GUARD_ACCESS_TOKEN': 'at_arch'}})\n"
        "print('exit', code)\n"
    )


def _offline_commands(tmp_path: Path) -> Iterator[tuple[str, list[str], int]]:
    settings = ["--app-id", "com.example.arch", "--data-dir", str(tmp_path / "data")]
    keymint = [*settings, "--product-id", "prod_" + "a" * 22]
    yield "fingerprint", ["fingerprint", *settings], 0
    yield "status", ["status", *keymint], 3  # not activated
    yield "release", ["release", *keymint], 0  # no lease here: nothing to tell a server
    # A key no server could accept is refused (exit 4) before a request is built.
    yield "activate", ["activate", "KEY\u00e9", *keymint], 4


@pytest.mark.parametrize("name", ["fingerprint", "status", "release", "activate"])
def test_a_command_loads_nothing_of_the_emulator_the_admin_tools_httpx_or_dataclasses(
    name: str, tmp_path: Path
) -> None:
    argv, exit_code = next((a, c) for n, a, c in _offline_commands(tmp_path) if n == name)
    printed, loaded = _run_and_list_modules(_command(argv), tmp_path)
    assert printed == [f"exit {exit_code}"]  # the command ran to its end
    unwanted = {
        module
        for module in loaded
        if module.startswith(
            ("license_guard.emulator", "license_guard.admin", "license_guard.cli.admin")
        )
        or module.startswith(("httpx", "urllib.request", "license_guard.cli.emulator"))
        # The settings are a Record and the INI reader loads only for a config file (none here).
        or module in ("dataclasses", "inspect", "configparser", "threading")
    }
    assert unwanted == set()


def test_importing_the_host_id_alone_does_not_load_the_guard(tmp_path: Path) -> None:
    _, loaded = _run_and_list_modules("import license_guard.hostid", tmp_path)
    ours = {module for module in loaded if module.startswith("license_guard")}
    assert ours
    assert ours.isdisjoint(
        {
            "license_guard.guard",
            "license_guard.backends",
            "license_guard.store",
            "license_guard.lease",
            "license_guard.gate",
        }
    )


def test_the_package_names_still_resolve_lazily() -> None:
    import license_guard

    for name in license_guard.__all__:
        assert getattr(license_guard, name) is not None
    with pytest.raises(AttributeError):
        license_guard.NoSuchThing  # noqa: B018


def test_the_keygen_backend_and_formats_load_no_dataclasses(tmp_path: Path) -> None:
    # Their values are Records: a Keygen app's start does not pay for dataclasses and inspect.
    _, loaded = _run_and_list_modules(
        "import license_guard.keygen, license_guard.backends.keygen.backend", tmp_path
    )
    assert "license_guard.backends.keygen.formats.dataset" in loaded
    assert loaded.isdisjoint({"dataclasses", "inspect", "threading"})


def test_the_background_refresher_and_the_http_client_load_no_dataclasses(tmp_path: Path) -> None:
    # An app that starts the refresher after its check, or goes online, does not pay for them
    # either (httpx brings inspect, and h11 dataclasses, only once a request is made).
    _, loaded = _run_and_list_modules("import license_guard.refresh, license_guard.http", tmp_path)
    assert loaded.isdisjoint({"dataclasses", "inspect"})
