"""The auth domain's forms: sign in, forgotten password, new password, and the account page's forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from ink.forms import BaseForm, strip_filter


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()

    unchecked_fields = frozenset({"next"})  # never stored; safe_next refuses anything odd in it


class ForgotPasswordForm(BaseForm):
    """Ask for a reset link by email."""

    email = EmailField(_l("Email"), filters=[strip_filter], validators=[
        InputRequired(), Length(max=254), Email(check_deliverability=False, message=_l("Enter a valid email address.")),
    ])


class NewPasswordForm(BaseForm):
    """Choose a new password (from a reset link)."""

    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=256)],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("The same password again"), validators=[
        InputRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class ProfileForm(BaseForm):
    """Name and interface language."""

    name = StringField(_l("Name"), filters=[strip_filter], validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Interface language"), validators=[Optional()])


class EmailChangeForm(BaseForm):
    """A new address, confirmed by a link sent to it; the current password proves it is you."""

    email = EmailField(_l("New email address"), filters=[strip_filter], validators=[
        InputRequired(), Length(max=254), Email(check_deliverability=False, message=_l("Enter a valid email address.")),
    ])
    password = PasswordField(_l("Your current password"), validators=[InputRequired(), Length(max=256)])


class PasswordChangeForm(BaseForm):
    """Change the password: the current one first."""

    current_password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=256)])
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=256)],
                             description=_l("At least 10 characters. Your other devices are signed out."))
    confirm = PasswordField(_l("The same password again"), validators=[
        InputRequired(), EqualTo("password", message=_l("The two passwords differ."))])
