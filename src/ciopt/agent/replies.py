"""A reply to propose or repair, read into a rationale and edits, whatever format was asked for.

SEARCH/REPLACE blocks when the reply has them, else whole definitions in code blocks
(``definitions``). A block's path names a given file as given, or by its tail (``tokens.py``,
``textkit/tokens.py``, ``path/to/tokens.py``); a block that copies a placeholder, and edits that
change nothing, are refused. Every refusal is an ``EditError`` written for the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ciopt.agent.definitions import definition_edits
from ciopt.agent.edits import SEARCH, Edit, EditError, parse_edits
from ciopt.agent.locate import name_parts

__all__ = ["RATIONALE_CHARS", "read_reply"]

RATIONALE_CHARS = 4000
PLACEHOLDERS = frozenset(  # the texts earlier format prompts showed, which weak models copy
    {
        "lines copied exactly from the current file, including indentation",
        "lines copied exactly from the file",
        "the lines that replace them",
    }
)


def read_reply(
    text: str, targets: Sequence[tuple[str, str]], files: Mapping[str, str]
) -> tuple[str, list[Edit]]:
    """The rationale and edits of a reply about ``targets`` (path, qualname) of ``files``
    (path -> text); ``EditError`` when it holds none that can be used."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(line.strip() == SEARCH for line in text.split("\n")):
        edits = [_checked(edit, n, files) for n, edit in enumerate(parse_edits(text), 1)]
        if all(edit.search == edit.replace for edit in edits):
            raise EditError(
                "the edits change nothing: each REPLACE section repeats its SEARCH section; "
                "put your faster code in the REPLACE sections"
            )
        head = text.split(SEARCH, 1)[0].strip().splitlines()
        rationale = " ".join(line.strip() for line in head[:-1] if line.strip())
        return rationale[:RATIONALE_CHARS], edits
    edits, rationale = definition_edits(text, targets, files)
    if not edits:
        names = " and ".join(f"`{(name_parts(q) or [q])[-1]}`" for _, q in targets) or "the target"
        raise EditError(
            f"the reply has no edit: it holds no code block with the whole new definition of "
            f"{names}, and no {SEARCH} block"
        )
    return rationale[:RATIONALE_CHARS], edits


def _checked(edit: Edit, number: int, files: Mapping[str, str]) -> Edit:
    wanted = {"SEARCH": f"the lines of {edit.path} to change", "REPLACE": "your new code"}
    for section, name in ((edit.search, "SEARCH"), (edit.replace, "REPLACE")):
        if section.strip().lower() in PLACEHOLDERS:
            raise EditError(
                f"edit {number}: its {name} section is placeholder text, not code; "
                f"put {wanted[name]} there"
            )
    path = _resolved(edit.path, files, number)
    return edit if path == edit.path else edit.model_copy(update={"path": path})


def _resolved(path: str, files: Mapping[str, str], number: int) -> str:
    """The given file ``path`` names: itself, or the one file ending in its longest tail."""
    if path in files:
        return path
    parts = [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]
    for i in range(len(parts)):
        tail = "/".join(parts[i:])
        hits = [given for given in files if given == tail or given.endswith(f"/{tail}")]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise EditError(
                f"edit {number} names {path}, which could be {' or '.join(hits)}; "
                "give the file's path as shown"
            )
    if parts[:2] == ["path", "to"]:
        raise EditError(
            f"edit {number} names {path}, which is not a file you were given; "
            f"give the path of one of: {', '.join(files)}"
        )
    return path
