"""No import cycle among the ``dieuphoi`` modules (``scripts/import_cycles.py``:
lazy imports inside functions count, there is no allow list)."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "import_cycles.py"


def load_script():
    spec = importlib.util.spec_from_file_location("import_cycles", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_module_is_in_an_import_cycle():
    cycles = load_script().find_cycles()
    assert not cycles, "Import cycles (break them; see the script):\n" + "\n".join(
        cycles
    )


def test_the_script_sees_a_lazy_import_as_a_cycle(tmp_path, monkeypatch):
    script = load_script()
    package = tmp_path / "dieuphoi"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("from . import second\n")
    (package / "second.py").write_text("def later():\n    from .first import x\n")
    (package / "third.py").write_text("from .first import second\n")
    monkeypatch.setattr(script, "ROOT", tmp_path)
    assert script.find_cycles() == [
        "cycle of 2 modules: dieuphoi.first, dieuphoi.second\n"
        "    e.g. dieuphoi.first (l.1) -> dieuphoi.second (l.2) -> dieuphoi.first"
    ]
    assert script.main([]) == 1
    assert script.main(["--all"]) == 1
