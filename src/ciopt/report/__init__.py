"""Reports: results rendered for people, through jinja2 templates."""

from __future__ import annotations

from ciopt.report.render import render_compare, render_report

__all__ = ["render_compare", "render_report"]
