from __future__ import annotations

import json

import pytest

from ciopt.agent import EXPLAIN, PROPOSE, DecodeError, decode
from ciopt.agent.signatures.explain import ExplainInput
from ciopt.agent.signatures.propose import ProposeInput, SourceFile, TargetRef

EDITS = "Use a set.\n\nsrc/m.py\n<<<<<<< SEARCH\n    a\n=======\n    b\n>>>>>>> REPLACE\n"
AS_JSON = {
    "rationale": "Use a set.",
    "edits": [{"path": "src/m.py", "search": "    a\n", "replace": "    b\n"}],
}
TOLD = {"title": "Use a set", "summary": "Membership is now a hash lookup."}
SOURCE = "def f(xs):\n    a\n    counts = {}\n    return counts\n"
INPUT = ProposeInput(
    targets=[TargetRef(path="src/m.py", qualname="f")],
    files=[SourceFile(path="src/m.py", text=SOURCE)],
)
ASKED = ExplainInput(targets=INPUT.targets, diff="-a\n+b\n", measurement="2x", correctness="ok")


def test_tolerant_reads_edits_and_json_in_prose_or_fences() -> None:
    assert decode(PROPOSE, EDITS, "tolerant", INPUT).edits[0].replace == "    b\n"
    fenced = f"Here you go:\n```json\n{json.dumps(AS_JSON)}\n```\nThanks!"
    assert decode(PROPOSE, fenced, "tolerant", INPUT).rationale == "Use a set."
    bare = decode(PROPOSE, f"  {json.dumps(AS_JSON)}", "tolerant", INPUT)
    assert bare.edits[0].path == "src/m.py"
    prose = f"My answer is {json.dumps(TOLD)} as requested {{not json}}"
    assert decode(EXPLAIN, prose, "tolerant", ASKED).title == "Use a set"


def test_tolerant_reads_a_whole_definition() -> None:
    reply = "Keep it short.\n\n```python\ndef f(xs):\n    return {}\n```\n"
    proposal = decode(PROPOSE, reply, "tolerant", INPUT)
    assert proposal.rationale == "Keep it short."
    (edit,) = proposal.edits
    assert (edit.path, edit.search) == ("src/m.py", SOURCE)
    assert edit.replace == "def f(xs):\n    return {}\n"


def test_strict_accepts_only_a_whole_json_reply() -> None:
    assert decode(EXPLAIN, f"  {json.dumps(TOLD)}\n", "strict_json", ASKED).summary.startswith(
        "Membership"
    )
    with pytest.raises(DecodeError, match="not valid JSON"):
        decode(EXPLAIN, f"Sure: {json.dumps(TOLD)}", "strict_json", ASKED)
    with pytest.raises(DecodeError, match="not valid JSON"):
        decode(PROPOSE, EDITS, "strict_json", INPUT)


def test_errors_say_what_is_wrong_for_the_model() -> None:
    with pytest.raises(DecodeError, match="the reply has no edit"):
        decode(PROPOSE, "I would use a set.", "tolerant", INPUT)
    with pytest.raises(DecodeError, match="edits: List should have at least 1 item"):
        decode(PROPOSE, json.dumps({"rationale": "x", "edits": []}), "strict_json", INPUT)
    with pytest.raises(DecodeError, match="summary: Field required"):
        decode(EXPLAIN, '{"title": "Use a set"}', "tolerant", ASKED)
    with pytest.raises(DecodeError, match="holds no JSON object"):
        decode(EXPLAIN, "A set is faster.", "tolerant", ASKED)
    with pytest.raises(DecodeError, match="missing its"):
        decode(PROPOSE, "x\nsrc/m.py\n<<<<<<< SEARCH\n    a\n", "tolerant", INPUT)


@pytest.mark.parametrize(
    "reply",
    [
        "Count them:\n```python\ncounts = {}\nfor x in xs:\n    counts[x] = 1\n```\n",
        "counts = {}\nfor x in xs:\n    counts[x] = counts.get(x, 0) + 1\n",
        "Use a dict: `counts = {}` then fill it.",
    ],
)
def test_python_is_never_read_as_json(reply: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(PROPOSE, reply, "tolerant", INPUT)
    message = str(caught.value)
    assert "the reply has no edit" in message and "definition of `f`" in message
    assert "Field required" not in message and "JSON" not in message
