from __future__ import annotations

from textwrap import dedent

import pytest

from ciopt.verify.astdiff import (
    FunctionChange,
    changed_functions,
    functions,
    recordable,
    shared_state_changed,
)

PATH = "src/pkg/mod.py"

BASE = dedent(
    """
    import functools


    def plain(x):
        return x + 1


    @functools.lru_cache(maxsize=8)
    def cached(x):
        return x * 2


    def outer(xs):
        def inner(x):
            return x * 3

        return [inner(x) for x in xs]


    class Shape:
        def area(self):
            return 0

        class Inner:
            def method(self):
                return "inner"


    def factory():
        class Local:
            def m(self):
                return 1

        return Local


    async def fetch(url):
        return url
    """
)


def changes(old: str | None, new: str | None) -> list[tuple[str, str, str]]:
    return [(c.qualname, c.kind, c.recordable) for c in changed_functions(PATH, old, new)]


def test_functions_lists_every_shape_with_dotted_qualnames() -> None:
    assert sorted(functions(BASE)) == [
        "Shape.Inner.method",
        "Shape.area",
        "cached",
        "factory",
        "factory.Local.m",
        "fetch",
        "outer",
        "outer.inner",
        "plain",
    ]


def test_functions_ignores_lambdas() -> None:
    assert list(functions("f = lambda x: x\n\ndef g():\n    return lambda y: y\n")) == ["g"]


def test_functions_raises_on_unparsable_source() -> None:
    with pytest.raises(SyntaxError):
        functions("def broken(:\n")


def test_reformatted_source_with_comments_is_unchanged() -> None:
    reformatted = dedent(
        """
        import functools

        # a comment that was not there before
        def plain(  x ):
            return (x
                    + 1)  # trailing comment

        @functools.lru_cache( maxsize = 8 )
        def cached(x): return x*2

        def outer(xs):
            def inner(x): return x*3
            return [inner(x)
                    for x in xs]

        class Shape:
            def area(self): return 0
            class Inner:
                def method(self): return 'inner'

        def factory():
            class Local:
                def m(self): return 1
            return Local

        async def fetch(url): return url
        """
    )
    assert changes(BASE, reformatted) == []
    assert changes(BASE, BASE) == []


def test_changed_function_body() -> None:
    new = BASE.replace("return x + 1", "return x + 2")
    assert changes(BASE, new) == [("plain", "changed", "plain")]


def test_changed_decorator() -> None:
    new = BASE.replace("lru_cache(maxsize=8)", "lru_cache(maxsize=16)")
    assert changes(BASE, new) == [("cached", "changed", "cached")]


def test_docstring_only_change_counts() -> None:
    old = 'def f():\n    """Old."""\n    return 1\n'
    new = 'def f():\n    """New."""\n    return 1\n'
    assert changes(old, new) == [("f", "changed", "f")]


def test_changed_method_in_class() -> None:
    new = BASE.replace("return 0", "return 1")
    assert changes(BASE, new) == [("Shape.area", "changed", "Shape.area")]


def test_changed_nested_function_reports_inner_and_outer() -> None:
    new = BASE.replace("return x * 3", "return x * 4")
    assert changes(BASE, new) == [
        ("outer", "changed", "outer"),
        ("outer.inner", "changed", "outer"),
    ]


def test_changed_method_of_nested_class() -> None:
    new = BASE.replace('return "inner"', 'return "INNER"')
    assert changes(BASE, new) == [("Shape.Inner.method", "changed", "Shape.Inner.method")]


def test_changed_method_of_class_in_function_is_recorded_through_the_function() -> None:
    new = BASE.replace("return 1", "return 2")
    assert changes(BASE, new) == [
        ("factory", "changed", "factory"),
        ("factory.Local.m", "changed", "factory"),
    ]


def test_changed_async_function() -> None:
    new = BASE.replace("return url", "return url.strip()")
    assert changes(BASE, new) == [("fetch", "changed", "fetch")]


def test_added_and_removed_functions() -> None:
    new = BASE.replace("def plain(x):", "def renamed(x):") + dedent(
        """

        class Extra:
            def helper(self):
                def deep():
                    return 0

                return deep()
        """
    )
    assert changes(BASE, new) == [
        ("Extra.helper", "added", "Extra.helper"),
        ("Extra.helper.deep", "added", "Extra.helper"),
        ("plain", "removed", "plain"),
        ("renamed", "added", "renamed"),
    ]


def test_removed_nested_function_is_resolved_against_old() -> None:
    new = BASE.replace(
        "    def inner(x):\n        return x * 3\n\n    return [inner(x) for x in xs]",
        "    return [x * 3 for x in xs]",
    )
    assert changes(BASE, new) == [
        ("outer", "changed", "outer"),
        ("outer.inner", "removed", "outer"),
    ]


