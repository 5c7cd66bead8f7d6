"""The benchmark still runs end to end: a quick pass at 1,000 cases on SQLite.

No timing is asserted here (timings belong to the benchmark and its README); this only
keeps the benchmark from rotting as pages and queries change.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dashboard.navigation import PAGES

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_measures_every_page_of_each_role_at_1000_cases(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--cases",
            "1000",
            "--quick",
            "--users",
            "2",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(output.read_text(encoding="utf-8"))
    (result,) = report["results"]
    assert (result["backend"], result["cases"]) == ("sqlite", 1000)
    assert result["seed_cases_per_s"] > 0
    assert result["peak_mb"] > 0
    assert result["case_list_matches"] >= 0
    assert result["save_function"] == "models.cases.update_legal_status"
    assert result["naive_s"] > 0 and result["sql_aggregates_s"] > 0
    dashboards = {spec.key for spec in PAGES if spec.section == "Dashboards"}
    assert dashboards <= set(result["pages"])
    for key, page in result["pages"].items():
        assert page["errors"] == [], key
        assert page["cold_s"] > 0 and page["warm_s"] > 0
    assert "| sqlite | 1,000 |" in done.stdout
    # Every role's pages and case-list filters, and the load benchmark, were measured.
    assert set(result["roles"]) == {"coordinator", "admin", "caseworker"}
    for role, measured in result["roles"].items():
        assert dashboards <= set(measured["pages"]), role
        assert all(page["errors"] == [] for page in measured["pages"].values()), role
        assert {"critical only", "name search"} <= set(measured["case_list_filters"]), role
        assert measured["naive_s"] > 0, role
    assert "admin" in result["roles"]["admin"]["pages"]  # the admin's own page
    (load,) = result["load"]
    assert load["users"] == 2 and load["pages"] > 0
