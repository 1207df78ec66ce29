"""Domain exceptions raised by services; api/ and realtime/ map them to responses in one place."""


class ServiceError(Exception):
    """A request the exercise's rules refuse; `code` and `status` shape the response."""

    code = "error"
    status = 400

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields

    def to_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return error


class NotFound(ServiceError):
    code, status = "not_found", 404


class Conflict(ServiceError):
    """An invalid transition: releasing a released inject, starting an ended exercise..."""

    code, status = "conflict", 409


class InvalidInput(ServiceError):
    code, status = "invalid", 422


class Unauthorized(ServiceError):
    code, status = "unauthorized", 401


class Forbidden(ServiceError):
    code, status = "forbidden", 403


class Busy(ServiceError):
    """The database stayed locked by other writers for longer than a request may wait."""

    code, status = "busy", 503
