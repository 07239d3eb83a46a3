"""The reference model: a task's own reply, in the format its prompt asks for, through litellm's
mock path; the explain call answered too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.agent import EXPLAIN, apply_edits, parse_edits
from ciopt.config import Settings
from ciopt.errors import ConfigError
from ciopt.learn import ReferenceModel, Task, load_suite, reference_models
from ciopt.learn.reference import definition_reply, edit_reply
from tests.learn.tasks import write_corpus

EDITS_FORMAT = (
    "Reply with edits:\n\npath/to/file.py\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE"
)


@pytest.fixture
def dedupe(tmp_path: Path) -> Task:
    return load_suite(write_corpus(tmp_path / "corpus", "dedupe")).tasks[0]


def test_an_edit_reply_replaces_the_whole_definition(dedupe: Task) -> None:
    reply = edit_reply(dedupe, "from __future__ import annotations\n\n" + dedupe.reply("reference"))
    path = dedupe.target_path
    current = (dedupe.project / path).read_text()
    changed = apply_edits({path: current}, parse_edits(reply))[path]
    assert "return list(dict.fromkeys(items))" in changed and "out.append" not in changed
    assert changed.count("from __future__") == 1  # only at the top, where it may be
    compile(changed, path, "exec")


BAG = """\
class Bag:
    @staticmethod
    def size(xs: list[int]) -> int:
        n = 0
        for _ in xs:
            n += 1
        return n
"""


def test_a_method_is_replaced_at_its_own_indentation(tmp_path: Path) -> None:
    (tmp_path / "t" / "project" / "src").mkdir(parents=True)
    (tmp_path / "t" / "project" / "src" / "bag.py").write_text(BAG)
    task = Task(
        name="t", split="train", kind="k", target="src/bag.py::Bag.size", bench="b",
        root=tmp_path / "t",
    )  # fmt: skip
    code = "@staticmethod\ndef size(xs: list[int]) -> int:\n    return len(xs)\n"
    changed = apply_edits({"src/bag.py": BAG}, parse_edits(edit_reply(task, code)))["src/bag.py"]
    assert changed == BAG.replace(
        "        n = 0\n        for _ in xs:\n            n += 1\n        return n\n",
        "        return len(xs)\n",
    )
    with pytest.raises(ConfigError, match=r"no definition of Bag\.missing"):
        edit_reply(task.model_copy(update={"target": "src/bag.py::Bag.missing"}), code)


def test_a_definition_reply_is_the_code_in_a_python_fence(dedupe: Task) -> None:
    reply = definition_reply(dedupe, dedupe.reply("trap"))
    assert reply.startswith("The reference optimization of `dedupe`.\n\n```python\ndef dedupe(")
    assert reply.endswith("    return sorted(set(items))\n```\n")


def test_the_model_answers_in_the_format_asked_and_explains(dedupe: Task) -> None:
    models = reference_models("trap")(dedupe)(Settings(model_roles={"fast": "x"}))
    model = models["default"]
    assert models["fast"] is model and isinstance(model, ReferenceModel) and model.name == "trap"
    user = {"role": "user", "content": "make it faster"}
    edits = model.complete([{"role": "system", "content": EDITS_FORMAT}, user])
    assert "<<<<<<< SEARCH\n" in edits.text and "sorted(set(items))" in edits.text
    assert (edits.model, edits.provider) == ("ciopt-trap", "trap")
    assert edits.output_tokens > 0  # counted as a real reply is
    fenced = model.complete([{"role": "system", "content": "Reply with a code block."}, user])
    assert fenced.text == definition_reply(dedupe, dedupe.reply("trap"))
    explain = EXPLAIN.template("system") + "\n\nReply with JSON."
    told = json.loads(model.complete([{"role": "system", "content": explain}, user]).text)
    assert told["title"] == "Reference optimization of dedupe"


def test_a_task_without_the_reply_fails_before_its_run(dedupe: Task) -> None:
    (dedupe.root / "trap.py").unlink()
    with pytest.raises(ConfigError, match=r"task dedupe has no trap\.py; --model trap needs one"):
        reference_models("trap")(dedupe)
