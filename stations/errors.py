"""The one shape of a refusal by the rules: a stable `code` the web app translates, and the
`params` that fill its message. Each room of rules has its own subclass."""

from __future__ import annotations

from typing import Any


class RuleError(ValueError):
    def __init__(self, code: str, message: str = "", **params: Any) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.params = params
