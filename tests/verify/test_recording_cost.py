"""What the recording costs is bounded by what it keeps, not by the size of the module or how
often the tests call it (a module like more-itertools' ``more.py``: hundreds of functions calling
each other tens of thousands of times). Its time is measured on the real project, not here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ciopt.verify.differential import functions_in
from ciopt.verify.recording import record_calls
from tests.helpers import local_client

FUNCTIONS = 300


def module() -> str:
    parts = ["import threading\n"]
    for i in range(FUNCTIONS):
        inner = f"f{i - 1}(x) + " if i else ""
        parts.append(f"def f{i}(x):\n    return {inner}1\n")
    parts.append("def g(lock, n):\n    return n\n")
    parts.append("class K:\n    def m(self, x):\n        return f5(x)\n")
    return "\n".join(parts)


TESTS = """
import threading

from big import K, f20, g


def test_many_calls():
    lock = threading.Lock()
    for n in range(3000):
        assert f20(n) == n * 0 + 21  # 21 nested calls of recorded functions each time
        assert g(lock, n) == n  # never picklable
        assert K().m(n) == 6
"""


def test_the_module_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "big.py").write_text(module())
    parsed: list[str] = []
    real = ast.parse

    def parse(source: str) -> ast.Module:
        parsed.append(source)
        return real(source)

    monkeypatch.setattr(ast, "parse", parse)
    found = functions_in(tmp_path, ["big.py"])
    assert len(found) == FUNCTIONS + 2
    assert len(parsed) == 1


def test_each_function_is_looked_at_a_bounded_number_of_times(
    tmp_path: Path, client_python: str
) -> None:
    (tmp_path / "big.py").write_text(module())
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_big.py").write_text(TESTS)
    client = local_client(client_python, "big")
    client.import_roots = ("",)
    keys = [fn.key for fn in functions_in(tmp_path, ["big.py"])]
    recorded = record_calls(
        client,
        tmp_path,
        ["tests"],
        keys,
        out=tmp_path / "rec.pkl",
        probe_out=tmp_path / "probe.json",
        timeout=300,
        max_calls=20,
        max_bytes=1_000_000,
    )
    f0, g, m = recorded["big:f0"], recorded["big:g"], recorded["big:K.m"]
    # reached from f20 and from K.m: 6,000 calls, 20 kept, the rest only counted
    assert f0.counts["seen"] == 6000 and len(f0.calls) == 20 and f0.counts["over"] > 5900
    assert g.counts["unpicklable"] == 10 * 20 and g.counts["over"] == 3000 - 200
    assert len(m.calls) == 20  # a method, its instance pickled with its arguments
    for key in keys:  # each function pickled its arguments at most ten times as often as it kept
        counts = recorded[key].counts
        assert counts["seen"] - counts["over"] <= 10 * 20, key
