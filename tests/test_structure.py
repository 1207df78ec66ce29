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
            if not target.startswith("app"):
                continue
            if node.module is None:  # from . import a, b: the modules a and b of the package
                found.update(f"{target}.{alias.name}" for alias in node.names)
            else:
                found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("app"))
    return found


def test_api_web_and_content_never_import_realtime():
    offenders = [f"app/{name} imports {target}" for name, tree in modules()
                 if name.split("/")[0] in ("api", "web", "content")
                 for target in imported_app_modules(name, tree) if target.startswith("app.realtime")]
    assert not offenders, "\n".join(offenders)


def test_routes_and_pages_check_their_caller_one_way():
    """`@caller(rule)` (auth.RULES) on REST operations and pages, `client_event(caller=...)` on socket
    events: no route asks for the principal and checks it by hand, no page checks roles itself."""
    offenders = []
    for name, tree in modules():
        if name.split("/")[0] not in ("api", "web") or name == "api/base.py":  # base: every API call signed in
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("current_principal", "login_required"):
                offenders.append(f"app/{name}:{node.lineno}: {node.func.id}()")
            elif isinstance(node, ast.Name) and node.id in ("login_required", "may_control"):
                offenders.append(f"app/{name}:{node.lineno}: {node.id}")
            elif isinstance(node, ast.Attribute) and node.attr.startswith("require_"):
                offenders.append(f"app/{name}:{node.lineno}: .{node.attr}")
    assert not offenders, "use auth.caller:\n" + "\n".join(offenders)


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


# Imports inside a function are allowed only where they are not dodging a cycle: the app factory
# and blueprint registration (which wire everything together), command bodies (a command loads
# only what it uses), serving, and heavy libraries loaded on first use.
LATE_IMPORTS_ALLOWED = {"__init__.py", "api/__init__.py", "cli.py", "serve.py", "report/render.py"}
# Modules that pull in numpy, shapely or matplotlib: loaded when first needed, not at start-up.
HEAVY_MODULES = {"app.schemas.radiation"}


def layer(module: str) -> str:
    """app.services.x -> services; app.errors -> errors."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_graph() -> dict[str, set[str]]:
    """Module -> the Cordon modules it imports at module level (package __init__ imports included)."""
    graph = {}
    for name, tree in modules():
        module = ("app." + name.removesuffix(".py").replace("/", ".")).removesuffix(".__init__")
        body = ast.Module(body=[n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))], type_ignores=[])
        graph[module] = {t for t in imported_app_modules(name, body)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle found by a depth-first search (one per strongly connected group)."""
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycles_between_modules():
    assert not cycles(module_graph()), cycles(module_graph())


def test_no_cycles_between_layers():
    graph: dict[str, set[str]] = {}
    for module, targets in module_graph().items():
        graph.setdefault(layer(module), set()).update(layer(t) for t in targets if layer(t) != layer(module))
    assert not cycles(graph), cycles(graph)


def test_no_late_import_dodges_a_cycle():
    late = []
    for name, tree in modules():
        if name in LATE_IMPORTS_ALLOWED:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                late += [f"app/{name}:{sub.lineno}" for sub in ast.walk(node)
                         if isinstance(sub, ast.ImportFrom) and (sub.level or (sub.module or "").startswith("app"))
                         and not imported_app_modules(name, ast.Module(body=[sub], type_ignores=[])) <= HEAVY_MODULES]
    assert not late, "import at module level (or break the cycle):\n" + "\n".join(late)
