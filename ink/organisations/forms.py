"""Forms for organisations and their editors."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, Email, EqualTo, InputRequired, Length, Optional, Regexp, ValidationError

from ink.forms import BaseForm, MultiCheckboxField, OriginalLanguageField, VersionedForm, make_choices, strip_filter


class OrganisationForm(VersionedForm):
    """The profile. Editors get it without ``slug`` (the view deletes that field for them)."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=160)])
    slug = StringField(
        _l("Web address"), validators=[Optional(), Length(max=80),
                                       Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                              message=_l("Use lower-case letters, digits and hyphens only."))],
        description=_l("The last part of the organisation's public address; leave empty to make one from the name."),
    )
    description = TextAreaField(_l("About the organisation"), validators=[Optional(), Length(max=10_000)])
    original_language = OriginalLanguageField(description=_l("The language of the text about the organisation."))
    website = URLField(_l("Website"), validators=[
        Optional(), Length(max=300),
        URL(require_tld=False, message=_l("Enter a web address starting with http:// or https://.")),
    ])
    contact_email = EmailField(_l("Public contact email"), filters=[strip_filter], validators=[
        Optional(), Length(max=254), Email(check_deliverability=False, message=_l("Enter a valid email address.")),
    ])
    contact_phone = StringField(_l("Public contact phone"), validators=[Optional(), Length(max=40)])
    languages = MultiCheckboxField(_l("Languages the organisation works in"), validators=[Optional()])
    topics = MultiCheckboxField(_l("Topics"), coerce=int, validators=[Optional()])

    def validate_website(self, field: URLField) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Enter a web address starting with http:// or https://."))


class OrganisationTextForm(VersionedForm):
    """A version of the organisation's description in another language (limits as the original's)."""

    language = SelectField(_l("Language"), validators=[InputRequired()], validate_choice=False)
    description = TextAreaField(_l("About the organisation"), validators=[InputRequired(), Length(max=10_000)])


class TextVersionActionForm(VersionedForm):
    """Confirming or removing a version in another language: only the version it was shown at."""


class InviteForm(BaseForm):
    """Invite a person by email to become an editor (whether or not they have an account)."""

    email = EmailField(_l("Email address"), filters=[strip_filter], validators=[
        InputRequired(), Length(max=254), Email(check_deliverability=False, message=_l("Enter a valid email address.")),
    ])


class JoinForm(BaseForm):
    """The public application to join: the organisation's profile and the applicant. ``homepage`` is a
    honeypot (hidden from people, filled by bots); ``started`` is the signed moment the form was shown."""

    name = StringField(_l("Name of the organisation"), filters=[strip_filter], validators=[InputRequired(), Length(max=160)])
    description = TextAreaField(_l("About the organisation"), validators=[Optional(), Length(max=10_000)])
    website = URLField(_l("Website"), filters=[strip_filter], validators=[
        Optional(), Length(max=300),
        URL(require_tld=False, message=_l("Enter a web address starting with http:// or https://.")),
    ])
    contact_email = EmailField(_l("Public contact email"), filters=[strip_filter], validators=[
        Optional(), Length(max=254), Email(check_deliverability=False, message=_l("Enter a valid email address.")),
    ])
    contact_phone = StringField(_l("Public contact phone"), validators=[Optional(), Length(max=40)])
    languages = MultiCheckboxField(_l("Languages the organisation works in"), validators=[Optional()])
    topics = MultiCheckboxField(_l("Topics"), coerce=int, validators=[Optional()])
    applicant_name = StringField(_l("Your name"), filters=[strip_filter], validators=[InputRequired(), Length(max=120)])
    applicant_email = EmailField(_l("Your email"), filters=[strip_filter], validators=[
        InputRequired(), Length(max=254), Email(check_deliverability=False, message=_l("Enter a valid email address.")),
    ])
    homepage = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=300)])
    started = HiddenField()

    def validate_website(self, field: URLField) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Enter a web address starting with http:// or https://."))


class ApproveApplicationForm(BaseForm):
    """A coordinator approves an application, perhaps adjusting the name and choosing the web address."""

    name = StringField(_l("Name"), filters=[strip_filter], validators=[InputRequired(), Length(max=160)])
    slug = StringField(
        _l("Web address"), filters=[strip_filter], validators=[
            Optional(), Length(max=80),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use lower-case letters, digits and hyphens only."))],
        description=_l("The last part of the organisation's public address; leave empty to make one from the name."),
    )


class DeclineApplicationForm(BaseForm):
    """A coordinator declines an application with a message the applicant receives."""

    message = TextAreaField(_l("Message to the applicant"), validators=[InputRequired(), Length(max=5_000)])


class AcceptWithAccountForm(BaseForm):
    """Accepting an invitation by making a new account for the invited address."""

    name = StringField(_l("Your name"), filters=[strip_filter], validators=[InputRequired(), Length(max=120)])
    password = PasswordField(_l("Choose a password"), validators=[InputRequired(), Length(max=256)],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("The same password again"), validators=[
        InputRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class ModerationForm(BaseForm):
    """A coordinator makes an organisation trusted or reviewed."""

    moderation = RadioField(_l("Publishing"), validators=[InputRequired()], choices=make_choices([
        ("trusted", _l("Trusted: its editors publish directly")),
        ("reviewed", _l("Reviewed: a coordinator approves publishing and changes to public events")),
    ]))
