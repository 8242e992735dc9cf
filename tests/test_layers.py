"""The architecture's rules, checked on the source (any import, also inside functions):

* data flows corpus -> ingest -> kb -> index -> search -> web; a package imports only from
  packages to its left;
* no import cycles between modules;
* web/routes/*: a route module imports no other route module and nothing of web/cli;
* no SQL (`.execute(`) in web/ outside the runtime services module (web/services.py);
* no `importlib` / `__import__` seams in the packages: modules are imported directly;
* no private name (`_x`) imported from another module;
* no module over 500 lines.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["ingest", "kb", "index", "search", "web"]
MAX_LINES = 500
SQL_ALLOWED = {"web/services.py"}
# Cycles whose removal is under way on another branch (issue 9, search): delete the entry when it is merged.
PENDING_CYCLES: dict[str, str] = {}


def modules() -> dict[str, Path]:
    """module name -> file, for every module of the packages."""
    out = {}
    for pkg in ORDER:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(f.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = f
    return out


MODULES = modules()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def imports_of(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, imported names) for each import in the file, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            out.append((base, [a.name for a in node.names]))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            out.append((node.args[0].value, []))
    return out


def imported_modules(name: str, path: Path) -> set[str]:
    """The project modules a module imports (`from pkg import mod` counts as importing pkg.mod)."""
    out = set()
    for mod, names in imports_of(name, path):
        submodules = {f"{mod}.{n}" for n in names if f"{mod}.{n}" in MODULES}
        out |= submodules
        if mod in MODULES and (not names or len(submodules) < len(names)):
            out.add(mod)
    return out - {name}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_packages_import_only_from_their_left():
    wrong = []
    for name, f in MODULES.items():
        allowed = set(ORDER[: ORDER.index(name.split(".")[0]) + 1])
        for mod, _ in imports_of(name, f):
            top = mod.split(".")[0]
            if top in ORDER and top not in allowed:
                wrong.append(f"{rel(f)} imports {mod}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles_between_modules():
    graph = {name: imported_modules(name, f) for name, f in MODULES.items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == "open":
                cycles.append(" -> ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert set(cycles) <= set(PENDING_CYCLES), "\n".join(c for c in cycles if c not in PENDING_CYCLES)


def test_route_modules_import_no_other_route_module_and_no_cli():
    wrong = []
    for name, f in MODULES.items():
        if not name.startswith("web.routes.") or f.name == "__init__.py":
            continue
        for dep in imported_modules(name, f):
            if dep.startswith("web.cli") or (dep.startswith("web.routes") and dep not in ("web.routes",
                                                                                           "web.routes.beheer")):
                wrong.append(f"{rel(f)} imports {dep}")
    assert not wrong, "\n".join(wrong)


def test_no_sql_in_web_outside_the_services_module():
    wrong = []
    for name, f in MODULES.items():
        if name.startswith("web") and rel(f) not in SQL_ALLOWED:
            for node in ast.walk(_tree(f)):
                if isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany", "executescript"):
                    wrong.append(f"{rel(f)}:{node.lineno}")
    assert not wrong, "SQL belongs in kb/ (or index/, search/):\n" + "\n".join(wrong)


def test_no_importlib_or_dunder_import_in_the_packages():
    wrong = []
    for name, f in MODULES.items():
        for mod, _ in imports_of(name, f):
            if mod.split(".")[0] == "importlib":
                wrong.append(f"{rel(f)} imports {mod}")
        for node in ast.walk(_tree(f)):
            if isinstance(node, ast.Name) and node.id == "__import__":
                wrong.append(f"{rel(f)}:{node.lineno} uses __import__")
    assert not wrong, "\n".join(wrong)


def test_no_private_name_is_imported_from_another_module():
    wrong = []
    for name, f in MODULES.items():
        for mod, names in imports_of(name, f):
            if mod.split(".")[0] in ORDER:
                wrong += [f"{rel(f)} imports {mod}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    assert not wrong, "\n".join(wrong)


def test_no_module_over_500_lines():
    long = [f"{rel(f)}: {n} lines" for f in MODULES.values()
            if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, "split these modules:\n" + "\n".join(long)
