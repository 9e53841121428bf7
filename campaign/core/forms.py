"""The base of every form: text only. A file sent in a text field (a crafted multipart POST)
gets a clear error beside that field and status 400, never a validator that expects text."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm


class TextForm(FlaskForm):
    class Meta:
        def wrap_formdata(self, form, formdata):
            wrapped = FlaskForm.Meta.wrap_formdata(self, form, formdata)
            if wrapped is None or hasattr(formdata, "getlist"):
                return wrapped  # nothing submitted, or form data given by the caller
            # Flask-WTF would add request.files, or a JSON body's values of any type, to what
            # the fields read: these forms read only fields of text.
            return request.form

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in request.files:
            field = self._fields.get(name)
            if field is not None:
                field.errors = [_l("This field takes text, not a file.")]
                valid = False
        return valid
