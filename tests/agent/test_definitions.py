from __future__ import annotations

import pytest

from ciopt.agent.definitions import definition_edits
from ciopt.agent.edits import EditError, apply_edits

TOKENS = '''"""Tokens."""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\\w+")


def tokenize(text: str) -> list[str]:
    return [m.group(0) for m in _WORD.finditer(text)]


def dedupe(items: Iterable[str]) -> list[str]:
    """Drop repeats.

    >>> dedupe(["a", "a"])
    ['a']
    """
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
'''
FAST = "    return list(dict.fromkeys(items))\n"
NEW_DEDUPE = TOKENS.replace(
    TOKENS[TOKENS.index("    out = []") :],
    FAST,
)
METHODS = """import functools


class Counter:
    \"\"\"Counts.\"\"\"

    @functools.lru_cache(maxsize=None)
    def total(self, xs):
        n = 0
        for x in xs:
            n += x
        return n

    def other(self):
        return 1
"""


def applied(reply: str, qualname: str = "dedupe", text: str = TOKENS, path: str = "m.py") -> str:
    edits, _ = definition_edits(reply, [(path, qualname)], {path: text})
    assert edits and all(e.path == path for e in edits)
    return apply_edits({path: text}, edits)[path]


def fenced(code: str, lang: str = "python") -> str:
    return f"```{lang}\n{code}```\n"


def test_a_module_function_is_replaced_and_the_rest_kept_byte_for_byte() -> None:
    reply = fenced("def dedupe(items: Iterable[str]) -> list[str]:\n" + FAST)
    assert applied(reply) == NEW_DEDUPE  # the docstring it left out is kept too
    edits, _ = definition_edits(reply, [("m.py", "dedupe")], {"m.py": TOKENS})
    (edit,) = edits
    assert edit.search == TOKENS[TOKENS.index("def dedupe") :]  # the exact old text


@pytest.mark.parametrize("lang", ["python", "py", "", "python3"])
def test_fences_with_or_without_a_language(lang: str) -> None:
    reply = f"Faster.\n\n{fenced('def dedupe(items):' + chr(10) + FAST, lang)}Done."
    assert FAST in applied(reply)
    assert FAST in applied(reply.replace("```", "~~~"))


def test_prose_around_the_fence_is_the_rationale() -> None:
    reply = "The scan is quadratic.\n\n" + fenced("def dedupe(items):\n" + FAST) + "\nLinear now."
    _, rationale = definition_edits(reply, [("m.py", "dedupe")], {"m.py": TOKENS})
    assert rationale == "The scan is quadratic.\n\nLinear now."


def test_missing_trailing_newline_and_unclosed_fence() -> None:
    assert FAST in applied("```python\ndef dedupe(items):\n" + FAST + "```")
    assert FAST in applied("```python\ndef dedupe(items):\n" + FAST.rstrip("\n"))
    assert FAST in applied("```python\ndef dedupe(items):\n" + FAST.rstrip("\n") + "```")


def test_crlf_in_the_file_is_kept() -> None:
    crlf = TOKENS.replace("\n", "\r\n")
    result = applied(fenced("def dedupe(items: Iterable[str]) -> list[str]:\n" + FAST), text=crlf)
    assert result == NEW_DEDUPE.replace("\n", "\r\n")


def test_a_file_without_a_final_newline_stays_without() -> None:
    text = "def f(xs):\n    return sorted(list(xs))"
    assert applied(fenced("def f(xs):\n    return sorted(xs)\n"), "f", text) == (
        "def f(xs):\n    return sorted(xs)"
    )


def test_a_re_indented_block_is_put_at_the_definition_s_indentation() -> None:
    reply = fenced("        def dedupe(items):\n            return list(dict.fromkeys(items))\n")
    assert FAST in applied(reply)


@pytest.mark.parametrize("indent", ["", "    "])
def test_a_method_given_at_column_0_or_at_its_own_indentation(indent: str) -> None:
    code = f"{indent}def total(self, xs):\n{indent}    return sum(xs)\n"
    result = applied(fenced(code), "Counter.total", METHODS)
    assert result == METHODS.replace(
        "        n = 0\n        for x in xs:\n            n += x\n        return n\n",
        "        return sum(xs)\n",
    )  # its decorator kept, the other method untouched


