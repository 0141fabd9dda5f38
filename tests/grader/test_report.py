"""report.html and the feedback pages: what an instructor and a student read.

A small course is graded for real (the fixture's loader, two questions): alice on time with an
adjustment of her total, bob late with a named mistake, carol hands nothing in, dave's file is
not JSON, erin's code raises (and an adjustment of q2), and a file nobody owns. The pages are
then read as structure (tables, links, words), and rendered by headless Chromium when it is
installed (scripts/setup installs it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import grader_fixture as F
import numpy as np
import pytest

from course.grader import report as report_mod
from course.grader.gradebook import Gradebook, Row
from course.grader.grading import STATUS_TEXT
from course.grader.limits import Limits
from course.grader.page import CSS
from course.grader.records import Item, QuestionResult, Record
from course.grader.run import grade_folder
from course.planning.config import load_course
from course.planning.plan import exercise_variant

LIMITS = Limits(timeout_s=2.0, cpu_s=20, memory_mb=1024, nproc=24, tmpfs_mb=16)
STUDENTS = ["alice", "bob", "carol", "dave", "erin"]
DUE = "2026-01-10T23:59:00+01:00"
REASONS = {"fr": ("participation orale", "corrigé à la main"),
           "en": ("oral participation", "regraded by hand")}


def _graded_course(root: Path, lang: str) -> dict:
    cp = F.make_course(root, STUDENTS)
    cp.write_text(cp.read_text().replace("language: en", f"language: {lang}").replace(
        "    title: t\n", f"    title: t\n    due: {DUE}\n    late: {{per_day: 10, max_days: 5}}\n"))
    course = load_course(cp)
    hw = root / "hw"
    sub = hw / "submissions"
    F.write(sub, "hwt-alice.ipynb", F.notebook(course, "alice"))
    F.write(sub, "hwt-bob.ipynb", F.notebook(course, "bob", q1=F.FORGOT_BIASES_Q1))
    F.write(sub, "hwt-dave.ipynb", b'{"cells": [')
    F.write(sub, "hwt-erin.ipynb", F.notebook(course, "erin", q1="q1 = 1 / 0\n",
                                              q2="def relu(x):\n    raise ValueError('no')\n"))
    F.write(sub, "notes.ipynb", F.notebook(course, "erin"))
    due = datetime.fromisoformat(DUE).timestamp()
    for p in sub.iterdir():
        os.utime(p, (due - 3600, due - 3600))
    os.utime(sub / "hwt-bob.ipynb", (due + 1.5 * 86400, due + 1.5 * 86400))  # 2 started days
    ok, hand = REASONS[lang]
    (hw / "overrides.csv").write_text("student,question,points,delta,reason\n"
                                      f"alice,total,,+1,{ok}\nerin,q2,2,,{hand}\n")
    summary = grade_folder(hw, course_path=cp, jobs=2, loader="grader_fixture:load", limits=LIMITS)
    text = (hw / "report.html").read_text(encoding="utf-8")
    return {"cp": cp, "course": course, "hw": hw, "html": text, "page": _parse(text),
            "summary": summary, "lang": lang}


@pytest.fixture(scope="module")
def fr(tmp_path_factory):
    return _graded_course(tmp_path_factory.mktemp("report-fr"), "fr")


@pytest.fixture(scope="module")
def en(tmp_path_factory):
    return _graded_course(tmp_path_factory.mktemp("report-en"), "en")


# ----------------------------------------------------------------------------- reading HTML
class _Page(HTMLParser):
    """The visible text (no style, no attribute), the tables under each h2, links, images and
    the inline SVG charts (each: its attributes, its title, its texts by class)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.links: list[str] = []
        self.imgs: list[str] = []
        self.charts: list[dict] = []
        self.tags: set[str] = set()
        self._text_class: str | None = None
        self._h2: str | None = None
        self._heading = ""
        self._in: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self._in.append(tag)
        if tag == "h2":
            self._h2 = ""
        elif tag == "table":
            self.tables.setdefault(self._heading, []).append([])
        elif tag == "tr":
            next(reversed(self.tables.values()))[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self.links.append(a.get("href") or "")
        elif tag == "img":
            self.imgs.append(a.get("src") or "")
        elif tag == "svg":
            self.charts.append({"attrs": a, "title": "", "texts": {}})
        elif tag == "text" and self.charts:
            self._text_class = a.get("class") or ""
            self.charts[-1]["texts"].setdefault(self._text_class, []).append("")
        elif tag == "tspan" and self.charts and self.charts[-1]["texts"].get(self._text_class or ""):
            texts = self.charts[-1]["texts"][self._text_class or ""]
            texts[-1] += "\n" if texts[-1] else ""  # one line per tspan
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")
        if tag in ("br", "img", "meta"):
            self._in.pop()

    def handle_endtag(self, tag):
        if tag in ("br", "img", "meta"):
            return
        while self._in and self._in.pop() != tag:
            pass
        if tag == "h2" and self._h2 is not None:
            self._heading, self._h2 = self._h2.strip(), None
        elif tag in ("td", "th") and self._cell is not None:
            next(reversed(self.tables.values()))[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if "svg" in self._in and "title" in self._in:
            self.charts[-1]["title"] += data
            return
        if "style" in self._in or "title" in self._in:
            return
        if "text" in self._in and self._text_class is not None:
            texts = self.charts[-1]["texts"][self._text_class]
            texts[-1] += data
        self.text.append(data)
        if self._h2 is not None:
            self._h2 += data
        if self._cell is not None:
            self._cell.append(data)

    def table(self, heading: str) -> list[list[str]]:
        (t,) = self.tables[heading]
        return t

    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def _parse(text: str) -> _Page:
    p = _Page()
    p.feed(text)
    p.close()
    return p


def _t(key: str, lang: str) -> str:
    return report_mod.T[key][lang]


# ----------------------------------------------------------------------------- the page
@pytest.mark.parametrize("which", ["fr", "en"])
def test_the_report_is_one_self_contained_page(which, request) -> None:
    b = request.getfixturevalue(which)
    text, page = b["html"], b["page"]
    assert text.startswith("<!DOCTYPE html>") and f"<html lang='{which}'>" in text
    assert CSS in text  # the one style, inline
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert not re.search(r"(src|href)=['\"](https?:)?//", text)  # nothing from the network
    assert not page.imgs and len(page.charts) >= 4  # the charts are inline SVG
    for chart in page.charts:
        assert chart["attrs"]["role"] == "img" and chart["title"]  # named for screen readers
        assert chart["texts"]["title"] == [chart["title"]]
    assert "image" not in page.tags and "foreignobject" not in page.tags and "use" not in page.tags
    assert not re.search(r"(xlink:)?href=['\"](?!feedback/)", text)
    for heading in ("summary", "per_question", "per_student", "nothing_in", "files_not_graded",
                    "charts", "protections"):
        assert _t(heading, which) in page.visible()


def test_the_summary_counts_and_explains_every_figure(fr) -> None:
    rows = {r[0]: r for r in fr["page"].table(_t("summary", "fr"))[1:]}
    assert rows[_t("files", "fr")][1] == "5"  # four roster files and one nobody's
    assert rows[_t("graded", "fr")][1] == "3"
    assert rows[_t("late", "fr")][1] == "1"
    assert rows[_t("missing", "fr")][1] == "1"
    assert rows[_t("not_graded", "fr")][1] == "2"
    reasons = rows[_t("not_graded", "fr")][2]
    assert f"{STATUS_TEXT['not-json']['fr']} : 1" in reasons and f"{STATUS_TEXT['no-owner']['fr']} : 1" in reasons
    s = fr["summary"]  # the terminal's figures
    assert rows[_t("mean", "fr")][1] == f"{s['mean']:g} sur 7" == "4.6 sur 7"  # (7 + 4.8 + 2) / 3
    assert rows[_t("median", "fr")][1] == "4.8 sur 7"
    assert rows[_t("errors", "fr")][1] == str(s["errors"]) and s["errors"] > 0
    assert rows[_t("timeouts", "fr")][1] == str(s["timeouts"]) == "0"
    assert rows[_t("cell_errors", "fr")][1] == "1"  # erin's q1 = 1 / 0
    assert all(len(r) == 3 and r[2] for r in rows.values())  # each figure says what it counts
    assert "exception" in rows[_t("errors", "fr")][2]


def test_per_question_table_names_mistakes_and_cases_in_words(fr) -> None:
    course = fr["course"]
    rows = {r[0]: r for r in fr["page"].table(_t("per_question", "fr"))[1:]}
    assert set(rows) == {"q1", "q2"}
    q1, q2 = rows["q1"], rows["q2"]
    assert q1[2] == "1.67 / 3" and q1[3] == "33 %"  # 3, 2, 0: only alice has all the points
    assert q2[2] == "3.33 / 4" and q2[3] == "67 %"  # 4, 4, 2 (erin's adjustment)
    forgot = next(m for m in exercise_variant(course, "mlp-params", "bob").parts["total"].misconceptions
                  if m.key == "forgot-biases")
    assert forgot.explanation["fr"] in q1[4] and "(1 élève)" in q1[4]
    assert "total" in q1[5] and "nombre total de paramètres" in q1[5] and "(2 élèves / 3)" in q1[5]
    assert q2[4] == "aucune"
    case = F.questions(course, "erin")[1].hidden_cases(course.seed)[0]
    assert q2[5].startswith(case.id) and case.feedback["fr"] in q2[5] and "(1 élève / 3)" in q2[5]


def test_no_internal_key_and_no_expected_value_is_shown(fr) -> None:
    text = fr["page"].visible()
    course = fr["course"]
    for s in ("alice", "bob", "erin"):
        v = exercise_variant(course, "mlp-params", s)
        for part in v.parts.values():
            for m in part.misconceptions:
                assert m.key not in text
                assert not re.search(rf"(?<![\w.]){m.value}(?![\w.])", text), (s, m.key)
        for value in v.answer.values():
            # (a percentage of the charts is not an answer: "83 %" of the points, not 83 weights)
            want = re.escape(str(value)) if isinstance(value, list) else rf"(?<![\w.]){value}(?![\w.]| ?%)"
            assert not re.search(want, text), (s, value)
    assert not re.search(r"\d\.\d{4,}", text)  # no float from a hidden case's expected values
    assert "expected" not in text.lower() and "attendu :" not in text


def test_per_student_table_links_each_feedback_page(fr) -> None:
    table = fr["page"].table(_t("per_student", "fr"))
    head, rows = table[0], {r[0]: r for r in table[1:]}
    assert list(rows) == STUDENTS  # roster order, everyone, missing students included
    col = {h: i for i, h in enumerate(head)}

    def cell(s: str, key: str) -> str:
        return rows[s][col[_t(key, "fr")]]

    assert cell("alice", "status") == STATUS_TEXT["graded"]["fr"]
    assert cell("bob", "status") == STATUS_TEXT["late"]["fr"]
    assert cell("carol", "status") == STATUS_TEXT["missing"]["fr"]
    assert cell("dave", "status") == STATUS_TEXT["not-json"]["fr"]
    assert cell("bob", "penalty") == "-1.2 (2 jours de retard)" and cell("bob", "total") == "4.8 / 7"
    assert cell("alice", "penalty") == ""
    assert cell("alice", "overrides") == "total +1 — participation orale" and cell("alice", "total") == "7 / 7"
    assert cell("erin", "overrides") == "q2 = 2 — corrigé à la main" and rows["erin"][col["q2"]] == "2"
    assert cell("carol", "total") == "0 / 7" and rows["carol"][col["q1"]] == "–"
    assert {cell(s, "feedback") for s in STUDENTS} == {"retour"}
    hw = fr["hw"]
    assert sorted(fr["page"].links) == sorted(f"feedback/{s}.html" for s in STUDENTS)
    for href in fr["page"].links:
        assert (hw / href).is_file() and not Path(href).is_absolute()


def test_missing_students_and_files_not_graded_with_reasons(fr) -> None:
    text = fr["html"]
    nothing = text.split(f"<h2>{_t('nothing_in', 'fr')}</h2>", 1)[1].split("<h2>", 1)[0]
    assert "carol" in nothing and "alice" not in nothing
    rows = {r[0]: r for r in fr["page"].table(_t("files_not_graded", "fr"))[1:]}
    assert set(rows) == {"hwt-dave.ipynb", "notes.ipynb"}
    assert rows["hwt-dave.ipynb"][1:3] == ["dave", STATUS_TEXT["not-json"]["fr"]]
    assert rows["notes.ipynb"][1:3] == ["(personne)", STATUS_TEXT["no-owner"]["fr"]]


def test_a_french_course_has_no_english_label(fr, en) -> None:
    def words(b: dict) -> str:  # the page up to the protections (their names are identifiers)
        return b["page"].visible().split(_t("protections", b["lang"]))[0]

    text_fr, text_en = words(fr), words(en)
    for key, t in report_mod.T.items():
        if t["en"] == t["fr"] or "{" in t["en"]:
            continue
        first = t["en"].split(" (")[0]
        assert not re.search(rf"(?<!\w){re.escape(first)}(?!\w)", text_fr), (key, first)
    for words_fr in ("Rapport de correction", "Résumé", "Moyenne", "Médiane", "Élève", "Statut",
                     "Pénalité de retard", "Graphiques", "sur 7", "retour"):
        assert words_fr in text_fr and words_fr not in text_en
    assert "Grading report" in text_en and "Late penalty" in text_en


def test_chart_texts_are_in_the_course_language_with_integer_counts(fr) -> None:
    """Every text drawn in a chart, read from the SVG of the page."""
    by = {c["title"]: c["texts"] for c in fr["page"].charts}
    assert set(by) == {_t(k, "fr") for k in ("c_totals", "c_rate", "c_cases", "c_mis", "c_inc")}
    english = {t["en"] for t in report_mod.T.values() if t["en"] != t["fr"]}
    for texts in by.values():
        every = [t for ts in texts.values() for t in ts]
        assert not english & set(every)
    hist, rate, mis, inc = (by[_t(k, "fr")] for k in ("c_totals", "c_rate", "c_mis", "c_inc"))
    assert hist["label"] == ["élèves"] and hist["x-label"] == ["total (sur 7)"]
    assert hist["x-tick"] == ["0", "1", "2", "3", "4", "5", "6", "7"]
    for ticks in (hist["tick"], mis["tick"], inc["tick"]):  # counts: whole numbers only
        assert ticks[0] == "0" and all(re.fullmatch(r"\d+", t) for t in ticks), ticks
    assert rate["category"] == ["q1", "q2"] and rate["value"] == ["56 %", "83 %"]  # 5 / 9, 10 / 12
    assert rate["label"] == ["% des points"]
    assert inc["value"][1] == str(fr["summary"]["errors"])
    assert any("oublié les biais" in t for t in mis["category"]) and mis["value"] == ["1"]


def test_chart_geometry_follows_the_values() -> None:
    """Bars are as long as their values on the axis; a histogram's bars stand on their bins."""
    from course.grader import svg_charts as svg

    axis = svg.count_axis("n", 9)
    assert axis.ticks == [0, 2, 4, 6, 8, 10] and svg.count_axis("n", 0).ticks == [0, 1]
    assert svg.count_axis("n", 170).texts == ["0", "50", "100", "150", "200"]
    widths = [float(w) for w in re.findall(r"<rect x='[\d.]+' y='[\d.]+' width='([\d.]+)'",
                                            svg.bars("t", ["a", "b", "c"], [10, 5, 0], axis, "#000",
                                                     horizontal=True))]
    assert widths[0] == pytest.approx(2 * widths[1]) and widths[2] == 0
    heights = [float(h) for h in re.findall(r"height='([\d.]+)' fill='#000'",
                                            svg.bars("t", ["a", "b"], [4, 12], axis, "#000"))]
    assert heights[0] == pytest.approx(0.4 * heights[1])  # 12 is drawn at the axis' top, 10
    hist = svg.histogram("t", [1, 0, 3], [0.0, 2.0, 4.0, 6.0], "x", ["0", "2", "4", "6"], axis, "#000")
    rects = re.findall(r"<rect x='([\d.]+)' y='[\d.]+' width='([\d.]+)' height='([\d.]+)'", hist)
    xs, ws, hs = ([float(r[i]) for r in rects] for i in range(3))
    assert ws[0] == pytest.approx(ws[1]) == pytest.approx(ws[2])
    assert xs[1] == pytest.approx(xs[0] + ws[0]) and hs[1] == 0 and hs[2] == pytest.approx(3 * hs[0])


def _book(items: list[Item], lang_text: str = "x") -> Gradebook:
    q = QuestionResult("q1", sum(i.points for i in items), sum(i.max for i in items), items,
                       title={"fr": "Q", "en": "Q"})
    rec = Record.graded("hw-a.ipynb", "0" * 64, "hw", "a", [q], restored=[], cells={},
                        protections={}, seconds=1.0)
    row = Row("a", "graded", rec, {"q1": q.points}, q.points, 0.0, q.points, q.max_points, None, [], [rec])
    return Gradebook("hw", ["q1"], q.max_points, [row], [])


def test_empty_charts_are_said_in_words() -> None:
    gb = _book([Item("c1", True, 1.0, 1.0)])
    for lang in ("fr", "en"):
        page = _parse(report_mod.report_html(gb, [("bubblewrap", True, "d")], [], lang, {}))
        text = page.visible()
        assert _t("c_mis_none", lang) in text and _t("c_inc_none", lang) in text
        assert len(page.charts) == 3  # totals, per question, per case: the two empty ones are words
    page = _parse(report_mod.report_html(gb, [], [], "fr", {"worksheets": ["moodle/notes.csv"],
                                                            "identities": [{"lms": "moodle", "person": "A", "lms_id": "1", "student": "a", "by": "name"}]}))
    rows = {r[0]: r for r in page.table("Résumé")[1:]}
    assert rows[_t("worksheets", "fr")][1] == "1" and "moodle/notes.csv" in rows[_t("worksheets", "fr")][2]
    assert rows[_t("identities", "fr")][1] == "1"
    nobody = Gradebook("hw", ["q1"], 1.0, [Row("a", "missing", max_points=1.0)], [])
    page = _parse(report_mod.report_html(nobody, [], [], "fr", {}))
    assert _t("c_totals_none", "fr") in page.visible() and "–" in page.table("Par question")[1]


def test_chart_labels_keep_every_character_as_escaped_text() -> None:
    mistake = {"fr": "erreur ✅ avec $a$ et σ <blink>x</blink> & \x07", "en": "mistake ✅ with $a$ and σ"}
    gb = _book([Item("c1", False, 0.0, 1.0, why=mistake, misconception="k", misconception_text=mistake)])
    text = report_mod.report_html(gb, [], [], "fr", {})
    page = _parse(text)
    (mis,) = [c["texts"] for c in page.charts if c["title"] == _t("c_mis", "fr")]
    assert mis["category"] == ["q1 : erreur ✅ avec $a$ et σ\n<blink>x</blink> & ?"]  # the browser's fonts draw it
    assert "<blink>" not in text and "&lt;blink&gt;" in text  # escaped (the chart replaces control characters)
    assert ">k<" not in text and "(1 élève)" in text


def test_the_feedback_page_has_the_report_style_and_the_course_language(fr) -> None:
    page_text = (fr["hw"] / "feedback" / "bob.html").read_text(encoding="utf-8")
    page = _parse(page_text)
    assert CSS in page_text and "<html lang='fr'>" in page_text and "script" not in page.tags
    text = page.visible()
    assert "Statut : corrigé, remis en retard" in text and "date de modification du fichier" in text
    assert "✗ total (nombre total de paramètres) : échoué — Incorrect" in text and "réussi" in text
    assert "the file's modification time" not in text and "✅" not in page_text and "❌" not in page_text
    assert "forgot-biases" not in page_text
    md = (fr["hw"] / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert "- ✓ weights (nombre de poids par couche) : réussi" in md


# ----------------------------------------------------------------------------- rendered
def _chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))
                 if p), None)


