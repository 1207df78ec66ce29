"""GET /api/v1/openapi.json: a valid OpenAPI 3 document of every route, made from the same
schemas that validate the requests (one source of truth)."""
import json
import re

import pytest

from app import create_app

from ..conftest import TEST_SETTINGS

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def app():
    """The document needs no database: one app for the module."""
    return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.fixture(scope="module")
def spec(app):
    response = app.test_client().get("/api/v1/openapi.json")  # public: no token
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def _openapi_path(rule: str) -> str:
    """`/exercises/<int:exercise_id>/msel.<any(csv, xlsx):fmt>` -> `/exercises/{exercise_id}/msel.{fmt}`."""
    return re.sub(r"<(?:[^>]*:)?(\w+)>", r"{\1}", rule)


def _api_routes(app) -> dict[tuple[str, str], str]:
    """(method, OpenAPI path) -> endpoint, for every /api/v1 route but the document itself."""
    return {(method.lower(), _openapi_path(rule.rule)): rule.endpoint for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1") and rule.rule != "/api/v1/openapi.json"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _resolve(spec: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_the_document_is_openapi_3(spec):
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert spec["info"]["title"] == "Cordon" and spec["info"]["version"]
    assert set(spec) <= {"openapi", "info", "servers", "paths", "components", "security", "tags", "externalDocs"}
    json.dumps(spec, allow_nan=False)  # plain JSON: no NaN or Infinity anywhere


def test_every_reference_resolves(spec):
    refs = set(_refs(spec))
    assert refs
    for ref in refs:
        assert isinstance(_resolve(spec, ref), dict), ref


def test_every_operation_is_well_formed(spec):
    for path, item in spec["paths"].items():
        assert path.startswith("/api/v1/")
        assert set(item) <= HTTP_METHODS | {"parameters", "summary", "description", "servers"}, path
        templated = set(re.findall(r"{(\w+)}", path))
        for method in set(item) & HTTP_METHODS:
            operation = item[method]
            where = f"{method.upper()} {path}"
            assert operation["responses"], where
            for status, response in operation["responses"].items():
                assert status == "default" or re.fullmatch(r"[1-5]\d\d", str(status)), where
                assert "$ref" in response or "description" in response, where
            parameters = item.get("parameters", []) + operation.get("parameters", [])
            for parameter in parameters:
                parameter = _resolve(spec, parameter["$ref"]) if "$ref" in parameter else parameter
                assert parameter["in"] in ("query", "header", "path", "cookie") and parameter["name"], where
                assert "schema" in parameter or "content" in parameter, where
            declared = {p["name"] for p in parameters if p.get("in") == "path"}
            assert declared == templated, where
            assert all(p.get("required") for p in parameters if p.get("in") == "path"), where
            if "requestBody" in operation:
                assert operation["requestBody"]["content"], where


def test_every_route_and_method_is_documented(app, spec):
    documented = {(method, path) for path, item in spec["paths"].items() for method in set(item) & HTTP_METHODS}
    assert documented == set(_api_routes(app))


def test_ids_in_paths_are_integers(spec):
    for path, item in spec["paths"].items():
        for parameter in item.get("parameters", []):
            if parameter["name"].endswith("_id") and parameter["name"] not in ("inject_id", "scenario_id", "sop_id",
                                                                                  "objective_id", "zone_id"):
                assert parameter["schema"]["type"] == "integer", (path, parameter)


def _load_fields(schema) -> tuple[set[str], set[str]]:
    """(every field a request may send, the required ones) of a marshmallow schema."""
    instance = schema() if isinstance(schema, type) else schema
    names = {f.data_key or name for name, f in instance.fields.items() if not f.dump_only}
    required = {f.data_key or name for name, f in instance.fields.items() if f.required and not f.dump_only}
    return names, required


def test_request_bodies_reference_the_schemas_that_validate_them(app, spec):
    bodies = 0
    for (method, path), endpoint in _api_routes(app).items():
        operation = spec["paths"][path][method]
        arguments = getattr(app.view_functions[endpoint], "_apidoc", {}).get("arguments", {}).get("parameters", [])
        body = [a for a in arguments if a["in"] not in ("query", "path", "headers", "cookies")]
        if not body:
            assert "requestBody" not in operation, f"{method} {path}"
            continue
        bodies += 1
        (media, content), = operation["requestBody"]["content"].items()
        assert media in ("application/json", "multipart/form-data"), f"{method} {path}"
        ref = content["schema"]["$ref"]
        schema_class = body[0]["schema"] if isinstance(body[0]["schema"], type) else type(body[0]["schema"])
        assert ref == f"#/components/schemas/{schema_class.__name__}", f"{method} {path}"
        documented = _resolve(spec, ref)
        names, required = _load_fields(body[0]["schema"])
        assert set(documented["properties"]) == names, f"{method} {path}"
        assert set(documented.get("required", [])) == required, f"{method} {path}"
        assert documented.get("additionalProperties") is False, f"{method} {path}: unknown fields are refused"
    assert bodies >= 10


# The contract's payloads (DESIGN.md section 7), by name.
CONTRACT_BODIES = {
    ("post", "/api/v1/auth/token"): "TokenRequest",
    ("post", "/api/v1/join"): "JoinRequest",
    ("post", "/api/v1/exercises"): "ExerciseCreate",
    ("patch", "/api/v1/exercises/{exercise_id}"): "ExercisePatch",
    ("post", "/api/v1/exercises/{exercise_id}/injects"): "AdhocInject",
    ("patch", "/api/v1/exercises/{exercise_id}/injects/{inject_id}"): "InjectPatch",
    ("post", "/api/v1/exercises/{exercise_id}/messages"): "MessageIn",
    ("post", "/api/v1/exercises/{exercise_id}/actions"): "ActionIn",
}


@pytest.mark.parametrize("method, path", CONTRACT_BODIES, ids=[f"{m.upper()} {p}" for m, p in CONTRACT_BODIES])
def test_the_contracts_payloads_are_documented(spec, method, path):
    schema = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"#/components/schemas/{CONTRACT_BODIES[(method, path)]}"}


