from __future__ import annotations

from typing import Any

import pytest

from ciopt.agent import EXPLAIN, PROPOSE, REPAIR, SIGNATURES, schema_hashes
from ciopt.agent.context import Caller, HotLine
from ciopt.agent.ir import BLOB_MIN_CHARS, render
from ciopt.agent.signatures.propose import Attempt, HotSpot, ProposeInput, SourceFile, TargetRef
from ciopt.agent.signatures.repair import FailedCandidate, RepairInput
from ciopt.agent.signatures.signature import DemoText

SOURCE = (
    "def f(xs):\n    out = []\n    for x in xs:\n        if x not in out:\n"
    "            out.append(x)\n    return out\n" + "# padding\n" * 50
)

INPUT = ProposeInput(
    targets=[TargetRef(path="src/m.py", qualname="f")],
    files=[SourceFile(path="src/m.py", text=SOURCE)],
    callers=[Caller(path="src/use.py", qualname="main", line=3, text="def main():\n    f([1])")],
    benchmark="def test_f(benchmark): benchmark(f, [1])",
    profile=[HotSpot(function="f", file="src/m.py", line=1, calls=3, tottime_s=0.5, cumtime_s=0.6)],
    hot_lines=[
        HotLine(file="src/m.py", line=4, hits=900, time_s=0.4, share=0.8, text="if x not in out:")
    ],
    attempts=[Attempt(id=1, outcome="rejected (tests_failed)", message="2 tests broke")],
)


def test_the_registry_names_the_run_s_three_signatures() -> None:
    assert set(SIGNATURES) == {"propose_optimization", "repair_candidate", "explain_winner"}
    hashes = schema_hashes()
    assert len(set(hashes.values())) == 3 and all(len(h) == 64 for h in hashes.values())


def test_propose_prompt_carries_every_piece_of_context() -> None:
    ir, blobs = PROPOSE.build(INPUT)
    kinds = [b.kind for b in ir.blocks]
    assert kinds[:3] == ["system", "output_format", "instruction"]
    messages = render(ir, blobs)
    assert [m["role"] for m in messages] == ["system", "user"]
    system, user = messages[0]["content"], messages[1]["content"]
    assert "```python\ndef f(xs):\n```" in system  # the tolerant reply format, whole definitions
    assert "`f` in `src/m.py`" in user
    assert SOURCE.strip() in user  # the source, from its blob
    assert "### `src/use.py::main` (line 3)" in user  # a caller
    assert "benchmark(f, [1])" in user
    assert "| src/m.py:4 | 900 | 0.4000 | 80% | `if x not in out:` |" in user  # a hot line
    assert "Attempt 1: rejected (tests_failed). 2 tests broke" in user


def test_large_context_is_a_blob_referenced_by_hash() -> None:
    ir, blobs = PROPOSE.build(INPUT)
    (source,) = [b for b in ir.blocks if b.name == "file:src/m.py"]
    assert source.text is None and blobs[source.blob or ""] == SOURCE
    small = [b for b in ir.blocks if b.kind == "context" and b.blob is None]
    assert all(
        len(b.text or "") < BLOB_MIN_CHARS or b.name in ("profile", "hot_lines", "attempts", "task")
        for b in small
    )
    # the IR hash covers the blob through its hash: another source, another IR
    other, _ = PROPOSE.build(
        INPUT.model_copy(update={"files": [SourceFile(path="src/m.py", text=SOURCE + "#\n")]})
    )
    assert other.hash != ir.hash
    again, _ = PROPOSE.build(INPUT)
    assert again.hash == ir.hash  # canonical: the same inputs, the same hash


def test_strict_mode_asks_for_json_of_the_output_schema() -> None:
    ir, blobs = PROPOSE.build(INPUT, mode="strict_json")
    system = render(ir, blobs)[0]["content"]
    assert "JSON Schema" in system and '"edits"' in system and "SEARCH" not in system


