"""The one jinja2 set-up for all ciopt renders: prompts, reports, summaries, the trace page."""

from __future__ import annotations

import jinja2

__all__ = ["environment"]


def environment(package: str, *, html: bool = False) -> jinja2.Environment:
    """Templates of ``package``'s ``templates`` folder; strict about undefined names.

    Only HTML is autoescaped: prompts, markdown and terminal text are plain text (forges
    sanitise the markdown they render).
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=html,  # noqa: S701 - on exactly for HTML
    )
