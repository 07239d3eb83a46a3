from __future__ import annotations

from ciopt.agent.locate import locate, name_parts, source_lines

SOURCE = '''import sys


class Box:
    @staticmethod
    @other
    def size(
        a,
        b,
    ) -> int:
        """Doc."""
        return a

    if sys.version_info >= (3, 11):

        def later(self):
            def inner(x):
                return x

            return inner
'''


def test_a_decorated_method_with_a_long_signature() -> None:
    where = locate(SOURCE, "m.py", "Box.size")
    assert where is not None
    assert (where.start, where.head, where.body, where.end) == (4, 6, 10, 12)
    assert where.indent == "    " and where.owner == "Box" and where.outer == ""
    assert where.signature() == "    def size(\n        a,\n        b,\n    ) -> int:"
    assert where.first_lines() == where.signature() + '\n        """Doc."""\n        return a'


def test_definitions_inside_blocks_and_nested_functions() -> None:
    where = locate(SOURCE, "m.py", "Box.later.<locals>.inner")
    assert where is not None and where.outer == "later" and where.owner == ""
    assert where.signature() == "            def inner(x):"


def test_what_cannot_be_located() -> None:
    assert locate(SOURCE, "m.py", "Box") is None  # a class is no function
    assert locate(SOURCE, "m.py", "Box.missing") is None
    assert locate("def f(:\n", "m.py", "f") is None


def test_lines_and_names() -> None:
    assert source_lines("a\r\nb\rc\nd\x0ce") == ["a\r\n", "b\r", "c\n", "d\x0ce"]
    assert name_parts("outer.<locals>.inner") == ["outer", "inner"]
