from __future__ import annotations

from ciopt.agent.codeblocks import read_code


def test_fenced_blocks_parse_dedented_and_broken_ones_are_kept_apart() -> None:
    reply = (
        "Intro.\n```python\n    def f(self):\n        return 1\n```\n"
        '```json\n{"a": 1}\n```\n```\ndef g(:\n```\nOutro.'
    )
    reading = read_code(reply)
    (code,) = reading.codes
    assert code.lines[:2] == ("def f(self):", "    return 1")
    assert code.raw[:2] == ("    def f(self):", "        return 1")
    ((body, error),) = reading.broken
    assert body == "def g(:\n" and isinstance(error, SyntaxError)
    assert reading.prose == "Intro.\n\nOutro."


def test_unfenced_code_runs_from_its_imports_to_where_it_parses() -> None:
    reading = read_code("Here:\nimport re\n\ndef f():\n    return 1\nThis is faster.")
    (code,) = reading.codes
    assert [type(s).__name__ for s in code.tree.body] == ["Import", "FunctionDef"]
    assert reading.prose == "Here:\n\nThis is faster."
    assert read_code("Use `def f()` with a set.").codes == []


def test_text_re_indents_but_keeps_multi_line_string_values() -> None:
    block = (
        "@cache\ndef q(self):\n    '''Doc.\n\n    More.'''\n    sql = '''\nSELECT 1\n'''\n"
        "    return sql\n"
    )
    (code,) = read_code(f"```python\n{block}```").codes
    assert code.text(code.tree.body[0], "    ") == [
        "    @cache",
        "    def q(self):",
        "        '''Doc.",
        "",
        "        More.'''",
        "        sql = '''",
        "SELECT 1",
        "'''",
        "        return sql",
    ]
