from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ciopt.client.targets import Target, resolve_target
from ciopt.errors import RequestError

MODULE = textwrap.dedent(
    '''\
    """A module."""
    import functools


    def plain(x):
        return x + 1


    async def fetch(url):
        return url


    class Outer:
        attr = 1

        def method(self):
            return 1

        class Inner:
            def deep(self):
                return 2


    @functools.lru_cache(maxsize=None)
    @staticmethod
    def decorated(n):
        return n * 2


    def last():
        pass
    '''
)


def write(root: Path, rel: str, text: str = MODULE) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def flat(tmp_path: Path) -> Path:
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/mod.py")
    return tmp_path


def test_plain_function(flat: Path) -> None:
    target = resolve_target(flat, "pkg/mod.py::plain")
    assert target == Target(
        spec="pkg/mod.py::plain",
        path="pkg/mod.py",
        qualname="plain",
        module="pkg.mod",
        import_root="",
        lineno=line_of(MODULE, "def plain"),
        end_lineno=line_of(MODULE, "return x + 1"),
    )


@pytest.mark.parametrize(
    ("qualname", "first", "last"),
    [
        ("fetch", "async def fetch", "return url"),
        ("Outer.method", "def method", "return 1"),
        ("Outer.Inner.deep", "def deep", "return 2"),
    ],
)
def test_async_functions_methods_and_nested_methods(
    flat: Path, qualname: str, first: str, last: str
) -> None:
    target = resolve_target(flat, f"pkg/mod.py::{qualname}")
    assert target.qualname == qualname
    assert target.lineno == line_of(MODULE, first)
    assert target.end_lineno == line_of(MODULE, last)


def test_decorated_function_starts_at_first_decorator(flat: Path) -> None:
    target = resolve_target(flat, "pkg/mod.py::decorated")
    assert target.lineno == line_of(MODULE, "@functools.lru_cache")
    assert target.end_lineno == line_of(MODULE, "return n * 2")
    assert target.source(flat) == (
        "@functools.lru_cache(maxsize=None)\n@staticmethod\ndef decorated(n):\n    return n * 2"
    )


def test_source_is_exactly_the_function(flat: Path) -> None:
    assert resolve_target(flat, "pkg/mod.py::plain").source(flat) == (
        "def plain(x):\n    return x + 1"
    )
    assert resolve_target(flat, "pkg/mod.py::Outer.method").source(flat) == (
        "    def method(self):\n        return 1"
    )
    assert resolve_target(flat, "pkg/mod.py::last").source(flat) == "def last():\n    pass"


@pytest.mark.parametrize(
    ("files", "spec", "module", "import_root"),
    [
        (["src/pkg/__init__.py", "src/pkg/sub/__init__.py"], "src/pkg/sub/mod.py", "pkg.sub.mod",
         "src"),
        ([], "tool.py", "tool", ""),
        ([], "scripts/tool.py", "tool", "scripts"),
        (["__init__.py", "pkg/__init__.py"], "pkg/mod.py", "pkg.mod", ""),  # stops at the root
    ],
)  # fmt: skip
def test_module_and_import_root_follow_the_layout(
    tmp_path: Path, files: list[str], spec: str, module: str, import_root: str
) -> None:
    for init in files:
        write(tmp_path, init, "")
    write(tmp_path, spec)
    target = resolve_target(tmp_path, f"{spec}::plain")
    assert (target.path, target.module, target.import_root) == (spec, module, import_root)


def test_flat_layout(flat: Path) -> None:
    target = resolve_target(flat, "pkg/mod.py::plain")
    assert target.module == "pkg.mod"
    assert target.import_root == ""


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RequestError, match=r"nothere\.py"):
        resolve_target(tmp_path, "nothere.py::f")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir.py").mkdir()
    with pytest.raises(RequestError, match="does not exist"):
        resolve_target(tmp_path, "dir.py::f")


def test_missing_function_lists_existing_ones(flat: Path) -> None:
    with pytest.raises(RequestError) as caught:
        resolve_target(flat, "pkg/mod.py::nope")
    message = str(caught.value)
    assert "'nope'" in message
    for name in ("plain", "fetch", "Outer.method", "Outer.Inner.deep", "decorated", "last"):
        assert name in message


def test_missing_method(flat: Path) -> None:
    with pytest.raises(RequestError, match=r"Outer\.nope"):
        resolve_target(flat, "pkg/mod.py::Outer.nope")


def test_class_is_not_a_function(flat: Path) -> None:
    with pytest.raises(RequestError, match="'Outer'"):
        resolve_target(flat, "pkg/mod.py::Outer")


def test_file_without_functions(tmp_path: Path) -> None:
    write(tmp_path, "empty.py", "X = 1\n")
    with pytest.raises(RequestError, match="none"):
        resolve_target(tmp_path, "empty.py::f")


def test_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "def f(:\n    pass\n")
    with pytest.raises(RequestError, match="does not parse"):
        resolve_target(tmp_path, "broken.py::f")
