from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.agent.hashing import sha256_hex
from ciopt.agent.replayed import ReplayModel, recorded_calls
from ciopt.cli import main
from ciopt.errors import ModelError
from ciopt.trace import Tracer
from ciopt.trace.read import read_trace

ONE = [{"role": "user", "content": "one"}]
TWO = [{"role": "user", "content": "two"}]


def _trace(path: Path, capture: str = "full", command: str = "run") -> Path:
    tracer = Tracer(path, header={"command": command, "content_capture": capture})
    for messages, reply in ((ONE, "first"), (TWO, "second")):
        with (
            tracer.span("predict"),
            tracer.span("llm.call", rendered_prompt_hash=sha256_hex(messages)) as sp,
        ):
            sp.set(response=reply, input_tokens=3, output_tokens=2, cost_usd=0.5)
    tracer.close()
    return path


def test_replies_are_matched_by_prompt_hash_then_by_order(tmp_path: Path) -> None:
    calls = recorded_calls(read_trace(_trace(tmp_path / "t.jsonl")))
    assert [c.response for c in calls] == ["first", "second"]
    model = ReplayModel(calls, "t.jsonl")
    # asked in the other order: the hashes still find the right replies
    assert model.complete(TWO).text == "second"
    assert model.complete(ONE).text == "first"
    assert (model.exact, model.drifted, model.unused) == (2, 0, 0)
    with pytest.raises(ModelError, match="more than the 2 model replies") as info:
        model.complete(ONE)
    assert info.value.reason == "replay_diverged"


def test_a_prompt_that_changed_gets_the_next_reply_and_counts_as_drifted(tmp_path: Path) -> None:
    model = ReplayModel(recorded_calls(read_trace(_trace(tmp_path / "t.jsonl"))), "t")
    changed = [{"role": "user", "content": "one, measured 1.02x"}]
    done = model.complete(changed)
    assert done.text == "first" and (done.input_tokens, done.cost_usd) == (3, 0.5)
    assert (model.exact, model.drifted) == (0, 1)


@pytest.mark.parametrize(
    ("capture", "command", "expected"),
    [
        ("hashed", "run", "content_capture=hashed: it holds hashes, not the model's replies"),
        ("none", "run", "content_capture=none"),
        ("full", "compare", "only the traces of `ciopt run`"),
        ("full", "run", "has no run.config event"),
    ],
)
def test_replay_refuses_what_it_cannot_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], capture: str, command: str, expected: str
) -> None:
    trace = _trace(tmp_path / "trace.jsonl", capture, command)
    assert main(["replay", str(trace)]) == 1
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
