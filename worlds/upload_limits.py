"""An upload handler that stops keeping a file once it passes the size limit.

Django would otherwise spool any size of upload to a temporary file before a form sees it. Installed
first for the create/remix/edit views (`limit_uploads`), it swallows the rest of an oversized file
(the other form fields still arrive, so the form can show the error beside the image field) and hands
the form an `OversizedUpload` marker instead of the data. A request whose declared body is far beyond
any valid form is refused with a 400 before anything is read.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from worlds.reference_images import OversizedUpload

#: Room for the text fields of a form next to its one image.
FORM_OVERHEAD_BYTES = 64 * 1024


class SizeLimitedUploadHandler(FileUploadHandler):
    """Passes chunks on until a file exceeds `max_bytes`; from then on keeps nothing of it."""

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.oversized = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received, self.oversized = 0, False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.oversized = True
        return None if self.oversized else raw_data

    def file_complete(self, file_size: int):
        if self.oversized:
            return OversizedUpload(self.file_name, self.received)
        return None  # the next handler (memory or temporary file) completes a normal upload


def limit_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a form view: install the size-limited handler, then apply CSRF protection as usual.

    Upload handlers must be set before anything reads request.POST, and the CSRF middleware does read
    it, so CSRF is checked inside (Django's documented pattern for per-view upload handlers).
    """
    protected = csrf_protect(view)

    @wraps(view)
    @csrf_exempt
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        max_bytes = settings.WORLDFEED_REFERENCE_IMAGE_MAX_BYTES
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > 4 * max_bytes + FORM_OVERHEAD_BYTES:
            return HttpResponse(
                f"Request too large: images can be at most {max_bytes // (1024 * 1024)} MB.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        request.upload_handlers.insert(0, SizeLimitedUploadHandler(request, max_bytes=max_bytes))
        return protected(request, *args, **kwargs)

    return wrapper