def test_absent_old_file_adds_everything() -> None:
    result = changes(None, BASE)
    assert {kind for _, kind, _ in result} == {"added"}
    assert [name for name, _, _ in result] == sorted(functions(BASE))
    assert ("outer.inner", "added", "outer") in result


def test_absent_new_file_removes_everything() -> None:
    result = changes(BASE, None)
    assert {kind for _, kind, _ in result} == {"removed"}
    assert [name for name, _, _ in result] == sorted(functions(BASE))
    assert ("factory.Local.m", "removed", "factory") in result


def test_both_absent_is_no_change() -> None:
    assert changes(None, None) == []


@pytest.mark.parametrize("broken_side", ["old", "new"])
def test_unparsable_side_marks_every_function_of_the_other_changed(broken_side: str) -> None:
    broken = "def broken(:\n"
    old, new = (broken, BASE) if broken_side == "old" else (BASE, broken)
    result = changes(old, new)
    assert [name for name, _, _ in result] == sorted(functions(BASE))
    assert {kind for _, kind, _ in result} == {"changed"}
    assert ("outer.inner", "changed", "outer") in result


def test_both_sides_unparsable_is_no_change() -> None:
    assert changes("def a(:\n", "def b(:\n") == []


def test_unparsable_side_against_absent_file_is_no_change() -> None:
    assert changes(None, "def a(:\n") == []
    assert changes("def a(:\n", None) == []


def test_function_change_spec_and_fields() -> None:
    [change] = changed_functions(PATH, BASE, BASE.replace("return x * 3", "return x * 5"))[1:]
    assert change == FunctionChange(PATH, "outer.inner", "changed", "outer")
    assert change.spec == "src/pkg/mod.py::outer"


@pytest.mark.parametrize(
    ("qualname", "expected"),
    [
        ("plain", "plain"),
        ("fetch", "fetch"),
        ("Shape.area", "Shape.area"),
        ("Shape.Inner.method", "Shape.Inner.method"),
        ("outer.inner", "outer"),
        ("factory.Local.m", "factory"),
        ("missing", "missing"),
    ],
)
def test_recordable_on_each_shape(qualname: str, expected: str) -> None:
    assert recordable(qualname, BASE) == expected


def test_recordable_of_helper_in_method_and_deeper_nesting() -> None:
    source = dedent(
        """
        class Cls:
            def method(self):
                def helper():
                    def deeper():
                        return 1

                    return deeper()

                return helper()
        """
    )
    assert recordable("Cls.method.helper", source) == "Cls.method"
    assert recordable("Cls.method.helper.deeper", source) == "Cls.method"


def test_recordable_in_unparsable_source_is_the_qualname() -> None:
    assert recordable("outer.inner", "def outer(:\n") == "outer.inner"


def test_redefined_name_keeps_every_version() -> None:
    old = dedent(
        """
        class C:
            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, value):
                self._x = value
        """
    )
    new = old.replace("self._x = value", "self._x = int(value)")
    assert changes(old, new) == [("C.x", "changed", "C.x")]


def test_functions_inside_module_level_blocks_are_found() -> None:
    source = dedent(
        """
        import sys

        if sys.platform == "win32":
            def native():
                return 1
        else:
            def native():
                return 2

        try:
            import fast
        except ImportError:
            def fallback():
                return 0
        """
    )
    assert sorted(functions(source)) == ["fallback", "native"]
    assert changes(source, source.replace("return 2", "return 3")) == [
        ("native", "changed", "native")
    ]


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        ("X = 1\ndef f():\n    return X\n", "X = 2\ndef f():\n    return X\n", True),
        ("X = 1\n", "X = 1\nimport heapq\n_CACHE = {}\n", False),  # additions only
        ("X = 1\ndef f():\n    return 1\n", "X = 1\ndef f():\n    return 2\n", False),
        ('"""Doc."""\nX = 1\n', '"""Other doc."""\nX = 1\n', False),
        ("class C:\n    size = 1\n", "class C:\n    size = 2\n", True),
        ("class C:\n    pass\n", "class C(dict):\n    pass\n", True),
        ("from a import b as c\n", "from a import d as c\n", True),
        ("X = 1\n", "X = (\n    1\n)\n", False),  # formatting
        ("X = 1\n", None, True),
        ("X = 1\n", "X = (\n", True),  # no longer parses
    ],
)
def test_shared_state_changed(old: str, new: str | None, changed: bool) -> None:
    assert shared_state_changed(old, new) is changed
