from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..text import text_problem


def plain_text(form, field) -> None:
    """One line of Unicode text (app/text.py): no NUL, lone surrogates or control characters."""
    if isinstance(field.data, str):
        reason = text_problem(field.data, one_line=True)
        if reason:
            raise ValidationError(reason[0].upper() + reason[1:] + ".")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80), plain_text])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200), plain_text])


class JoinForm(FlaskForm):
    code = StringField("Team code", validators=[DataRequired(), Length(max=20), plain_text])
    name = StringField("Your name", validators=[DataRequired(), Length(max=80), plain_text])
