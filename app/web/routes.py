from flask import flash, g, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import text

from ..auth import caller
from ..extensions import db
from ..i18n import COOKIE, DEFAULT, supported
from ..ratelimits import join_limited, login_limited
from ..services.accounts import authenticate
from ..errors import ServiceError
from ..services.participation import join_team
from ..services.unit import unit_of_work
from ..services.sessions import end_sessions
from . import bp
from .forms import JoinForm, LoginForm


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and `make run`."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # a health check reports, it does not raise
        database = f"error: {exc.__class__.__name__}"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("web.exercises"))
    return render_template("index.html")


@bp.route("/login", methods=["GET", "POST"])
@login_limited
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except ServiceError as exc:
            flash(exc.message, "error")
            status = 401
        else:
            _new_session()
            login_user(user)
            next_url = request.args.get("next", "")
            # Only local paths: an open redirect would let a link send staff elsewhere.
            if not next_url.startswith("/") or next_url.startswith("//"):
                next_url = url_for("web.exercises")
            return redirect(next_url)
    elif request.method == "POST":
        for field in (form.username, form.password):
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        status = 422 if form.username.errors or form.password.errors else 400  # else: the CSRF token
    return render_template("login.html", form=form), status


@bp.post("/logout")
@caller("staff", page=True)
def logout(caller):
    """Ends this account's sessions on the server (an old cookie no longer works), then this one."""
    user = caller.user
    with unit_of_work():
        end_sessions(user)
    logout_user()
    _new_session()
    return redirect(url_for("web.index"))


def _new_session() -> None:
    """Nothing from before sign-in or sign-out carries over, the CSRF token included (Flask-WTF
    keeps it in the session, and a copy for the rest of this request in g)."""
    session.clear()
    g.pop("csrf_token", None)


YEAR_S = 365 * 24 * 3600


def _remember_language(response, language: str):
    response.set_cookie(COOKIE, language, max_age=YEAR_S, samesite="Lax", secure=request.is_secure, httponly=True)
    return response


@bp.post("/language")
def language():
    """Choose the interface language (the top bar, the tablet): kept in a cookie for this browser
    and, for signed-in staff, as their preference wherever they sign in."""
    chosen = supported(request.form.get("lang"))
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("web.index")
    if chosen is None:
        flash(_("Unknown language: choose one of the list."), "error")
        return redirect(back), 303
    if current_user.is_authenticated:
        with unit_of_work():
            db.session.merge(current_user._get_current_object()).language = chosen
    return _remember_language(redirect(back, 303), chosen)


@bp.route("/join", methods=["GET", "POST"])
@join_limited
def join():
    """Join a team with its code (typed, or from the QR link ?code=...), in a language chosen
    here or, by default, the exercise's."""
    form = JoinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"]
    if form.validate_on_submit():
        try:
            with unit_of_work():
                joined = join_team(form.code.data, form.name.data)
        except ServiceError as exc:
            form.code.errors = [exc.message]
        else:
            team = joined.participant.team
            chosen = supported(form.language.data) or supported(team.exercise.language) or DEFAULT
            with force_locale(chosen):
                page = render_template("joined.html", token=joined.token, team=team, exercise_id=team.exercise_id,
                                       name=joined.participant.display_name)
            response = _remember_language(make_response(page, 200), chosen)
            response.headers["Cache-Control"] = "no-store"  # the page holds the tablet's token
            return response
    status = 422 if request.method == "POST" else 200
    return render_template("join.html", form=form), status



@bp.get("/team")
def team():
    """The team tablet; it identifies itself with the token kept in local storage at /join."""
    return render_template("tablet.html")


@bp.get("/exercises")
@caller("staff", page=True)
def exercises(caller):
    return render_template("exercises.html")
