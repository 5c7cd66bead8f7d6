"""Hardening that holds for the code as written: no HTML from data, no disk cache, nothing
identifying in a cache, no secrets in the repository, an error shown and logged without its
text, and a server configuration that keeps tracebacks and telemetry away from the browser."""

from __future__ import annotations

import ast
import logging
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard import runtime
from models.tables import Person
from tests.factories import make_case, make_city, make_organisation, make_user

ROOT = Path(__file__).resolve().parents[1]
CODE_FOLDERS = ("dashboard", "models", "reports", "waypoint_cli")
SECRET_NAME = "Ivanova Marina Petrovna"


def python_files() -> list[Path]:
    return sorted(p for folder in CODE_FOLDERS for p in (ROOT / folder).rglob("*.py"))


def calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def callee(call: ast.Call) -> str:
    """The called name as written: ``st.cache_data``, ``components.html``, ``markdown``."""
    return ast.unparse(call.func)


def is_literal_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


# --- No HTML built from data -----------------------------------------------------------------


def test_html_is_only_ever_rendered_from_fixed_text():
    """``unsafe_allow_html`` (and ``st.html``, components' ``html``) may only carry a string
    literal written in the code: never a variable, an f-string or a translation with data."""
    offenders = []
    for path in python_files():
        for call in calls(ast.parse(path.read_text(), filename=str(path))):
            unsafe = any(
                kw.arg == "unsafe_allow_html"
                and not (isinstance(kw.value, ast.Constant) and kw.value.value is False)
                for kw in call.keywords
            )
            raw_html = callee(call).split(".")[-1] == "html" and callee(call) != "fig.to_html"
            if (unsafe or raw_html) and not all(is_literal_text(arg) for arg in call.args):
                offenders.append(f"{path.relative_to(ROOT)}:{call.lineno} {callee(call)}")
    assert offenders == []


def test_the_html_check_would_catch_markup_built_from_data():
    tree = ast.parse('st.markdown(f"<b>{note.body}</b>", unsafe_allow_html=True)')
    call = calls(tree)[0]
    assert not all(is_literal_text(arg) for arg in call.args)


# --- Caches: memory only, and never identities or notes ----------------------------------------


def test_no_cache_is_written_to_disk():
    persisting = []
    for path in python_files():
        for call in calls(ast.parse(path.read_text())):
            if "cache" in callee(call) and any(kw.arg == "persist" for kw in call.keywords):
                persisting.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert persisting == []
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "persist" not in config


IDENTITY_NAMES = {
    "Person",
    "CaseNote",
    "case_identity",
    "full_name",
    "name_cyrillic",
    "name_latin",
    "other_spellings",
    "contact",
    "sealed",
    "sealed_body",
    "read_identity",
    "open_identity",
    "open_notes",
}


def _module_files(module: str) -> list[Path]:
    base = ROOT / Path(*module.split("."))
    if base.with_suffix(".py").exists():
        return [base.with_suffix(".py")]
    return sorted(base.glob("*.py")) if base.is_dir() else []


def _names_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    found |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    found |= {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    return found


def caching_modules() -> list[Path]:
    """The dashboard files that cache query results (``data.cached`` or ``st.cache_data``)."""
    return [
        path
        for path in python_files()
        if path.parts[len(ROOT.parts)] == "dashboard"
        and re.search(r"\bcache_data\b|\bcached\(", path.read_text())
    ]


def test_modules_whose_results_are_cached_never_touch_identities_or_notes():
    """A file that caches query results, and every models module it imports, must not
    mention the identity table, the notes table or an identity field."""
    assert caching_modules(), "no caching module found: the check would be empty"
    offenders = []
    for path in caching_modules():
        tree = ast.parse(path.read_text())
        sources = [path]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("models"):
                sources += _module_files(node.module or "")
                for alias in node.names:
                    sources += _module_files(f"{node.module}.{alias.name}")
        for source in sources:
            touched = _names_in(source) & IDENTITY_NAMES
            if touched:
                offenders.append(f"{path.name} <- {source.relative_to(ROOT)}: {sorted(touched)}")
    assert offenders == []


# --- No secrets in the repository ------------------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|github_pat_\w{30,}"),
    "GitLab token": re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "API key": re.compile(r"\bsk-[A-Za-z0-9]{32,}"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "password in a database URL": re.compile(
        r"postgres(?:ql)?(?:\+\w+)?://[^:\s/@]+:(?!pass@|\.\.\.@|password@)[^@\s/]+@"
    ),
}
SECRET_FILES = re.compile(r"(^|/)(secrets\.toml|\.env|id_rsa|id_ed25519|.*\.pem|.*\.key|.*\.p12)$")


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [line for line in listed.stdout.splitlines() if line]


def test_no_secret_file_is_tracked():
    assert [name for name in tracked_files() if SECRET_FILES.search(name)] == []
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".streamlit/secrets.toml" in ignored


def test_no_tracked_file_holds_a_key_token_or_password():
    found = []
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [
            f"{name}: {kind}" for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)
        ]
    assert found == []


