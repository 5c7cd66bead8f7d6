"""Errors that the domain layer raises for the dashboard and the command line to show."""

from __future__ import annotations


class ValidationError(ValueError):
    """Bad input, with a message for the user keyed by the field it concerns.

    ``messages`` maps field name to an English message id (translated by the dashboard) and
    ``params`` holds the values to format into it.
    """

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(f"{field}: {message}")
        self.messages = {field: message}
        self.params = {field: params}
