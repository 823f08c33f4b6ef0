"""Form helpers shared by the apps' views and admins."""


def add_operation_errors(form, exc):
    """Put an operation's ValidationError on `form`: errors keyed by one of the form's fields go
    to that field, every other error (unknown key or no key) becomes a form-wide error."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.error_list:
            form.add_error(None, error)
