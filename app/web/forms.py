from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class JoinForm(FlaskForm):
    code = StringField("Team code", validators=[DataRequired(), Length(max=20)])
    name = StringField("Your name", validators=[DataRequired(), Length(max=80)])
