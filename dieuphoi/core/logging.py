"""Logging filters that keep the console readable.

- ``OneLineClientErrors`` (on ``django.request``): a 4xx answer (a 403 for a
  forbidden action, a 404 for a hidden object) is the system working as
  designed, so it is logged as one line, without the traceback Django
  attaches; 5xx answers keep theirs.
- ``SkipStaticRequests`` (on ``django.server``, the development server's
  access log): successful requests for static files are not logged, so the
  console shows the pages a user opens.
"""

import logging

from django.conf import settings


class OneLineClientErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class SkipStaticRequests(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or status >= 400:
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        request_line = str(args[0]) if args else ""
        parts = request_line.split(" ")
        path = parts[1] if len(parts) > 1 else ""
        static = "/" + settings.STATIC_URL.lstrip("/")
        return not path.startswith(static)
