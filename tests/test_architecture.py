"""The rooms of the code, checked from the source (docs/architecture.md draws them):

* no import loop among the project's modules, counting imports inside functions too;
* imports of the project's own modules sit at the top of a module, except in the two entry
  points (the CLI and the clustering worker), which import what a command needs;
* `stations/` is pure: no web framework, no database, no sockets, nothing from `gallery`;
* the web pages (`gallery/web`) and the socket events (`gallery/live`) do not import each
  other: both go through `gallery/actions`;
* no module over 450 lines;
* other libraries' private attributes are used in `gallery/adapters.py` only.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gallery", "stations")
ENTRY_POINTS = {"gallery.cli", "gallery.clustering.worker"}
FRAMEWORKS = ("flask", "flask_socketio", "flask_limiter", "flask_babel", "peewee", "playhouse",
              "socketio", "engineio", "werkzeug", "redis", "gallery")  # fmt: skip
MAX_LINES = 450
ADAPTER = "gallery.adapters"
# Underscore names that their libraries document for use: peewee's model metadata
# (`Model._meta`), Werkzeug's proxied object, and namedtuple's methods.
DOCUMENTED = {"_meta", "_get_current_object", "_replace", "_asdict", "_fields", "_make"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = (path, ast.parse(path.read_text(), str(path)))
    return found


SOURCES = _sources()


def _is_package(module: str) -> bool:
    return SOURCES[module][0].name == "__init__.py"


def _imports(module: str, tree: ast.Module) -> Iterator[tuple[str, ast.stmt, bool]]:
    """(imported module, statement, at module level) for every import in `tree`; `from a
    import b` counts as importing `a.b` when that is a module, else `a`."""
    top = {id(node) for node in tree.body}
    top |= {id(n) for node in tree.body if isinstance(node, ast.If) for n in node.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module if _is_package(module) else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = ".".join(p for p in (package, node.module or "") if p)
            else:
                base = node.module or ""
            for alias in node.names:
                target = f"{base}.{alias.name}"
                yield (target if target in SOURCES else base), node, id(node) in top


def _own(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in SOURCES}
    for module, (_, tree) in SOURCES.items():
        for target, _, _ in _imports(module, tree):
            if _own(target) and target != module:
                graph[module].add(target)
    return graph


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    loops = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return loops


def test_the_graph_sees_the_rooms():
    """Guards the checks below against passing on an empty or misread graph."""
    graph = _graph()
    assert {"gallery.web.api", "gallery.live.participant_events", "stations.notes"} <= set(graph)
    assert "gallery.actions.notes" in graph["gallery.web.api"]
    assert "gallery.actions.notes" in graph["gallery.live.participant_events"]
    assert "stations.phases" in graph["gallery.actions.notes"]


def test_no_import_loop():
    graph = _graph()
    # The app factory imports every room to wire it; no module imports the factory's package
    # back (the Flask-SocketIO object lives in gallery.live.socket).
    assert _loops(graph) == []


def test_loops_are_found():
    assert _loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_own_modules_are_imported_at_the_top():
    late = [
        f"{SOURCES[module][0].relative_to(ROOT)}:{node.lineno} imports {target}"
        for module, (_, tree) in SOURCES.items()
        if module not in ENTRY_POINTS
        for target, node, at_top in _imports(module, tree)
        if _own(target) and not at_top
    ]
    assert late == []


def test_stations_is_pure():
    impure = [
        f"{module} imports {target}"
        for module, (_, tree) in SOURCES.items()
        if module.startswith("stations")
        for target, _, _ in _imports(module, tree)
        if target.split(".")[0] in FRAMEWORKS
    ]
    assert impure == []


@pytest.mark.parametrize(("room", "other"), [("gallery.web", "gallery.live"),
                                             ("gallery.live", "gallery.web")])  # fmt: skip
def test_web_and_live_do_not_import_each_other(room, other):
    graph = _graph()
    crossing = [
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module == room or module.startswith(room + ".")
        for target in targets
        if target == other or target.startswith(other + ".")
    ]
    assert crossing == []


def test_no_module_over_the_limit():
    long = {
        str(path.relative_to(ROOT)): lines
        for path, _ in SOURCES.values()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def _own_names() -> set[str]:
    """Every name the project defines: functions, classes, its objects' attributes, variables."""
    names = set()
    for _, tree in SOURCES.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if getattr(node.value, "id", "") in ("self", "cls"):  # not `cell._style = ...`
                    names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return names


PRIVATE = re.compile(r"^_[A-Za-z]")  # _name, not __dunder__ (those are Python's own)


def _private_uses(tree: ast.Module, own: set[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute) and PRIVATE.match(node.attr):
            name = node.attr
        elif isinstance(node, ast.ImportFrom) and node.module and not _own(node.module):
            if any(PRIVATE.match(part) for part in node.module.split(".")):
                name = node.module
            name = name or next((a.name for a in node.names if PRIVATE.match(a.name)), None)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("getattr", "setattr"):
            arg = node.args[1] if len(node.args) > 1 else None
            if isinstance(arg, ast.Constant) and PRIVATE.match(str(arg.value)):
                name = str(arg.value)
        if name and name not in own and name not in DOCUMENTED:
            yield node.lineno, name


def test_private_internals_only_in_the_adapter():
    own = _own_names()
    used = [
        f"{path.relative_to(ROOT)}:{line} uses {name}"
        for module, (path, tree) in SOURCES.items()
        if module != ADAPTER
        for line, name in _private_uses(tree, own)
    ]
    assert used == []


def test_private_uses_are_found():
    tree = ast.parse("import x\nfrom y._z import a\nx.obj._dirty.clear()\ngetattr(x, '_secret')")
    assert sorted(name for _, name in _private_uses(tree, set())) == ["_dirty", "_secret", "y._z"]
    assert list(_private_uses(ast.parse("x._meta.fields"), set())) == []
    assert list(_private_uses(ast.parse("self._cache = {}\nself._cache.clear()"), {"_cache"})) == []