def test_a_method_given_inside_its_class() -> None:
    code = "class Counter:\n    def total(self, xs):\n        return sum(xs)\n"
    result = applied(fenced(code), "Counter.total", METHODS)
    assert "        return sum(xs)\n\n    def other(self):\n        return 1\n" in result
    assert "@functools.lru_cache(maxsize=None)\n    def total" in result


def test_decorators_are_kept_when_left_out_and_replaced_when_given() -> None:
    code = "@functools.cache\ndef total(self, xs):\n    return sum(xs)\n"
    result = applied(fenced(code), "Counter.total", METHODS)
    assert "    @functools.cache\n    def total(self, xs):\n        return sum(xs)\n" in result
    assert "lru_cache" not in result


def test_a_decorated_module_function() -> None:
    text = "import functools\n\n\n@functools.cache\n# cached\ndef fib(n):\n    return n\n"
    plain = fenced("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n")
    assert applied(plain, "fib", text) == text.replace(
        "    return n\n", "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
    )
    given = fenced("@functools.lru_cache(maxsize=64)\ndef fib(n):\n    return n\n")
    assert applied(given, "fib", text) == (
        "import functools\n\n\n@functools.lru_cache(maxsize=64)\ndef fib(n):\n    return n\n"
    )


@pytest.mark.parametrize("qualname", ["outer.<locals>.inner", "outer.inner"])
def test_a_nested_definition(qualname: str) -> None:
    text = "def outer(xs):\n    def inner(x):\n        return x * 2\n\n    return map(inner, xs)\n"
    result = applied(fenced("def inner(x):\n    return x + x\n"), qualname, text)
    assert result == text.replace("x * 2", "x + x")


def test_imports_and_a_helper_constant_join_the_module() -> None:
    code = (
        "from __future__ import annotations\n"
        "import re\n"
        "from collections.abc import Iterable, Sequence\n"
        "import itertools\n\n"
        "_SPLIT = re.compile(r'\\s+')\n\n\n"
        "def _first(items):\n    return dict.fromkeys(items)\n\n\n"
        "def dedupe(items):\n    return list(_first(items))\n\n\n"
        "print(dedupe(['a', 'a']))\n"
        "example = dedupe(['b'])\n"
    )
    result = applied("Helpers:\n" + fenced(code))
    assert result.count("from __future__") == 1 and result.count("import re\n") == 1
    assert (
        "from collections.abc import Iterable\nfrom collections.abc import Sequence\n"
        "import itertools\n\n_WORD" in result
    )  # after the last import, only what is missing
    assert (
        "    return [m.group(0) for m in _WORD.finditer(text)]\n\n\n"
        "_SPLIT = re.compile(r'\\s+')\n\n\n"
        "def _first(items):\n    return dict.fromkeys(items)\n\n\n"
        "def dedupe(items):\n" in result
    )  # just before the definition
    assert "print(" not in result and "example" not in result  # usage is left out
    compile(result, "m.py", "exec")


def test_a_helper_already_in_the_module_replaces_it_in_place() -> None:
    code = (
        "def tokenize(text):\n    return text.split()\n\n\n"
        '_WORD = re.compile(r"\\w+")\n\n\n'  # as it is: left out
        "def dedupe(items):\n" + FAST
    )
    result = applied(fenced(code))
    assert result.count("def tokenize") == 1 and "    return text.split()\n" in result
    assert result.count("_WORD = ") == 1


def test_a_helper_method_goes_into_the_class_and_a_constant_before_it() -> None:
    code = (
        "LIMIT = 10\n\n"
        "def _add(self, xs):\n    return sum(xs)\n\n"
        "def total(self, xs):\n    return self._add(xs)\n"
    )
    result = applied(fenced(code), "Counter.total", METHODS)
    assert result.startswith("import functools\n\n\nLIMIT = 10\n\n\nclass Counter:\n")
    assert "    def _add(self, xs):\n        return sum(xs)\n\n    @functools.lru_cache" in result
    compile(result, "m.py", "exec")


