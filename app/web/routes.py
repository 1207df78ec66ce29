from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import text

from ..extensions import db, limiter
from ..services.accounts import authenticate
from ..services.errors import ServiceError
from ..services.participation import join_team
from ..services.unit import unit_of_work
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
@limiter.limit(lambda: current_app.config["CORDON_LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            login_user(user)
            next_url = request.args.get("next", "")
            # Only local paths: an open redirect would let a link send staff elsewhere.
            if not next_url.startswith("/") or next_url.startswith("//"):
                next_url = url_for("web.exercises")
            return redirect(next_url)
    status = 401 if request.method == "POST" else 200
    return render_template("login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("web.index"))


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["CORDON_JOIN_RATE_LIMIT"], methods=["POST"])
def join():
    """Join a team with its code (typed, or from the QR link ?code=...)."""
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
            return render_template("joined.html", token=joined.token, team=team, exercise_id=team.exercise_id,
                                   name=joined.participant.display_name)
    status = 422 if request.method == "POST" else 200
    return render_template("join.html", form=form), status


@bp.get("/team")
def team():
    """The team tablet; it identifies itself with the token kept in local storage at /join."""
    return render_template("tablet.html")


@bp.get("/exercises")
@login_required
def exercises():
    return render_template("exercises.html")
