"""Domain exceptions raised by services; spends.api.exceptions maps them to the contract's error body."""


class Conflict(Exception):
    """The request is valid but clashes with the stored state (answered 409)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail
