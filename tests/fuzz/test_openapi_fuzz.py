"""Fuzzing the REST API from its own OpenAPI document (schemathesis): no input may cause a 500.

Runs in-process against the WSGI app with a seeded exercise, as a controller (who can reach
every endpoint). For a longer run:
    CORDON_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/fuzz -q
"""
import os

import schemathesis
from hypothesis import HealthCheck, given, settings

from app.extensions import db
from app.services import lifecycle

from ..helpers import bearer, gen_exercise, gen_tablet, gen_user, token_for

EXAMPLES = int(os.environ.get("CORDON_FUZZ_EXAMPLES", "8"))


def test_no_generated_request_causes_a_server_error(library_app, clock):
    controller = gen_user("ctl", "controller")
    exercise = gen_exercise(creator=controller)
    gen_tablet(exercise, "fire")
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    library_app.config["RATELIMIT_ENABLED"] = False
    headers = bearer(token_for(controller))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", library_app)
    failures = []
    operations = 0

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            # Most generated ids point nowhere; steer some to the seeded exercise.
            if case.path_parameters and "exercise_id" in case.path_parameters and len(str(case.body)) % 2:
                case.path_parameters["exercise_id"] = exercise.id
            response = case.call(headers=headers)
            db.session.rollback()
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} body={case.body!r} -> {response.status_code}")

        run()
    assert operations >= 30
    assert failures == [], "\n".join(failures[:20])


SITE_PATHS = ("/responders", "/readings", "/doses", "/field", "/sources", "/zones", "/site")


def test_no_generated_request_on_an_exercise_with_a_site_causes_a_server_error(app, clock):
    """The site's operations (zones, responders, readings, doses, the field, sources) on an exercise
    whose scenario has a site and sources, so requests get past the 409 of an exercise without one."""
    from ..helpers import ZONES_LIBRARY

    app.config["CORDON_CONTENT_ROOT"] = str(ZONES_LIBRARY)
    controller = gen_user("ctl", "controller")
    exercise = gen_exercise("cordon-drill", creator=controller)
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    app.config["RATELIMIT_ENABLED"] = False
    headers = bearer(token_for(controller))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not any(part in operation.path for part in SITE_PATHS):
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES * 3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            if case.path_parameters and "exercise_id" in case.path_parameters:
                case.path_parameters["exercise_id"] = exercise.id
            clock.advance(1.1)  # past the one-reading-a-second limit
            response = case.call(headers=headers)
            db.session.rollback()
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} body={case.body!r} -> {response.status_code}")

        run()
    assert operations >= 14
    assert failures == [], "\n".join(failures[:20])
