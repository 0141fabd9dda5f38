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
