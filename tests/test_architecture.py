"""The package's shape: stages import each other's public names only, and no cycles.

Read from the source with ``ast``, so it fails the moment someone adds
``from .render import _helper`` or makes two modules import each other.
Checked by hand: adding ``from .render import _css_string`` to gallery.py failed
the first test; importing ``.pseudo`` inside catalog.py failed the second.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "handouts"


def imports() -> dict[str, list[tuple[str, list[str]]]]:
    """module -> [(imported sibling module, names imported from it)], at any depth."""
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        edges = found.setdefault(path.stem, [])
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [alias.name for alias in node.names]
                if node.module:
                    edges.append((node.module, names))
                else:  # from . import catalog as cat
                    edges += [(name, []) for name in names if (PACKAGE / f"{name}.py").exists()]
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    private = [f"{module} imports {name} from {target}"
               for module, edges in imports().items() for target, names in edges
               for name in names if name.startswith("_") and not name.startswith("__")]
    assert private == []


def test_no_import_cycles() -> None:
    graph = {module: {target for target, _ in edges if target != module}
             for module, edges in imports().items()}
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in done:
                visit(target, [*path, target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        visit(module, [module])
    assert cycles == []


def test_only_cli_knows_click() -> None:
    knows = sorted(path.stem for path in PACKAGE.glob("*.py")
                   if "import click" in path.read_text("utf-8"))
    assert knows == ["cli"]
