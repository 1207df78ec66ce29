"""Signing in: staff API tokens and participants joining a team."""
from ..ratelimits import join_limited, login_limited
from ..schemas.api import JoinRequest, JoinResponse, TokenRequest, TokenResponse
from ..services.accounts import authenticate, issue_api_token
from ..services.participation import join_team
from .base import api_blueprint

blp = api_blueprint("auth", __name__, url_prefix="/api/v1", description="Staff tokens and team join",
                    public=True)


@blp.route("/auth/token", methods=["POST"])
@login_limited
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
def create_token(body):
    """Exchange a staff username and password for a bearer token."""
    user = authenticate(body["username"], body["password"])
    token = issue_api_token(user)
    return {"token": token, "user": user}


@blp.route("/join", methods=["POST"])
@join_limited
@blp.arguments(JoinRequest)
@blp.response(201, JoinResponse)
def join(body):
    """Join a team with its code; the token identifies this tablet from now on."""
    joined = join_team(body["code"], body["name"])
    team = joined.participant.team
    return {"token": joined.token, "exercise_id": team.exercise_id, "participant_id": joined.participant.id,
            "team": {"key": team.key, "name": team.name, "agency": team.agency}}
