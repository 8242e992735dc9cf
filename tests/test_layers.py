"""The architecture's one rule: data flows corpus -> ingest -> kb -> index -> search -> web,
and a package imports only from packages to its left (any import, also inside functions)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["ingest", "kb", "index", "search", "web"]


def imported_packages(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            out.add(node.args[0].value.split(".")[0])
    return out & set(ORDER)


def test_packages_import_only_from_their_left():
    wrong = []
    for i, pkg in enumerate(ORDER):
        allowed = set(ORDER[: i + 1])
        for f in sorted((ROOT / pkg).rglob("*.py")):
            for dep in imported_packages(f) - allowed:
                wrong.append(f"{f.relative_to(ROOT)} imports {dep}")
    assert not wrong, "\n".join(wrong)
