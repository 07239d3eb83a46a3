"""Moving totals over daily counts."""

from cx_windows.windows import moving_totals

__all__ = ["moving_totals"]