def test_query_parameters_carry_their_limits(spec):
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/exercises/{exercise_id}/events"]["get"]["parameters"]}
    assert parameters["since"]["schema"]["minimum"] == 0
    assert parameters["limit"]["schema"]["maximum"] == 10_000
    speed = spec["components"]["schemas"]["ExercisePatch"]["properties"]["speed"]
    assert (speed["minimum"], speed["maximum"]) == (0.1, 120)


def test_every_operation_declares_what_it_returns(spec):
    """Each operation's success answer has a schema: JSON by a component, a file by its media type."""
    missing = []
    for path, item in spec["paths"].items():
        for method in set(item) & HTTP_METHODS:
            responses = item[method]["responses"]
            success = {status: r for status, r in responses.items() if str(status).startswith("2")}
            described = [media for r in success.values() for media, content in (r.get("content") or {}).items()
                         if "schema" in content]
            if not described:
                missing.append(f"{method.upper()} {path}")
            for response in success.values():
                for media, content in (response.get("content") or {}).items():
                    schema = content["schema"]
                    if media == "application/json":
                        target = schema.get("items", schema)
                        assert "$ref" in target, f"{method.upper()} {path}: a JSON answer names its schema"
                        assert _resolve(spec, target["$ref"])["properties"], f"{method.upper()} {path}"
    assert not missing, f"operations without a response schema: {missing}"


def test_the_exercise_answer_documents_what_staff_alone_see(spec):
    inject = spec["components"]["schemas"]["InjectOut"]["properties"]
    for staff_field in ("expects", "notes", "scheduled_at_s", "acknowledged"):
        assert inject[staff_field]["description"].startswith("staff only"), staff_field
    assert "description" not in inject["title"] or not inject["title"]["description"].startswith("staff only")


def test_no_schema_name_is_used_twice(app):
    """Two schemas of one name would be renamed in the document: every name is unique."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fresh = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        assert fresh.test_client().get("/api/v1/openapi.json").status_code == 200
