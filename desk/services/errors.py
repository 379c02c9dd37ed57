"""Errors services raise for the person at the form to fix."""

from __future__ import annotations


class FieldError(Exception):
    """A rule that input broke, to be shown next to ``field`` (a form field's name).

    Forms check the shape of input; rules that need the database (a code already
    taken, your own admin flag) live in services and come back through this.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def show_on(self, form) -> None:
        """Attach the message to the form's field (or to the form when it has no such field)."""
        target = getattr(form, self.field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, self.message]
        else:
            form.form_errors.append(self.message)
