"""The PDF path (CI installs TeX: scripts/setup): compile sheets and keys, read their text
back with pypdf, and look at rendered pages (pdftoppm) for anything crossing the margins."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from course.documents.exam import build_exam, read_page_ranges
from course.documents.latex import compile_tex
from course.generator.render import answer_number

from .conftest import COURSE

pytestmark = pytest.mark.latex


@pytest.fixture(scope="module")
def built_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exam-pdf") / "mini"
    build_exam(COURSE, "mini", out=out, formats="pdf,tex", jobs=2)
    return out


def _text(pdf: Path) -> str:
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    return re.sub(r"\s+", " ", text)


def _expected_numbers(part: dict, decimals: int | None) -> list[str]:
    """The numbers of a part's answer as the key writes them: with the decimals the statement
    asks (0.9610 for 4 decimals)."""
    kind, ans = part["check"]["kind"], part["answer"]

    def number(x: float) -> str:
        return answer_number(x, decimals)

    if kind in ("int", "float"):
        return [number(ans)]
    if kind in ("shape", "array") and isinstance(ans, list) and ans and not isinstance(ans[0], list):
        return [number(x) for x in ans]
    if kind == "choice":
        return [ans] if isinstance(ans, str) else list(ans)
    return []


def test_per_student_pdfs_hold_the_id_and_the_answers(built_pdf: Path) -> None:
    man = json.loads((built_pdf / "manifest.json").read_text())
    for st in man["students"]:
        sid = st["id"]
        sheet = _text(built_pdf / "pdf" / f"{sid}-sheet.pdf")
        key = _text(built_pdf / "pdf" / f"{sid}-key.pdf")
        other = [s["id"] for s in man["students"] if s["id"] != sid][0]
        assert f"Matricule : {sid}" in sheet and f"Matricule : {other}" not in sheet
        assert f"Matricule : {sid}" in key
        assert "Exercice 7" in sheet and "Exercice 8" not in sheet
        for vd in st["variants"]:
            for name, part in vd["parts"].items():
                for value in _expected_numbers(part, vd["context"].get("decimals", {}).get(name)):
                    assert value.replace(" ", "") in key.replace(" ", ""), (sid, vd["family"], value)


def test_combined_pdfs_start_every_student_on_a_recto(built_pdf: Path) -> None:
    for kind in ("sheets", "keys"):
        pages = len(PdfReader(built_pdf / "pdf" / f"{kind}.pdf").pages)
        per_student = [len(PdfReader(p).pages) for p in sorted((built_pdf / "pdf").glob(f"*-{kind[:-1]}.pdf"))]
        assert pages == sum(n + n % 2 for n in per_student[:-1]) + per_student[-1]


def _ink_outside_margins(png: Path, margin_cm: float = 2.2) -> float:
    img = np.asarray(Image.open(png).convert("L"), dtype=np.float64)
    px = img.shape[1] / 21.0 * (margin_cm - 0.3)  # a little slack inside the 2.2 cm margins
    band = np.concatenate([img[:, : int(px)], img[:, -int(px):]], axis=1)
    return float((band < 128).mean())


@pytest.mark.parametrize("kind", ["sheet", "key"])
def test_pages_render_within_the_margins(built_pdf: Path, tmp_path: Path, kind: str) -> None:
    pdf = built_pdf / "pdf" / f"S01-{kind}.pdf"
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(PdfReader(pdf).pages) >= 2
    for png in pngs:
        img = np.asarray(Image.open(png).convert("L"))
        assert (img < 128).mean() > 0.002, f"{png.name} is blank"
        assert _ink_outside_margins(png) == 0.0, f"{png.name}: something crosses the margins"


def test_latex_log_is_clean(built_pdf: Path) -> None:
    """No overfull boxes, no undefined references in the compiled sources."""
    tex = built_pdf / "tex"
    for name in ("sheets", "keys"):
        compile_tex(tex / f"{name}.tex")
        log = (tex / f"{name}.log").read_text(errors="replace")
        assert "Overfull \\hbox" not in log
        assert "undefined" not in log.lower().replace("undefined control", "")
        assert set(read_page_ranges(tex / f"{name}.pages")) == {"S01", "S_02"}


def _heights(log: Path) -> list[tuple[int, float, float]]:
    """``(exercise, height, page height)`` in points, as the style measured each exercise."""
    found = re.findall(r"course-exam: exercise (\d+) is ([\d.]+)pt high \(a page: ([\d.]+)pt\)",
                       log.read_text(errors="replace"))
    return [(int(n), float(h), float(t)) for n, h, t in found]


def _page_of(pages: list[str], text: str) -> int:
    return next(i for i, t in enumerate(pages) if text in t)


@pytest.mark.parametrize("kind", ["sheet", "key"])
def test_an_exercise_that_fits_on_a_page_is_not_split(tmp_path: Path, kind: str) -> None:
    """The sample course's intra exam (sheets and keys): an exercise shorter than a page starts
    on a new page rather than run over two; the page it leaves holds nothing of it."""
    roster = tmp_path / "roster.csv"
    roster.write_text("id\netu001\netu002\netu003\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "intra"
    build_exam(root / "course.yml", "intra", out=out, formats="tex", roster=roster, jobs=1)
    for sid in ("etu001", "etu002", "etu003"):
        tex = out / "tex" / f"{kind}-{sid}.tex"
        pdf = compile_tex(tex)
        heights = _heights(tex.with_suffix(".log"))
        assert [n for n, _, _ in heights] == list(range(1, len(heights) + 1)) and len(heights) >= 8
        pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(pdf).pages]

        for n, height, page in heights:
            start = _page_of(pages, f"Exercice {n} ")
            end_mark = f"Exercice {n + 1} " if n < len(heights) else "— Fin —"
            end = _page_of(pages, end_mark)
            if height < page:  # fits on a page: nothing of it on the page where the next one starts
                assert end - start <= 1, (sid, kind, n)
                if end > start:
                    before = pages[end].split(end_mark)[0]
                    body = before.replace("Réseaux de neurones et apprentissage profond", "").replace(
                        "Examen intra", "").strip()
                    assert body == "", (sid, kind, n, body[:80])
