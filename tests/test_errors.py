"""Errors in both languages: every message the toolkit raises is a ``text(fr, en)`` pair (read
from the source), ``str(exc)`` stays English, ``exc.line(lang)`` follows the language, both
languages survive pickling (worker processes), and the command line prints the line in the
command's language: ``--lang``, else the course's, else English."""

from __future__ import annotations

import ast
import pickle
import re
import shutil
from pathlib import Path

import pytest

from course.base.errors import AnswerError, CourseError, ParameterError, UsageError, line_of
from course.base.i18n import text
from course.base.workers import process_map
from course.cli.main import main
from course.documents.latex import TexMissing
from course.generator.precision import Indistinct
from course.planning.config import CourseConfigError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course"
#: every class whose first argument (ParameterError: its second) is a user-facing message
ERRORS = {"CourseError", "UsageError", "ParameterError", "CourseConfigError", "TexMissing",
          "ClusterLost", "AnswerError"}
#: messages left in English on purpose, as (file under course/, the English message's start).
#: templates/ is not the toolkit's text (it is the scaffold of an instructor's own course).
ALLOWED_ENGLISH: set[tuple[str, str]] = set()


def _message(call: ast.Call) -> ast.expr | None:
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
    if name not in ERRORS:
        return None
    i = 1 if name == "ParameterError" else 0
    if len(call.args) > i:
        return call.args[i]
    return next((k.value for k in call.keywords if k.arg == "message"), None)


def _literal(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            or isinstance(node, ast.JoinedStr)
            or isinstance(node, ast.BinOp) and (_literal(node.left) or _literal(node.right)))


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and (getattr(node.func, "id", None) == "text"
                                           or getattr(node.func, "attr", None) == "text")


def _sites() -> list[tuple[str, int, ast.expr]]:
    out = []
    for f in sorted(PACKAGE.rglob("*.py")):
        rel = f.relative_to(PACKAGE).as_posix()
        if rel.startswith("templates/"):
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (msg := _message(node)) is not None:
                out.append((rel, node.lineno, msg))
    return out


def _words(node: ast.expr) -> str:
    """The literal words of a string expression (its ``{...}`` left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "\x00".join(_words(v) for v in node.values if isinstance(v, ast.Constant))
    return ""


def test_every_literal_message_has_both_languages() -> None:
    sites = _sites()
    assert len(sites) > 350  # the scan does find the raise sites
    english = [(rel, line, ast.unparse(msg)[:60]) for rel, line, msg in sites if _literal(msg)
               and not any(rel == f and ast.literal_eval(msg).startswith(start)
                           for f, start in ALLOWED_ENGLISH if isinstance(msg, ast.Constant))]
    assert not english, "messages without text(fr, en): " + "; ".join(
        f"{rel}:{line} {m}" for rel, line, m in english)


def test_french_messages_are_french() -> None:
    """Each pair has two different, non-empty literal texts, and the French one writes a
    space before ':' and ';' (outside of code such as ``{min: .., max: ..}``)."""
    bad, pairs = [], 0
    for rel, line, msg in _sites():
        if not _is_text(msg):
            continue
        pairs += 1
        fr, en = msg.args  # type: ignore[attr-defined]
        words = re.sub(r"\{[^}]*\}", "", _words(fr))
        if ast.unparse(fr) == ast.unparse(en) or not words.strip() or re.search(r"[^\s\x00][:;] ", words):
            bad.append(f"{rel}:{line} {ast.unparse(fr)[:70]}")
    assert pairs > 350 and not bad, "; ".join(bad)


def test_line_follows_the_language_and_str_stays_english() -> None:
    e = CourseError(text("fichier introuvable", "file not found"), path="course.yml")
    assert str(e) == "course.yml: file not found" == e.line("en")
    assert e.line("fr") == "course.yml : fichier introuvable"
    plain = UsageError("--jobs must be >= 1, got 0")  # English only: the same line in French
    assert plain.line("fr") == plain.line("en") == str(plain)
    p = ParameterError("h", text("doit être >= 1, reçu : 0", "must be >= 1, got 0"))
    assert str(p) == "parameter 'h': must be >= 1, got 0"
    assert p.line("fr") == "paramètre 'h' : doit être >= 1, reçu : 0"
    assert ParameterError("h", "must be >= 1").line("fr") == "parameter 'h': must be >= 1"
    assert isinstance(AnswerError(text("pas un nombre", "not a number")), ValueError)
    assert line_of(ValueError("plain"), "fr") == "plain" and line_of(p, "fr") == p.line("fr")


@pytest.mark.parametrize("exc", [
    CourseError(text("fichier introuvable", "file not found"), path="x.yml"),
    CourseConfigError(text("clé inconnue", "unknown key"), path="course.yml"),
    UsageError(text("--jobs doit être >= 1", "--jobs must be >= 1")),
    ParameterError("h", text("doit être >= 1", "must be >= 1")),
    TexMissing(text("pas de TeX", "no TeX")),
    AnswerError(text("pas un nombre : 'x'", "not a number: 'x'")),
    Indistinct(text("l'erreur classique 'm'", "misconception 'm'"), 2),
])
def test_pickling_keeps_both_languages(exc: CourseError) -> None:
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and str(back) == str(exc)
    assert back.line("fr") == exc.line("fr") != exc.line("en") == back.line("en")
    assert getattr(back, "name", None) == getattr(exc, "name", None)


def _fails_in_french(h: int) -> int:
    raise ParameterError("h", text(f"doit être >= 1, reçu : {h}", f"must be >= 1, got {h}"))


def test_an_error_of_a_worker_process_arrives_in_both_languages() -> None:
    with pytest.raises(ParameterError) as info:
        process_map(_fails_in_french, [(0,), (1,)], jobs=2)
    assert info.value.line("fr") == "paramètre 'h' : doit être >= 1, reçu : 0"
    assert str(info.value) == "parameter 'h': must be >= 1, got 0"


# ----------------------------------------------------------------- the command line
def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(args)
    err = capsys.readouterr().err
    lines = [x for x in err.strip().splitlines() if not x.startswith("note:")]  # a secret created
    assert len(lines) == 1 and "Traceback" not in err, err
    return rc, lines[0]


@pytest.fixture
def french_course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's sample course (French), as the current folder."""
    shutil.copy(ROOT / "course.yml", tmp_path / "course.yml")
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "roster.csv", tmp_path / "examples" / "roster.csv")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    monkeypatch.chdir(tmp_path)
    assert "language: fr" in (tmp_path / "course.yml").read_text(encoding="utf-8")
    return tmp_path / "course.yml"


