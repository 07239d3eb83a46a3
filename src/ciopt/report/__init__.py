"""Reports: results rendered for people, through jinja2 templates (``report/templates``): the
pull request's body (``report.md``), the compare and calibration summaries, the job's replies."""

from __future__ import annotations

from ciopt.report.render import (
    render_calibration,
    render_compare,
    render_discovery,
    render_report,
    render_text,
)

__all__ = [
    "render_calibration",
    "render_compare",
    "render_discovery",
    "render_report",
    "render_text",
]
