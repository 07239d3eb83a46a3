"""Targets: the functions a request names, found in the source and placed on the import path."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ciopt.errors import RequestError

__all__ = ["Target", "locate", "project_packages", "resolve_target"]


@dataclass(frozen=True)
class Target:
    spec: str  # as written: src/pkg/mod.py::Class.method
    path: str  # relative to the repository root
    qualname: str
    module: str  # importable module name: pkg.mod
    import_root: str  # relative directory to put on sys.path ("" for the root)
    lineno: int
    end_lineno: int

    def source(self, root: Path) -> str:
        lines = (root / self.path).read_text().splitlines()
        return "\n".join(lines[self.lineno - 1 : self.end_lineno])


def resolve_target(root: Path, spec: str) -> Target:
    """Find ``spec`` (``path.py::qualname``) under ``root`` or say exactly what is missing."""
    path, _, qualname = spec.partition("::")
    file = root / path
    if not file.is_file():
        raise RequestError(
            f"target file {path} does not exist in the repository; name an existing .py file"
        )
    try:
        tree = ast.parse(file.read_text(), filename=path)
    except SyntaxError as exc:
        raise RequestError(f"target file {path} does not parse: {exc}") from exc
    node = _find(tree, qualname.split("."))
    if node is None:
        known = ", ".join(sorted(_qualnames(tree))) or "none"
        raise RequestError(
            f"function {qualname!r} is not defined in {path}; functions there: {known}"
        )
    module, import_root = locate(root, path)
    end = node.end_lineno or node.lineno
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return Target(spec, path, qualname, module, import_root, first, end)


def locate(root: Path, path: str) -> tuple[str, str]:
    """The module name of ``path`` and the directory (relative, "" for the root) to import it from.

    The import root is the first folder above the file's packages (those with ``__init__.py``).
    """
    file = root / path
    import_root = file.parent
    while (import_root / "__init__.py").is_file() and import_root != root:
        import_root = import_root.parent
    module = ".".join(file.relative_to(import_root).with_suffix("").parts)
    rel_root = import_root.relative_to(root).as_posix()
    return module, "" if rel_root == "." else rel_root


def project_packages(root: Path) -> tuple[str, list[str]]:
    """The project's own packages, where no target names them (a compare, a calibration): the
    folder they import from (``"src"``, or ``""`` for the root) and their names."""
    layout = root / "src" if (root / "src").is_dir() else root
    names = sorted(
        p.name
        for p in layout.iterdir()
        if (p / "__init__.py").is_file() and p.name not in ("tests", "benchmarks")
    )
    return ("src" if layout != root else ""), names


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _find(scope: ast.AST, names: list[str]) -> FunctionNode | None:
    head, *rest = names
    for node in ast.iter_child_nodes(scope):
        if getattr(node, "name", None) != head:
            continue
        if not rest and isinstance(node, FunctionNode):
            return node
        if rest and isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            return _find(node, rest)
    return None


def _qualnames(scope: ast.AST, prefix: str = "") -> list[str]:
    names = []
    for node in ast.iter_child_nodes(scope):
        if isinstance(node, FunctionNode):
            names.append(prefix + node.name)
        if isinstance(node, ast.ClassDef):
            names.extend(_qualnames(node, f"{prefix}{node.name}."))
    return names
