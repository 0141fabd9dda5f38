"""The generic CLI: families, generate, solve, check; one-line errors with exit codes 2/1."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from course.cli.main import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(["--version"], capsys)
    assert rc == 0 and "course 0." in out
    rc, out, _ = run(["--help"], capsys)
    assert rc == 0 and "families" in out and "solve" in out


def test_families_lists_ids(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(["families"], capsys)
    assert rc == 0 and "mlp-params" in out


def test_solve_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(["solve", "mlp-params", "layers=4,5,6,6,5,4,1", "--format", "json",
                      "--lang", "en"], capsys)
    doc = json.loads(out)
    assert rc == 0 and {"family", "params", "answer", "statement", "solution"} <= set(doc)
    assert doc["answer"]["total"] == 167  # seed 001


def test_generate_is_reproducible_across_processes() -> None:
    cmd = [sys.executable, "-m", "course.cli.main", "generate", "mlp-params", "--student", "etu007",
           "--format", "json"]
    a = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    b = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    c = subprocess.run(cmd[:6] + ["etu008", "--format", "json"], capture_output=True, text=True,
                       check=True).stdout
    assert a == b and json.loads(a)["params"] != json.loads(c)["params"]


def test_check_names_the_misconception(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(["check", "mlp-params", "layers=2,3,1", "--part", "total", "--answer", "9",
                      "--lang", "en"], capsys)
    assert rc == 1 and "forgot the biases" in out
    rc, out, _ = run(["check", "mlp-params", "layers=2,3,1", "--answer",
                      '{"total": 13, "weights": [6, 3], "biases": [3, 1]}'], capsys)
    assert rc == 0 and out.count("Correct") == 3


# the repository's course.yml (the sample course) is French: its errors are French lines
@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [(["generate", "no-such"], 2, "famille « no-such » inconnue"),
     (["generate", "no-such", "--lang", "en"], 2, "unknown family 'no-such'"),
     (["solve", "mlp-params", "layer=3"], 2, "paramètre 'layer' :"),
     (["solve", "mlp-params", "layers=a,b"], 2, "paramètre 'layers' :"),
     (["solve", "mlp-params", "layers=3"], 2, "paramètre 'layers' :"),
     (["solve", "mlp-params", "layers=3", "--lang", "en"], 2, "parameter 'layers':"),
     (["solve", "mlp-params"], 2, "layers"),
     (["check", "mlp-params", "layers=2,3,1", "--part", "total", "--answer", "lots"], 2, "--answer"),
     (["generate", "mlp-params", "--lang", "de"], 2, "--lang"),
     (["generate", "mlp-params", "--format", "pdf"], 2, "--format")],
)
def test_errors_are_one_line(args: list[str], code: int, needle: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(args, capsys)
    assert rc == code and needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_click_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(["generate", "mlp-params", "--bogus"], capsys)
    assert rc == 2 and "No such option" in err and "Traceback" not in err


def test_grade_rejects_a_budget_below_the_timeout(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(["grade", str(tmp_path), "--timeout", "20", "--budget", "5"], capsys)
    assert rc == 2 and "--budget" in err and "Traceback" not in err
