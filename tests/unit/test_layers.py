"""The package's layers, read from its source with `ast`: no import circles, and no import
from a lower layer up to a higher one.

Every import a module writes counts, wherever it is written (at the top, inside a function,
under TYPE_CHECKING): a function-level import hides a circle from Python, not from here.
From the bottom up: the domain (bot.domain: rules, no Telegram, no database), storage,
the services (bot.services), the rest of bot/ (views, texts, the desk), then handlers/ and
scheduler/; only the composition roots below put them all together.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage", "scheduler")
UPPER = ("handlers", "scheduler")

# The bot/ modules that assemble the whole bot, and so may import handlers/ and scheduler/;
# every other bot/ module is imported by those, never the other way round.
COMPOSITION_ROOTS = {
    "bot.app": "builds the Application: the features' handlers, the scheduler's jobs, "
    "the outbox sender and the takeover of a dead predecessor's messages",
    "bot.__main__": "the process itself: the run (polling or webhook, alone on an SQLite "
    "file or not), and the commands that run one sweep",
    "bot.demo.world": "the offline demo runs a whole desk in one process and moves its "
    "clock, firing the scheduler's sweeps and delivering the outbox at once",
}


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Every module of the packages by its dotted name (a package by its __init__)."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _module_of(name: str, known: dict[str, Path]) -> str | None:
    """The innermost known module a dotted name is in (None: stdlib or third-party)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, known: dict[str, Path]) -> set[str]:
    """The package's modules `module` imports, anywhere in its source. `from a import b`
    is an import of a.b when that is a module, else of a."""
    path = known[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, one level up per dot
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        for name in names:
            target = _module_of(name, known)
            if target is not None and target != module:
                found.add(target)
    return found


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    known = modules(root, packages)
    return {module: imports_of(module, known) for module in known}


@functools.cache
def _graph() -> dict[str, set[str]]:
    return import_graph(ROOT, PACKAGES)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a circle (Tarjan's
    strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def _imports(where: str, *, of: tuple[str, ...], unless: tuple[str, ...] = ()) -> list[str]:
    """`module -> target` for each module in `where` importing one of `of` (not `unless`)."""
    return [
        f"{module} -> {target}"
        for module, targets in sorted(_graph().items())
        if _in(module, where) and module not in unless
        for target in sorted(targets)
        if _in(target, *of)
    ]


def test_the_reader_sees_function_level_and_relative_imports_and_finds_circles(
    tmp_path: Path,
) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("import json\nfrom pkg.sub import b\n")
    (tmp_path / "pkg" / "sub" / "b.py").write_text(
        "def later():\n    from ..a import thing\n    return thing\n"
    )
    (tmp_path / "pkg" / "sub" / "c.py").write_text("from . import b\nfrom pkg import a\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.a"] == {"pkg.sub.b"}  # json is not the package's
    assert graph["pkg.sub.b"] == {"pkg.a"}  # inside a function, relative: still an import
    assert graph["pkg.sub.c"] == {"pkg.sub.b", "pkg.a"}
    assert circles(graph) == [["pkg.a", "pkg.sub.b"]]
    assert circles({"x": {"y"}, "y": {"z"}, "z": set()}) == []


def test_the_package_has_no_import_circles() -> None:
    assert circles(_graph()) == []


def test_the_domain_imports_nothing_of_the_package_but_the_domain() -> None:
    """Rules know no Telegram edge, no database, no service (stdlib and libraries are
    fine: they are not the package's)."""
    outside = [
        f"{module} -> {target}"
        for module, targets in sorted(_graph().items())
        if _in(module, "bot.domain")
        for target in sorted(targets)
        if not _in(target, "bot.domain")
    ]
    assert outside == []


def test_storage_and_the_services_never_import_handlers() -> None:
    assert _imports("storage", of=("handlers",)) == []
    assert _imports("bot.services", of=("handlers",)) == []


def test_only_the_composition_roots_reach_up_from_bot_to_handlers_and_scheduler() -> None:
    assert _imports("bot", of=UPPER, unless=tuple(COMPOSITION_ROOTS)) == []
    # Each root listed is one (a module that no longer assembles anything leaves the list).
    graph = _graph()
    for root in COMPOSITION_ROOTS:
        assert any(_in(target, *UPPER) for target in graph[root]), root
