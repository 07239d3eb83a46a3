from __future__ import annotations

from ciopt.agent.fences import Fence, fences, prose


def test_fences_of_every_kind_in_order() -> None:
    text = "a\n```python\nx = 1\n```\nb\n~~~\ny = 2\n~~~\n  ```Py \n z\n  ```\nc"
    assert fences(text) == [
        Fence("python", "x = 1\n", 1, 4),
        Fence("", "y = 2\n", 5, 8),
        Fence("py", " z\n", 8, 11),
    ]
    assert prose(text) == "a\n\nb\n\nc"


def test_a_longer_fence_holds_a_shorter_one() -> None:
    text = "````md\n```python\nx\n```\n````\n"
    assert [f.body for f in fences(text)] == ["```python\nx\n```\n"]


def test_an_unclosed_fence_runs_to_the_end() -> None:
    assert fences("```python\ndef f():\n    pass")[0].body == "def f():\n    pass\n"
    assert fences("```python\nx = 1```")[0].body == "x = 1\n"


def test_inline_backticks_are_no_fence() -> None:
    assert fences("Use ```x = 1``` here") == []
