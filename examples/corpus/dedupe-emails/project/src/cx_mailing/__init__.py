"""Cleaning up mailing lists."""

from cx_mailing.emails import unique_emails

__all__ = ["unique_emails"]
