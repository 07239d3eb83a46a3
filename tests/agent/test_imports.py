from __future__ import annotations

import ast

from ciopt.agent.codeblocks import Code, read_code
from ciopt.agent.imports import import_region, new_imports
from ciopt.agent.locate import source_lines
from ciopt.agent.splice import Region


def _given(code_text: str) -> list[tuple[Code, ast.Import | ast.ImportFrom]]:
    (code,) = read_code(f"```python\n{code_text}```").codes
    return [(code, s) for s in code.tree.body if isinstance(s, ast.Import | ast.ImportFrom)]


def test_only_what_the_module_lacks() -> None:
    module = ast.parse(
        "import os\nfrom typing import Any\ntry:\n    import json\nexcept ImportError:\n    pass\n"
    )
    given = _given(
        "from __future__ import annotations\nimport os, re\nimport json\n"
        "from typing import Any, cast\nimport numpy as np\n"
    )
    assert new_imports(module, given) == [
        "import re",
        "from typing import cast",
        "import numpy as np",
    ]


def test_where_new_imports_go() -> None:
    def region(text: str) -> Region:
        return import_region(ast.parse(text), tuple(source_lines(text)), ["import re"])

    assert region("import os\nimport sys\n\nx = 1\n") == Region(2, 2, ("import re",))
    assert region('"""Doc."""\n\nx = 1\n') == Region(1, 1, ("", "import re"))
    assert region("#!/usr/bin/env python\n# coding: utf-8\nx = 1\n") == Region(
        2, 2, ("import re", "")
    )
