"""Run-length encoding of scan lines."""

from cx_rle.rle import run_lengths

__all__ = ["run_lengths"]
