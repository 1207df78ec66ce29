"""The shape of the code, checked: one unit of work, and layers that import only downwards."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# The unit of work, and the two loops that run many units of work themselves.
MAY_COMMIT = {"services/unit.py", "services/scheduler.py", "realtime/group_commit.py"}


def modules():
    for path in sorted(APP.rglob("*.py")):
        yield path.relative_to(APP).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_only_the_unit_of_work_and_the_background_writers_commit_or_roll_back():
    found = []
    for name, tree in modules():
        if name in MAY_COMMIT:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("commit", "rollback"):
                found.append(f"app/{name}:{node.lineno}: .{node.func.attr}()")
    assert not found, "use services.unit.unit_of_work instead:\n" + "\n".join(found)


def imported_app_modules(name: str, tree: ast.AST) -> set[str]:
    """Absolute names (app.x.y) of the Cordon modules a module imports."""
    package = ["app", *name.removesuffix(".py").split("/")][:-1]
    if name.endswith("__init__.py"):
        package = ["app", *name.split("/")[:-1]]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("app"):
                found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("app"))
    return found


def test_api_web_and_content_never_import_realtime():
    offenders = [f"app/{name} imports {target}" for name, tree in modules()
                 if name.split("/")[0] in ("api", "web", "content")
                 for target in imported_app_modules(name, tree) if target.startswith("app.realtime")]
    assert not offenders, "\n".join(offenders)


def test_engine_imports_nothing_of_flask_or_the_database():
    offenders = []
    for name, tree in modules():
        if not name.startswith("engine/"):
            continue
        for node in ast.walk(tree):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            offenders += [f"app/{name}: {n}" for n in names if n.split(".")[0] in ("flask", "flask_sqlalchemy",
                                                                                   "sqlalchemy", "flask_socketio")]
        for target in imported_app_modules(name, tree):
            if not (target.startswith("app.engine") or target == "app.vocabulary"):
                offenders.append(f"app/{name}: {target}")
    assert not offenders, "\n".join(offenders)
