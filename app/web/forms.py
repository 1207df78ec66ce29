from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..i18n import LANGUAGES, language_name
from ..text import text_problem


def plain_text(form, field) -> None:
    """One line of Unicode text (app/text.py): no NUL, lone surrogates or control characters."""
    if isinstance(field.data, str):
        reason = text_problem(field.data, one_line=True)
        if reason:
            raise ValidationError(reason[0].upper() + reason[1:] + ".")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80), plain_text])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200), plain_text])


class JoinForm(FlaskForm):
    code = StringField(_l("Team code"), validators=[DataRequired(), Length(max=20), plain_text])
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=80), plain_text])
    # "": the exercise's language (set by its controller)
    language = SelectField(_l("Language"), default="", choices=[SelectChoice("", _l("The exercise's language"))] + [
        SelectChoice(code, language_name(code), render_kw={"lang": code}) for code in LANGUAGES])
