"""Reports: results rendered for people, through jinja2 templates."""

from __future__ import annotations

from ciopt.report.render import render_report

__all__ = ["render_report"]