def test_validate_of_a_broken_course_yml(french_course: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    french_course.write_text(french_course.read_text(encoding="utf-8") + "\nbogus_key: 1\n",
                             encoding="utf-8")
    assert _run(["validate"], capsys) == (1, f"error: {french_course.name} : bogus_key : clé inconnue")
    assert _run(["validate", "--lang", "en"], capsys) == (1, "error: course.yml: bogus_key: unknown key")
    good = (ROOT / "course.yml").read_text(encoding="utf-8")
    assert "    due: 2026-10-12T23:59:00-04:00\n" in good
    french_course.write_text(good.replace("    due: 2026-10-12T23:59:00-04:00\n", "    due: 2026-10-12\n"),
                             encoding="utf-8")  # a validator's message (pydantic) in French too
    rc, err = _run(["validate"], capsys)
    assert rc == 1 and err.endswith(".due : donnez une heure et un fuseau horaire, p. ex. "
                                    "2026-10-12T23:59:00-04:00")
    rc, err = _run(["validate", "--lang", "en"], capsys)
    assert rc == 1 and err.endswith(".due: give a time and a time zone, e.g. 2026-10-12T23:59:00-04:00")
    french_course.write_text("language: fr\ntitle: [unclosed\n", encoding="utf-8")
    rc, err = _run(["validate"], capsys)  # the YAML does not parse: English
    assert rc == 1 and "invalid YAML" in err


def test_grade_of_a_missing_folder(french_course: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing-here"
    rc, err = _run(["grade", str(missing)], capsys)
    assert rc == 2 and err == f"error: PATH : {missing} n'est ni un dossier ni une archive zip"
    rc, err = _run(["grade", str(missing), "--lang", "en"], capsys)
    assert rc == 2 and err == f"error: PATH: {missing} is not a folder or a zip archive"


def test_solve_with_an_impossible_parameter(french_course: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    args = ["solve", "conv-output", "h=0", "w=8", "kernel=3"]
    rc, err = _run(args, capsys)
    assert rc == 2 and err.startswith("error: paramètre 'h' : doit être >= 1")
    rc, err = _run([*args, "--lang", "en"], capsys)
    assert rc == 2 and err.startswith("error: parameter 'h': must be >= 1")


def test_export_without_a_grade(french_course: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "hw").mkdir()
    rc, err = _run(["export", str(tmp_path / "hw"), "--to", "canvas"], capsys)
    assert rc == 1 and "introuvable : lancez d'abord `course grade" in err
    rc, err = _run(["export", str(tmp_path / "hw"), "--to", "canvas", "--lang", "en"], capsys)
    assert rc == 1 and "not found: run `course grade" in err


def test_no_course_means_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    rc, err = _run(["solve", "conv-output", "h=0", "w=8", "kernel=3"], capsys)
    assert rc == 2 and err.startswith("error: parameter 'h':")
    rc, err = _run(["solve", "conv-output", "h=0", "w=8", "kernel=3",
                    "--lang", "fr"], capsys)
    assert rc == 2 and err.startswith("error: paramètre 'h' :")
