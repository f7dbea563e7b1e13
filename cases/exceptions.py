"""Errors the case services raise; views and the API turn them into clear German messages."""

from __future__ import annotations


class InvalidTransition(Exception):
    """A state change that the case's or step's current state does not allow."""

    api_status = 409  # the API's answer (config.api_errors)

    def __init__(self, message: str, *, code: str = "invalid_transition") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def api_body(self) -> dict:
        return {"detail": self.message, "code": self.code}


class ServiceNotOrderable(Exception):
    """The commune does not offer the service online (not offered, or only as a link)."""

    def __init__(
        self,
        message: str,
        *,
        link_url: str = "",
        code: str = "not_offered",
        required_level: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.link_url = link_url
        self.code = code
        # code "auth_level": the login quality the service needs (accounts.levels).
        self.required_level = required_level

    @property
    def api_status(self) -> int:
        """403 when the login is not good enough, else 400 (config.api_errors)."""
        return 403 if self.code == "auth_level" else 400

    def api_body(self) -> dict:
        body: dict = {"service": [self.message], "code": self.code}
        if self.link_url:
            body["link_url"] = self.link_url
        if self.code == "auth_level":
            body["required_level"] = self.required_level
        return body
