"""The shape of the code, checked: short functions, nothing read at import, tests and benchmarks apart,
and the architecture drawing in docs/architecture.md as the imports are today."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FUNCTION_LINES = 80


def _python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_no_function_of_the_app_is_longer_than_80_lines() -> None:
    long = []
    for path in [*_python_files("index_tts"), ROOT / "webui.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


def test_nothing_reads_a_setting_or_exits_at_import() -> None:
    """Every module imports with settings that are all wrong; the settings object is where they are refused."""
    script = (
        "import importlib, pkgutil, index_tts\n"
        "names = [m.name for m in pkgutil.walk_packages(index_tts.__path__, 'index_tts.')]\n"
        "for name in names:\n"
        "    if not name.endswith(('.__main__', '.indextts2.batch')):  # batch needs torch; __main__ runs the CLI\n"
        "        importlib.import_module(name)\n"
        "from index_tts.common.settings import Settings\n"
        "try:\n"
        "    Settings()\n"
        "except Exception as exc:\n"
        "    print('refused:', sorted(e['loc'][0] for e in exc.errors()))\n"
        "print('imported', len(names))\n"
    )
    bad = {"INDEX_TTS_MAX_TEXT_CHARS": "lots", "INDEX_TTS_KEEP_DAYS": "-1", "INDEX_TTS_WORKERS": "0", "INDEX_TTS_PORT": "x"}
    env = {**_clean_env(), **bad}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused: ['keep_days', 'max_text_chars', 'port', 'workers']" in done.stdout, done.stdout
    assert int(done.stdout.split("imported ")[-1]) > 80


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("INDEX_TTS_")}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _edits_sys_path(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        target = node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
        if isinstance(node, ast.Assign):
            target = next((t.value for t in node.targets if isinstance(t, ast.Subscript)), None)
        if isinstance(target, ast.Attribute) and target.attr == "path" and getattr(target.value, "id", "") == "sys":
            return True
    return False


def test_tests_and_benchmarks_share_helpers_through_testkit_only() -> None:
    tests, bench, kit = _python_files("tests"), _python_files("bench"), _python_files("testkit")
    assert [p.name for p in tests if "bench" in _imports(p)] == []
    assert [p.name for p in bench if _imports(p) & {"tests", "conftest", "app_process", "burst"}] == []
    assert [p.name for p in kit if _imports(p) & {"tests", "bench", "conftest"}] == []
    assert [str(p.relative_to(ROOT)) for p in [*tests, *bench, *kit] if _edits_sys_path(p)] == []
    assert (ROOT / "bench" / "__init__.py").exists() and (ROOT / "testkit" / "__init__.py").exists()


def test_the_architecture_drawing_is_the_code_as_it_is() -> None:
    """docs/architecture.md holds the drawing scripts/draw_architecture.py makes from today's imports."""
    done = subprocess.run(
        [sys.executable, "scripts/draw_architecture.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
