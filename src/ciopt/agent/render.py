"""Rendering a signature's inputs into chat messages, with jinja2 templates."""

from __future__ import annotations

from typing import Any

import jinja2

__all__ = ["render_messages"]


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ciopt.agent", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - prompts are plain text, never HTML
    )


def render_messages(signature: str, inputs: dict[str, Any]) -> list[dict[str, str]]:
    env = _env()
    system = env.get_template(f"{signature}.system.j2").render(**inputs).strip()
    user = env.get_template(f"{signature}.user.j2").render(**inputs).strip()
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