def _screenshot(browser: str, page: Path, out: Path, height: int) -> np.ndarray:
    from PIL import Image

    r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--screenshot={out}", f"--window-size=1200,{height}", page.resolve().as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and out.is_file(), r.stderr[-2000:]
    keep = os.environ.get("COURSE_SCREENSHOTS")  # a folder to look at them
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
    return np.asarray(Image.open(out).convert("RGB")).astype(int)


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium is not installed "
                    "(scripts/setup installs the Debian package chromium)")
def test_report_and_feedback_render_in_headless_chromium(fr, tmp_path) -> None:
    browser = _chromium()
    assert browser is not None
    accent = np.array([0x2F, 0x5D, 0x8A])  # the page's headings
    for page, name, height in ((fr["hw"] / "report.html", "report.png", 2600),
                               (fr["hw"] / "feedback" / "erin.html", "feedback-erin.png", 1400)):
        img = _screenshot(browser, page, tmp_path / name, height)
        assert img.shape[:2] == (height, 1200)
        white = (img > 245).all(axis=2)
        assert white.mean() < 0.97, name  # not blank
        text = (img < 90).all(axis=2)  # dark text pixels
        assert text.sum() > 2000, name
        assert (np.abs(img - accent).sum(axis=2) < 40).sum() > 200, name  # our style, not an error page
        assert white[:, :20].mean() > 0.99  # a margin: nothing overflows the left edge
