"""House rules checked on the source (issue #9): settings declared in one place, docstrings, templates that ask the model."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from ink import config as default_config
from ink.events.models import EventSeries, SeriesStatus
from ink.organisations.models import Organisation, OrganisationStatus

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ink"

# Settings owned by Flask and its extensions, documented there; ink/config.py need not repeat them.
FRAMEWORK_SETTINGS = frozenset({"DEBUG", "TESTING", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_FIELD_NAME"})
CONFIG_READ = re.compile(r"""config(?:\[|\.get\(|\.setdefault\()\s*["']([A-Z][A-Z0-9_]*)["']""")

SERVICE_MODULES = frozenset({"service.py", "access.py", "queries.py", "reports.py"})

TIME_MODULE = "ink/core/time.py"
DATEUTIL_PRIVATE = re.compile(r"\._(count|freq|interval|until|by\w+)\b")

STATUS_STRING_COMPARISON = re.compile(r"""status(?:\.value)?\s*(?:==|!=)\s*["']|["']\s*(?:==|!=)\s*\w+\.status\b""")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are module, class or function docstrings."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def zone_literals(source: str) -> list[int]:
    """Lines of code (not docstrings or comments) that name the default zone."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and "Europe/Oslo" in node.value and id(node) not in docstrings]


def builds_zoneinfo(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "ZoneInfo") or (
                    isinstance(func, ast.Attribute) and func.attr == "ZoneInfo"):
                return True
    return False


def reads_dateutil_private(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and DATEUTIL_PRIVATE.fullmatch("." + node.attr):
            return True
    return False


def declared_settings() -> set[str]:
    return {name for name in vars(default_config) if name.isupper()}


def settings_read_by_code() -> dict[str, set[str]]:
    """Every setting name the package reads (or defaults) with a literal key, and where."""
    found: dict[str, set[str]] = {}
    for path in _modules():
        for name in CONFIG_READ.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, set()).add(_relative(path))
    return found


def test_every_setting_the_code_reads_is_declared_in_ink_config() -> None:
    read = settings_read_by_code()
    assert "DOOR_LINK_GRACE_HOURS" in read and "BASE_URL" in read  # the scan finds what it must
    undeclared = {name: sorted(paths) for name, paths in read.items()
                  if name not in declared_settings() | FRAMEWORK_SETTINGS}
    assert undeclared == {}


def test_no_domain_sets_a_setting_default() -> None:
    offenders = [_relative(path) for path in _modules()
                 if re.search(r"config\.setdefault\(", path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_every_declared_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in declared_settings() if f"`INK_{name}`" not in readme)
    assert missing == []


def test_settings_that_live_in_the_instance_folder_are_resolved_by_create_app(app) -> None:  # type: ignore[no-untyped-def]
    assert default_config.MAIL_DIRECTORY is None and default_config.SCHEDULER_LOCK_FILE is None
    assert app.config["MAIL_DIRECTORY"] == str(Path(app.instance_path) / "mail")
    assert app.config["SCHEDULER_LOCK_FILE"] == str(Path(app.instance_path) / "scheduler.lock")
    assert app.config["DIGEST_HOUR"] == 7 and app.config["DOOR_LINK_GRACE_HOURS"] == 4


def test_every_module_has_a_docstring() -> None:
    missing = [_relative(path) for path in _modules() if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []


def test_every_public_service_function_has_a_docstring() -> None:
    missing = []
    for path in _modules():
        if path.name not in SERVICE_MODULES:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_")
                    and not ast.get_docstring(node)):
                missing.append(f"{_relative(path)}:{node.lineno} {node.name}")
    assert missing == []


def test_templates_ask_the_model_instead_of_comparing_status_strings() -> None:
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "templates").rglob("*.txt"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if STATUS_STRING_COMPARISON.search(line)
    ]
    assert offenders == []


def test_the_models_answer_status_questions() -> None:
    draft, cancelled = EventSeries(status=SeriesStatus.DRAFT), EventSeries(status=SeriesStatus.CANCELLED)
    assert (draft.is_draft, draft.is_published, draft.is_cancelled) == (True, False, False)
    assert (cancelled.is_draft, cancelled.is_cancelled) == (False, True)
    pending, archived = Organisation(status=OrganisationStatus.PENDING), Organisation(status=OrganisationStatus.ARCHIVED)
    assert (pending.is_pending, pending.is_active, pending.is_archived, pending.is_public) == (True, False, False, False)
    assert (archived.is_archived, Organisation(status=OrganisationStatus.ACTIVE).is_public) == (True, True)


def test_time_zones_come_from_configuration_and_ink_core_time() -> None:
    literals, zone_builders, private_reads = {}, [], []
    for path in _modules():
        source, name = path.read_text(encoding="utf-8"), _relative(path)
        if name != "ink/config.py" and zone_literals(source):
            literals[name] = zone_literals(source)
        if name != TIME_MODULE and builds_zoneinfo(source):
            zone_builders.append(name)
        if reads_dateutil_private(source):
            private_reads.append(name)
    assert (literals, zone_builders, private_reads) == ({}, [], [])


def test_the_time_rules_see_what_they_must() -> None:
    assert zone_literals('"""Tuesday 18:00 Europe/Oslo."""\nTZ = "Europe/Oslo"  # Europe/Oslo\n') == [2]
    assert builds_zoneinfo("zone = ZoneInfo(tz)") and builds_zoneinfo("z = zoneinfo.ZoneInfo('UTC')")
    assert not builds_zoneinfo("zone = zone(tz)")
    assert reads_dateutil_private("n = rule._count") and reads_dateutil_private("days = rule._byweekday")
    assert not reads_dateutil_private("n = rule.count()")


def imports_inside_functions(source: str) -> list[int]:
    """Line numbers of import statements inside a function or method (a circle in disguise)."""
    return sorted(
        inner.lineno
        for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for inner in ast.walk(node) if isinstance(inner, (ast.Import, ast.ImportFrom))
    )


def module_imports(path: Path, package: str) -> set[str]:
    """The modules of ``package`` (dotted names) that a module imports, at any depth of its source."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # from ink.reminders import outbox
    return {name for name in found if name.startswith(package + ".")}


def import_circles(package_dir: Path, package: str) -> list[list[str]]:
    """Circles among the modules of one package (its __init__ excluded: it wires them together)."""
    modules = {f"{package}.{path.stem}": path for path in sorted(package_dir.glob("*.py")) if path.stem != "__init__"}
    graph = {name: sorted(module_imports(path, package) & set(modules)) for name, path in modules.items()}
    circles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in graph[name]:
            if state.get(target) == "open":
                circles.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[name] = "done"

    for name in graph:
        if name not in state:
            visit(name, [name])
    return circles


def test_the_checks_see_imports_inside_functions_and_circles(tmp_path: Path) -> None:
    assert imports_inside_functions("import os\n\ndef f():\n    if True:\n        from ink import jobs\n") == [5]
    (tmp_path / "a.py").write_text('"""A."""\nfrom probe import b\n', encoding="utf-8")
    (tmp_path / "b.py").write_text('"""B."""\nfrom probe.a import thing\n', encoding="utf-8")
    (tmp_path / "c.py").write_text('"""C, below both."""\nimport probe.a\n', encoding="utf-8")
    assert import_circles(tmp_path, "probe") == [["probe.a", "probe.b", "probe.a"]]


def test_no_module_imports_inside_a_function() -> None:
    offenders = [f"{_relative(path)}:{line}" for path in _modules()
                 for line in imports_inside_functions(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_reminders_modules_import_each_other_without_a_circle() -> None:
    assert len(list((PACKAGE / "reminders").glob("*.py"))) > 10  # the scan sees the package
    assert import_circles(PACKAGE / "reminders", "ink.reminders") == []


# --- right to left: the layout is written in logical properties -----------------------------------
# A physical side (left/right) does not turn round in Arabic; its logical twin (inline-start/end) does.
PHYSICAL_PROPERTY = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border|scroll-margin|scroll-padding)-(?:left|right)(?:-\w+)?"
    r"|border-(?:top|bottom)-(?:left|right)-radius|left|right)\s*:", re.IGNORECASE)
PHYSICAL_VALUE = re.compile(r"(?<![\w-])(?:text-align|float|clear)\s*:\s*(?:left|right)\b", re.IGNORECASE)
# "margin: 0 1rem 0 0": four sides where left and right differ is a physical side too.
BOX_SHORTHAND = re.compile(r"(?<![\w-])(?:margin|padding|inset|border-width)\s*:\s*([^;}\"]+)", re.IGNORECASE)


def physical_sides(text: str) -> list[str]:
    """The declarations in ``text`` (CSS or a template's ``style=``) that name a physical left/right side."""
    found = [m.group(0) for m in PHYSICAL_PROPERTY.finditer(text)]
    found += [m.group(0) for m in PHYSICAL_VALUE.finditer(text)]
    for match in BOX_SHORTHAND.finditer(text):
        values = match.group(1).replace("!important", "").split()
        if len(values) == 4 and values[1] != values[3]:
            found.append(match.group(0).strip())
    return found


def test_the_physical_side_check_sees_what_it_must() -> None:
    assert physical_sides(".a { margin-left: 1rem; }") == ["margin-left:"]
    assert physical_sides(".a { position: absolute; left: 0; }") == ["left:"]
    assert physical_sides(".a { border-top-right-radius: 3px; }") == ["border-top-right-radius:"]
    assert physical_sides(".a { text-align: right }") == ["text-align: right"]
    assert physical_sides(".a { float:left }") == ["float:left"]
    assert physical_sides(".a { padding: 0 0 0 .6rem; }") == ["padding: 0 0 0 .6rem"]
    assert physical_sides('<p style="border-left: 3px solid">') == ["border-left:"]
    assert physical_sides(".a { margin-inline-start: 1rem; inset-inline-end: 0; text-align: start; "
                          "padding: 0 1rem; margin: 1px 2px 3px 2px; border-start-end-radius: 2px }") == []


def test_stylesheets_and_inline_styles_use_logical_sides() -> None:
    offenders = []
    for path in sorted((ROOT / "ink" / "static").glob("*.css")):
        offenders += [f"{path.name}: {found}" for found in physical_sides(path.read_text(encoding="utf-8"))]
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for style in re.findall(r'style="([^"]*)"', path.read_text(encoding="utf-8")):
            offenders += [f"{path.relative_to(ROOT)}: {found}" for found in physical_sides(style)]
    assert not offenders, ("use margin-inline-start/end, padding-inline-*, inset-inline-*, border-inline-*, "
                           "border-start-start-radius…, text-align: start/end, float: inline-start/end "
                           f"so the layout turns round in right-to-left languages: {offenders}")