def test_fences_without_a_definition_are_ignored_and_the_last_definition_wins() -> None:
    reply = (
        "Now:\n" + fenced("print(dedupe(['a']))\n")
        + "First try:\n" + fenced("def dedupe(items):\n    return items\n")
        + "Better:\n" + fenced("def dedupe(items):\n" + FAST)
        + "Use it:\n" + fenced("dedupe(xs)\n")
    )  # fmt: skip
    assert FAST in applied(reply)


def test_multi_line_strings_keep_their_value_when_re_indented() -> None:
    text = "class C:\n    def q(self):\n        return 1\n"
    code = "def q(self):\n    '''Doc\n    more.'''\n    return '''\nSELECT\n'''\n"
    result = applied(fenced(code), "C.q", text)
    assert "        '''Doc\n        more.'''\n        return '''\nSELECT\n'''\n" in result


def test_unfenced_code_is_read_too() -> None:
    reply = "Here it is:\n\nimport itertools\n\ndef dedupe(items):\n" + FAST + "\nThat is all."
    edits, rationale = definition_edits(reply, [("m.py", "dedupe")], {"m.py": TOKENS})
    result = apply_edits({"m.py": TOKENS}, edits)["m.py"]
    assert FAST in result and "import itertools\n" in result
    assert rationale == "Here it is:\n\nThat is all."


def test_a_definition_with_another_name_is_refused_naming_the_expected_one() -> None:
    reply = fenced("def dedupe_fast(items):\n" + FAST)
    with pytest.raises(EditError) as caught:
        definition_edits(reply, [("m.py", "dedupe")], {"m.py": TOKENS})
    message = str(caught.value)
    assert "defines `dedupe_fast`, not `dedupe`" in message and "`def dedupe(...)`" in message
    assert "m.py" in message


def test_a_definition_that_does_not_parse_says_where() -> None:
    reply = fenced("def dedupe(items):\n    for x in items\n        pass\n")
    with pytest.raises(EditError, match=r"`def dedupe` is not valid Python \(line 2"):
        definition_edits(reply, [("m.py", "dedupe")], {"m.py": TOKENS})


def test_the_same_definition_changes_nothing() -> None:
    old = TOKENS[TOKENS.index("def dedupe") :]
    with pytest.raises(EditError, match="same as the current one"):
        definition_edits(fenced(old), [("m.py", "dedupe")], {"m.py": TOKENS})


@pytest.mark.parametrize(
    "reply", ["Use a set.", fenced("counts = {}\nfor x in xs:\n    counts[x] = 1\n"), ""]
)
def test_no_definition_at_all_is_no_edit(reply: str) -> None:
    assert definition_edits(reply, [("m.py", "dedupe")], {"m.py": TOKENS})[0] == []


def test_two_targets_in_two_files() -> None:
    files = {"a.py": "def f():\n    return 1\n", "b.py": "def g():\n    return 2\n"}
    reply = fenced("def f():\n    return 10\n\n\ndef g():\n    return 20\n")
    edits, _ = definition_edits(reply, [("a.py", "f"), ("b.py", "g")], files)
    assert apply_edits(files, edits) == {
        "a.py": "def f():\n    return 10\n",
        "b.py": "def g():\n    return 20\n",
    }


def test_a_whole_module_reply_changes_only_the_target() -> None:
    code = (
        "import re\nfrom typing import Iterable\n\n"  # Iterable is bound already: kept as it is
        "_WORD = re.compile(r'[a-z]+')\n\n\n"  # a constant the module assigns: not rebound
        "def tokenize(text: str) -> list[str]:\n"  # as the module has it, but its docstring
        "    return [m.group(0) for m in _WORD.finditer(text)]\n\n\n"
        "def dedupe(items: Iterable[str]) -> list[str]:\n" + FAST
    )
    doc = '    """Words."""\n'
    text = TOKENS.replace("-> list[str]:\n    return [m", f"-> list[str]:\n{doc}    return [m")
    assert applied(fenced(code), text=text) == NEW_DEDUPE.replace(
        "-> list[str]:\n    return [m", f"-> list[str]:\n{doc}    return [m"
    )
