"""Reconciling expected and received record ids."""

from cx_reconcile.ids import reconcile

__all__ = ["reconcile"]
