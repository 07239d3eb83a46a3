"""The reference model: a task answered with its own ``reference.py`` (or ``trap.py``).

``--model reference`` is how the corpus's reference figures are verified by ciopt itself, and
``--model trap`` how its traps are shown to be caught. The replies go through litellm's
``mock_response`` path like the scripted model's, so decoding, budget and trace are the real ones.

The model follows the reply format its prompt asks for, as a real one would: SEARCH/REPLACE
edits when the format shows a ``<<<<<<< SEARCH`` line (the edit replaces the target's whole
definition), else the definition in a python fence. An explain call (the winner's title and
summary, recognised by the signature's own system prompt) gets a fixed explanation.
"""

from __future__ import annotations

import ast
import json
import textwrap
from collections.abc import Callable, Mapping
from typing import Any, Literal

from ciopt.agent import EXPLAIN, Completion, LiteLLMModel, Model
from ciopt.config import Settings
from ciopt.errors import ConfigError
from ciopt.learn.corpus import Task
from ciopt.templating import codeblock

__all__ = [
    "REFERENCE_MODELS",
    "ReferenceModel",
    "definition_reply",
    "edit_reply",
    "reference_models",
]

Which = Literal["reference", "trap"]
REFERENCE_MODELS: tuple[Which, ...] = ("reference", "trap")
SEARCH_LINE = "<<<<<<< SEARCH"
ModelsFor = Callable[[Task], Callable[[Settings], Mapping[str, Model]]]


class ReferenceModel(LiteLLMModel):
    """Answers every propose and repair call of ``task`` with its ``which`` reply."""

    def __init__(self, task: Task, which: Which = "reference") -> None:
        super().__init__(f"openai/ciopt-{which}", num_retries=0)
        self.name = which
        self.task = task
        self._code = task.reply(which)
        self._next = ""

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        seconds_left: float | None = None,
    ) -> Completion:
        system = messages[0]["content"] if messages else ""
        if system.startswith(EXPLAIN.template("system")):
            self._next = _explanation(self.task)
        elif SEARCH_LINE in (line.strip() for line in system.splitlines()):
            self._next = edit_reply(self.task, self._code)
        else:
            self._next = definition_reply(self.task, self._code)
        done = super().complete(messages, max_tokens=max_tokens, seconds_left=seconds_left)
        return done.model_copy(update={"model": f"ciopt-{self.name}", "provider": self.name})

    def _call_args(self) -> dict[str, Any]:
        return {**super()._call_args(), "mock_response": self._next}


def reference_models(which: Which = "reference") -> ModelsFor:
    """``evaluate``'s models factory: each task's reference (or trap) model, in every role."""

    def for_task(task: Task) -> Callable[[Settings], Mapping[str, Model]]:
        task.reply(which)  # a missing reply file is the task's error, before its run

        def models(settings: Settings) -> Mapping[str, Model]:
            model = ReferenceModel(task, which)
            return {role: model for role in ("default", *settings.model_roles)}

        return models

    return for_task


def definition_reply(task: Task, code: str) -> str:
    """The reply as a whole definition: a line of rationale, the code in a python fence."""
    return f"The reference optimization of `{task.qualname}`.\n\n{codeblock(code, 'python')}\n"


def edit_reply(task: Task, code: str) -> str:
    """The reply as one SEARCH/REPLACE edit of the target's file: its current definition
    (decorators included) replaced by ``code`` (without ``from __future__`` imports, which may
    only start a module), indented as the definition is."""
    source = (task.project / task.target_path).read_text(encoding="utf-8")
    node = _definition(ast.parse(source), task.qualname)
    if node is None:
        raise ConfigError(
            f"task {task.name}: no definition of {task.qualname} in {task.target_path}"
        )
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    old = "\n".join(source.splitlines()[first - 1 : node.end_lineno])
    kept = [line for line in code.splitlines() if not line.startswith("from __future__ ")]
    new = textwrap.indent(textwrap.dedent("\n".join(kept)).strip("\n"), " " * node.col_offset)
    return (
        f"The reference optimization of `{task.qualname}`.\n\n{task.target_path}\n"
        f"{SEARCH_LINE}\n{old}\n=======\n{new}\n>>>>>>> REPLACE\n"
    )


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _definition(tree: ast.Module, qualname: str) -> Definition | None:
    body: list[ast.stmt] = tree.body
    found: Definition | None = None
    for part in qualname.split("."):
        found = next((n for n in body if isinstance(n, Definition) and n.name == part), None)
        if found is None:
            return None
        body = found.body
    return found


def _explanation(task: Task) -> str:
    return json.dumps(
        {
            "title": f"Reference optimization of {task.qualname}"[:100],
            "summary": f"The task corpus's reference optimization of {task.target}, "
            "verified and measured by ciopt.",
        }
    )
