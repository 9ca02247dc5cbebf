"""Logging filters of the project's log configuration (settings.LOGGING)."""

import logging


class ForbiddenInOneLine(logging.Filter):
    """A refused request (403) is the permission system at work, not a fault: it is logged as
    Django's one line ("Forbidden (Permission denied): /path"), without the traceback of the
    PermissionDenied that Django attaches."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info = record.exc_text = None
        return True
