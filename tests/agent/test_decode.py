from __future__ import annotations

import json

import pytest

from ciopt.agent import EXPLAIN, PROPOSE, DecodeError, decode

EDITS = "Use a set.\n\nsrc/m.py\n<<<<<<< SEARCH\n    a\n=======\n    b\n>>>>>>> REPLACE\n"
AS_JSON = {
    "rationale": "Use a set.",
    "edits": [{"path": "src/m.py", "search": "    a\n", "replace": "    b\n"}],
}
TOLD = {"title": "Use a set", "summary": "Membership is now a hash lookup."}


def test_tolerant_reads_edits_and_json_in_prose_or_fences() -> None:
    assert decode(PROPOSE, EDITS, "tolerant").edits[0].replace == "    b\n"
    fenced = f"Here you go:\n```json\n{json.dumps(AS_JSON)}\n```\nThanks!"
    assert decode(PROPOSE, fenced, "tolerant").rationale == "Use a set."
    prose = f"My answer is {json.dumps(TOLD)} as requested {{not json}}"
    assert decode(EXPLAIN, prose, "tolerant").title == "Use a set"


def test_strict_accepts_only_a_whole_json_reply() -> None:
    assert decode(EXPLAIN, f"  {json.dumps(TOLD)}\n", "strict_json").summary.startswith(
        "Membership"
    )
    with pytest.raises(DecodeError, match="not valid JSON"):
        decode(EXPLAIN, f"Sure: {json.dumps(TOLD)}", "strict_json")
    with pytest.raises(DecodeError, match="not valid JSON"):
        decode(PROPOSE, EDITS, "strict_json")


def test_errors_say_what_is_wrong_for_the_model() -> None:
    with pytest.raises(DecodeError, match="the reply has no edit"):
        decode(PROPOSE, "I would use a set.", "tolerant")
    with pytest.raises(DecodeError, match="edits: List should have at least 1 item"):
        decode(PROPOSE, json.dumps({"rationale": "x", "edits": []}), "strict_json")
    with pytest.raises(DecodeError, match="summary: Field required"):
        decode(EXPLAIN, '{"title": "Use a set"}', "tolerant")
    with pytest.raises(DecodeError, match="holds no JSON object"):
        decode(EXPLAIN, "A set is faster.", "tolerant")
    with pytest.raises(DecodeError, match="missing its"):
        decode(PROPOSE, "x\nsrc/m.py\n<<<<<<< SEARCH\n    a\n", "tolerant")
