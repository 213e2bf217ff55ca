"""docs/configuration.md holds every setting the code reads, in one table: a scan of the code (environment
variable reads and click `envvar`s in elt/ and loaders/, dlt config names: `dlt.config.get`/`dlt.secrets.get`
literals, `@with_config` functions, the SourceOptions dataclasses, `missing_settings` and the workbook sources'
settings; dbt's `var()` and `env_var()` in the project) fails this test when the table lacks one. A new setting
is one new row."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re

from tests.support import REPO_ROOT

TABLE = REPO_ROOT / "docs" / "configuration.md"
PYTHON = [p for folder in ("elt", "loaders") for p in sorted((REPO_ROOT / folder).rglob("*.py"))]
ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\](?!\s*=[^=])"""
    r"""|envvar\s*=\s*["']([A-Z][A-Z0-9_]+)["']"""
)
DLT_GET = re.compile(r"""dlt\.(?:config|secrets)\.get\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""")
WORKBOOK_SETTING = re.compile(r"""spec\.(?:setting|missing)\(\s*["']([a-z_]+)["']""")
BIGQUERY_SETTING = re.compile(r"""_dlt_setting\(\s*["']([a-z_]+)["']""")
PLAIN_TYPES = {"str", "int", "float", "bool", "list", "None", "Sequence"}
DBT_VAR = re.compile(r"""\bvar\(\s*["']([a-z_]+)["']""")
DBT_ENV = re.compile(r"""\benv_var\(\s*["']([A-Z][A-Z0-9_]+)["']""")
WRITTEN_ONLY = {"DBT_USE_COLORS"}
"""Set by elt for dbt, never read from the user."""


def env_name(dotted: str) -> str:
    return "__".join(part.upper() for part in dotted.split("."))


def _literal_strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _is_dlt_source(decorator: ast.expr) -> bool:
    """`@dlt.source(name="literal")` (a name from a settings module is the code passing its arguments itself)."""
    return (
        isinstance(decorator, ast.Call)
        and ast.unparse(decorator.func) == "dlt.source"
        and any(k.arg == "name" and isinstance(k.value, ast.Constant) for k in decorator.keywords)
    )


def _plain(annotation: ast.expr) -> bool:
    """A config value's type (str, numbers, lists of them), not an object the code hands over (a client)."""
    return {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)} <= PLAIN_TYPES


def settings_in_python() -> set[str]:
    found: set[str] = set()
    for path in PYTHON:
        text = path.read_text()
        found |= {next(g for g in match.groups() if g) for match in ENV_READ.finditer(text)}
        # a whole section (`sources.ebay`: one refresh token per store) is documented by its per-key rows
        found |= {env_name(name) for name in DLT_GET.findall(text) if name.count(".") >= 2}
        found |= {f"SOURCES__SUPPLIER_STOCK__{name.upper()}" for name in WORKBOOK_SETTING.findall(text)}
        found |= {f"DESTINATION__BIGQUERY__{name.upper()}" for name in BIGQUERY_SETTING.findall(text)}
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "missing_settings" and node.args:
                section = node.args[0]
                if isinstance(section, ast.Constant) and len(node.args) > 1:
                    found |= {f"SOURCES__{section.value.upper()}__{n.upper()}" for n in _literal_strings(node.args[1])}
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    if _is_dlt_source(decorator):  # dlt fills a source's plain arguments from sources.<name>.*
                        (name,) = [k.value.value for k in decorator.keywords if k.arg == "name"]  # type: ignore[attr-defined]
                        found |= {
                            f"SOURCES__{name.upper()}__{a.arg.upper()}"
                            for a in node.args.args
                            if a.annotation is not None and _plain(a.annotation)
                        }
                    if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "with_config":
                        sections = [s for k in decorator.keywords if k.arg == "sections" for s in _literal_strings(k)]
                        found |= {env_name(".".join([*sections, a.arg])) for a in node.args.args}
    return found - WRITTEN_ONLY


def settings_of_source_options() -> set[str]:
    from loaders.options import SourceOptions

    for path in PYTHON:
        if path.name == "options.py" and path.parent.name != "loaders":
            importlib.import_module(".".join(path.relative_to(REPO_ROOT).with_suffix("").parts))
    found = set()
    for options in SourceOptions.__subclasses__():
        found |= {f"SOURCES__{options.SECTION.upper()}__{f.name.upper()}" for f in dataclasses.fields(options)}  # type: ignore[arg-type]
    # Other settings dataclasses read by a `from_config` classmethod, in a source package (loaders/<source>/):
    # each field with a plain default is `sources.<source>.<field>`.
    for path in PYTHON:
        if path.parent.parent.name != "loaders" or path.name in {"spec.py", "__init__.py"}:
            continue
        module = importlib.import_module(".".join(path.relative_to(REPO_ROOT).with_suffix("").parts))
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and dataclasses.is_dataclass(value)
                and value.__module__ == module.__name__
                and "from_config" in vars(value)
                and not issubclass(value, SourceOptions)
            ):
                found |= {
                    f"SOURCES__{path.parent.name.upper()}__{f.name.upper()}"
                    for f in dataclasses.fields(value)
                    if f.default is not dataclasses.MISSING
                }
    return found


def settings_in_dbt() -> set[str]:
    files = [REPO_ROOT / "dbt_project.yml", REPO_ROOT / "profiles.example.yml"]
    for folder in ("models", "macros", "tests", "seeds", "snapshots"):
        if (REPO_ROOT / folder).is_dir():
            files += [p for p in (REPO_ROOT / folder).rglob("*") if p.suffix in {".sql", ".yml", ".yaml"}]
    found: set[str] = set()
    for path in files:
        text = path.read_text()
        found |= set(DBT_VAR.findall(text)) | set(DBT_ENV.findall(text))
    project = (REPO_ROOT / "dbt_project.yml").read_text()
    vars_block = re.search(r"^vars:\n((?:[ #].*\n|\n)+)", project, flags=re.MULTILINE)
    if vars_block:
        found |= set(re.findall(r"^  ([a-z_]+):", vars_block.group(1), flags=re.MULTILINE))
    return found


def names_in_table() -> set[str]:
    names = set()
    for line in TABLE.read_text().splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([^`]+)`", first_cell))
    return names


def test_the_scan_finds_the_settings_it_is_known_to_read() -> None:
    scanned = settings_in_python() | settings_of_source_options() | settings_in_dbt()
    for known in (
        "ELT_PROGRESS",
        "ELT_MAX_SHEET_MB",
        "SOURCES__WDN__RETRY_MAX_ATTEMPTS",
        "SOURCES__BADAPI__BASE_URL",
        "SOURCES__LINNWORKS__APPLICATION_SECRET",
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL",
        "DESTINATION__BIGQUERY__PROJECT_ID",
        "rtg_store",
        "max_zeroed_listing_share",
        "min_listings_to_judge_zeroing",
        "fail_on_mass_zeroing",
    ):
        assert known in scanned, known


def test_every_setting_the_code_reads_is_in_the_configuration_table() -> None:
    scanned = settings_in_python() | settings_of_source_options() | settings_in_dbt()
    missing = sorted(scanned - names_in_table())
    assert not missing, f"add a row to docs/configuration.md for: {', '.join(missing)}"
