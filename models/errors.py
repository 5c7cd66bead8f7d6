"""Errors that the domain layer raises for the dashboard and the command line to show."""

from __future__ import annotations


class Refusal(ValueError):
    """A request refused as a whole, with a message for the user.

    ``message`` is an English message id (translated by the dashboard) and ``params`` holds
    the values to format into it; ``str()`` is the English message, for the command line.
    """

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params


class ValidationError(ValueError):
    """Bad input, with a message for the user keyed by the field it concerns.

    ``messages`` maps field name to an English message id (translated by the dashboard) and
    ``params`` holds the values to format into it.
    """

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(f"{field}: {message}")
        self.messages = {field: message}
        self.params = {field: params}
