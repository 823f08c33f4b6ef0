"""Refusing an upload that is too big before its body is read (DATA_UPLOAD_MAX_MEMORY_SIZE does
not cover files).

A view that accepts a large file installs `SizeLimitUploadHandler` in front of Django's handlers
before anything reads request.POST, which means the view itself must be csrf_exempt and check
the token afterwards (Django's documented pattern; `limited_upload` below does both):

    @limited_upload(lambda: settings.PROMPT_UPLOAD_MAX_BYTES)
    def view(request): ...   # request.upload_too_large is True when the file was cut off

The handler counts the bytes of each file as they stream in and stops reading the request as
soon as one file passes the limit, or at once when the request's Content-Length (or the file
part's own length) already says so. The form fields sent before the file (the CSRF token comes
first) are still parsed; the file is not in request.FILES and `request.upload_too_large` is set
so the form can say why.
"""

from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect

FORM_OVERHEAD = 64 * 1024  # the other fields and multipart headers of an upload form


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit
        self.request_length = None
        request.upload_too_large = False

    def _refuse(self):
        self.request.upload_too_large = True
        # connection_reset: the parser stops reading the body instead of draining it.
        raise StopUpload(connection_reset=True)

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length
        return None

    def new_file(
        self,
        field_name,
        file_name,
        content_type,
        content_length,
        charset=None,
        content_type_extra=None,
    ):
        if (content_length or 0) > self.limit or (
            self.request_length or 0
        ) > self.limit + FORM_OVERHEAD:
            self._refuse()
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data  # passed on to Django's memory/temporary-file handlers

    def file_complete(self, file_size):
        return None


def reads_its_own_upload(view):
    """Mark a view (function or class) that installs its own upload handlers: middleware must not
    read its request.POST first (connect.middleware.RefuseNulMiddleware asks)."""
    view.reads_its_own_upload = True
    return view


def view_reads_its_own_upload(view_func):
    view_class = getattr(view_func, "view_class", None)
    return bool(getattr(view_func, "reads_its_own_upload", False) or getattr(view_class, "reads_its_own_upload", False))


def limited_upload(get_limit):
    """Decorator for a function view (or a class view's dispatch) that takes one large file:
    installs SizeLimitUploadHandler with the limit `get_limit()` and keeps CSRF protection.
    A class view decorated at its dispatch also needs `@reads_its_own_upload` on the class."""

    def decorator(view):
        protected = csrf_protect(view)

        @wraps(view)
        @csrf_exempt
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                request.upload_handlers.insert(0, SizeLimitUploadHandler(request, get_limit()))
            else:
                request.upload_too_large = False
            return protected(request, *args, **kwargs)

        return reads_its_own_upload(wrapper)

    return decorator