def test_policy_instruction_and_demos_shape_the_prompt() -> None:
    demo = DemoText(
        id="d1",
        inputs=INPUT.model_copy(update={"attempts": []}).model_dump(),
        output="Use a set.\n\nsrc/m.py\n<<<<<<< SEARCH\n...",
    )
    ir, blobs = PROPOSE.build(INPUT, policy="p" * 64, instruction="Be bold.", demos=[demo])
    messages = render(ir, blobs)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert (
        messages[1]["content"].startswith("Be bold.") and SOURCE.strip() in messages[1]["content"]
    )
    assert messages[2]["content"].startswith("Use a set.")
    assert messages[3]["content"].startswith("Be bold.")
    assert ir.policy == "p" * 64
    # a demo shows its task and source; another project's benchmark and profile stay out of it
    assert "test_f(benchmark)" not in messages[1]["content"]
    assert "Hottest" not in messages[1]["content"] and "src/use.py" not in messages[1]["content"]
    assert "test_f(benchmark)" in messages[3]["content"] and "Hottest" in messages[3]["content"]


def test_repair_shows_the_failure_and_the_failed_change() -> None:
    inputs = RepairInput(
        targets=INPUT.targets,
        files=INPUT.files,
        failed=FailedCandidate(
            id=2,
            reason="tests_failed",
            message="test_order failed",
            rationale="use a set",
            diff="--- a/src/m.py\n+++ b/src/m.py\n-    out = []\n+    return list(set(xs))\n",
        ),
    )
    ir, blobs = REPAIR.build(inputs)
    user = render(ir, blobs)[-1]["content"]
    assert "Candidate 2 was rejected (tests_failed): test_order failed" in user
    assert "Its idea: use a set" in user and "```diff" in user
    assert "NOT applied" in user  # the instruction says where edits apply


def test_explain_has_no_text_format_so_it_always_asks_for_json() -> None:
    assert EXPLAIN.text_decoder is None
    assert "JSON Schema" in EXPLAIN.output_format("tolerant")


PLACEHOLDERS = ("path/to/", "lines copied exactly", "the lines that replace them")
METHOD_SOURCE = (
    "class Tok:\n    @staticmethod\n    def split(text: str) -> list[str]:\n"
    "        out = []\n        for word in text.split():\n            out.append(word)\n"
    "        return out\n"
)
METHOD = ProposeInput(
    targets=[TargetRef(path="src/textkit/tok.py", qualname="Tok.split")],
    files=[SourceFile(path="src/textkit/tok.py", text=METHOD_SOURCE)],
)


def _system(signature: Any, inputs: Any, output_format: Any) -> str:
    ir, blobs = signature.build(inputs, output_format=output_format)
    return str(render(ir, blobs)[0]["content"])


@pytest.mark.parametrize("signature", [PROPOSE, REPAIR])
def test_whole_definition_format_shows_the_target_s_own_def_line(signature: Any) -> None:
    inputs = METHOD if signature is PROPOSE else _repair(METHOD)
    system = _system(signature, inputs, "whole_definition")
    assert "`Tok.split` is in `src/textkit/tok.py`, a method of class `Tok`" in system
    assert "```python\n    def split(text: str) -> list[str]:\n```" in system
    assert "<<<<<<< SEARCH" not in system.splitlines()
    assert not any(p in system for p in PLACEHOLDERS)


@pytest.mark.parametrize("signature", [PROPOSE, REPAIR])
def test_search_replace_format_shows_the_target_s_first_lines(signature: Any) -> None:
    inputs = METHOD if signature is PROPOSE else _repair(METHOD)
    system = _system(signature, inputs, "search_replace")
    first = METHOD_SOURCE.split("\n", 2)[2].rsplit("\n", 3)[0]  # the def line, two body lines
    assert first.startswith("    def split(text: str) -> list[str]:\n        out = []\n")
    assert f"src/textkit/tok.py\n<<<<<<< SEARCH\n{first}\n=======\n{first}\n>>>>>>> REPLACE" in (
        system
    )
    assert not any(p in system for p in PLACEHOLDERS)


def test_formats_name_every_target_and_survive_one_that_cannot_be_found() -> None:
    inputs = ProposeInput(
        targets=[*INPUT.targets, TargetRef(path="src/gone.py", qualname="g")],
        files=INPUT.files,
    )
    system = _system(PROPOSE, inputs, "whole_definition")
    assert "definition of `f` and `g`" in system and "```python\ndef f(xs):\n```" in system
    assert "`g` is in `src/gone.py`. Keep its name." in system


def _repair(inputs: ProposeInput) -> RepairInput:
    failed = FailedCandidate(id=1, reason="tests_failed", message="broke")
    return RepairInput(targets=inputs.targets, files=inputs.files, failed=failed)
