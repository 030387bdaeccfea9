from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from ink.forms import SafeForm


class LoginForm(SafeForm):
    nul_tolerant = ("next",)  # is_safe_next refuses control characters; the sign-in itself goes ahead

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