def test_the_secret_scan_recognises_what_it_looks_for():
    # Assembled at run time, so that this file does not hold what it looks for.
    samples = {
        "private key": "-----BEGIN OPENSSH " + "PRIVATE KEY-----",
        "GitHub token": "ghp_" + "a1B2" * 9,
        "password in a database URL": "postgresql+psycopg://waypoint:" + "s3cr3t-Pw@db/waypoint",
    }
    for kind, sample in samples.items():
        assert SECRET_PATTERNS[kind].search(sample), kind
    assert not SECRET_PATTERNS["password in a database URL"].search(
        "postgresql+psycopg://user:pass@host/db"
    )


# --- The server's configuration ----------------------------------------------------------


def test_the_server_shows_no_error_details_and_sends_no_telemetry():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["toolbarMode"] == "minimal"
    assert config["server"].get("runOnSave", False) is False


# --- Errors: a plain sentence for the user, no message in the log ------------------------------


def _fail() -> None:
    raise ValueError(f"cannot parse {SECRET_NAME}")


def test_describe_error_names_the_type_and_place_but_not_the_message():
    try:
        try:
            _fail()
        except ValueError as error:
            raise RuntimeError(SECRET_NAME) from error
    except RuntimeError as error:
        described = runtime.describe_error(error)
    assert "builtins.RuntimeError" in described and "builtins.ValueError" in described
    assert "test_hardening.py" in described and "_fail" in described
    assert SECRET_NAME not in described


def test_a_logged_exception_loses_its_message():
    record = logging.LogRecord(
        "streamlit.error_util", logging.ERROR, __file__, 1, "Uncaught app execution", None, None
    )
    try:
        _fail()
    except ValueError:
        record.exc_info = sys.exc_info()
    runtime.RedactErrors().filter(record)
    formatted = logging.Formatter(runtime.LOG_FORMAT).format(record)
    assert SECRET_NAME not in formatted
    assert "Uncaught app execution: builtins.ValueError" in formatted


def _guarded_app() -> None:
    from dashboard import runtime

    def page() -> None:
        raise ValueError("cannot parse Ivanova Marina Petrovna")

    runtime.run_guarded(page)


def test_a_failing_page_shows_a_plain_sentence_and_no_traceback():
    app = AppTest.from_function(_guarded_app).run()
    assert not app.exception
    assert len(app.error) == 1
    assert "Something went wrong on this page" in app.error[0].value
    assert SECRET_NAME not in app.error[0].value


def test_a_database_error_is_logged_without_the_values_it_was_given(database_url, monkeypatch):
    """The server's engine hides statement parameters; PostgreSQL still quotes the failing
    row in its own message, which is why an error is logged by type and place only."""
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", database_url)
    monkeypatch.setenv("WAYPOINT_COOKIE_KEY", "hardening-test-cookie-key-" + "x" * 30)
    runtime.settings.clear()
    runtime.engine.clear()
    try:
        engine = runtime.engine()
        with Session(engine) as session:
            organisation = make_organisation(session)
            user = make_user(session, organisation=organisation)
            case = make_case(
                session, organisation=organisation, caseworker=user, city=make_city(session)
            )
            session.commit()
            # A second person for the same case, carrying a value that must not be quoted.
            session.add(Person(case_id=case.id, key_id=SECRET_NAME[:32], sealed=b"x"))
            with pytest.raises(sa.exc.IntegrityError) as raised:
                session.commit()
        assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)
        assert SECRET_NAME not in runtime.describe_error(raised.value)
    finally:
        runtime.settings.clear()
        runtime.engine.clear()
