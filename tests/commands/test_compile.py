"""``ciopt compile``: the command around the compile loop, scored by a fake in place of the
eval harness (``tests/learn/test_scoring.py`` runs the harness itself)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ciopt.agent import PROPOSE, PolicyRegistry, schema_hashes
from ciopt.cli import main
from ciopt.learn import Example, write_dataset
from tests.learn.fakes import ScriptedScorer
from tests.learn.tasks import write_corpus

ENDPOINT = "http://gpu-box:8000/v1"


def _example(name: str) -> Example:
    return Example(
        id=name,
        signature=PROPOSE.id,
        signature_schema_hash=PROPOSE.schema_hash,
        inputs={"targets": [{"path": "m.py", "qualname": "f"}], "files": []},
        output="Use min().\n\n```python\ndef f(xs):\n    return min(xs)\n```\n",
        output_format="whole_definition",
        ratio=0.4,
    )


def test_compile_stores_the_best_policy_unpromoted_with_its_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scorer = ScriptedScorer(
        variants={"concise": 0.3}, formats={"whole_definition": 0.3}, demos={"helps": 0.2}
    )
    opened: dict[str, Any] = {}

    def fake_eval_score(suite: Any, options: Any, **kw: Any) -> ScriptedScorer:
        opened.update(options=options, out=kw["out"])
        return scorer

    monkeypatch.setattr("ciopt.commands.compile.eval_score", fake_eval_score)
    demos = tmp_path / "demos.jsonl"
    write_dataset([_example("hurts"), _example("helps")], demos)
    repo, out = tmp_path / "repo", tmp_path / "out"
    repo.mkdir()

    code = main([
        "compile", "--tasks", str(write_corpus(tmp_path / "corpus")), "--model", "openai/qwen",
        "--api-base", ENDPOINT, "--demos", str(demos), "--out", str(out), "--repo", str(repo),
    ])  # fmt: skip

    said = capsys.readouterr()
    assert code == 0, said.err
    [entry] = PolicyRegistry(repo / ".ciopt" / "policies", schema_hashes()).list()
    short = entry.id[:12]
    assert said.out.splitlines() == [
        f"compiled policy {short}: concise, whole_definition, 1 demo(s)",
        "holdout: mean reward 0.900, 1/1 faster; default: 0.400, 0/1 faster",
        f"written: {out / f'{entry.id}.json'}, {out / 'compile.json'}, {out / 'compile.md'}",
        f"stored in {repo / '.ciopt' / 'policies'}, not promoted: "
        f"`ciopt policy promote {short}` makes it active",
    ]
    assert "variants: concise, whole_definition: 0.700 on 1 task(s)" in said.err
    assert not entry.active
    text = (out / f"{entry.id}.json").read_text()
    assert ENDPOINT not in text and "gpu-box" not in text  # the endpoint stays out
    assert opened["options"].api_base == ENDPOINT and opened["out"] == out
    prov = entry.policy.provenance
    assert prov is not None and prov.model == "openai/qwen" and prov.ciopt.startswith("0.1.0")
    assert json.loads((out / "compile.json").read_text())["demos"] == ["helps"]


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--signature", "repair_candidate"], "error: no instruction variants for signature "
         "'repair_candidate'; compile propose_optimization"),
        (["--max-demos", "-1"], "error: compile setting max_demos: Input should be greater "
         "than or equal to 0"),
        (["--demos", "missing.jsonl"], "error: no dataset at missing.jsonl; write one with "
         "`ciopt dataset TRACE... --out`"),
    ],
)  # fmt: skip
def test_bad_flags_are_one_line_errors_before_anything_runs(
    flags: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    code = main(["compile", "--tasks", str(corpus), "--model", "openai/qwen",
                 "--repo", str(tmp_path), "--out", str(tmp_path / "out"), *flags])  # fmt: skip
    assert code == 1
    assert capsys.readouterr().err == said + "\n"
    assert not (tmp_path / "out").exists()
