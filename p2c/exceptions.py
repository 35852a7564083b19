"""The platform's one domain error type, shown to the user as a message, never a 500."""


class ApplicationError(Exception):
    """A rule of the platform refused an action.

    Args:
        message: a translated, user-facing explanation.
        extra: optional details (e.g. a list of missing items) for the caller to show.
    """

    def __init__(self, message, extra=None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class TransitionNotAllowed(ApplicationError):
    """A moderation or workflow transition that the current state does not allow."""
