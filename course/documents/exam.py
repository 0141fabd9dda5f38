"""``course exam NAME``: per-student exam sheets, answer keys, a manifest, LMS banks (Moodle, Canvas).

Pipeline (everything is generated and rendered in memory first, so bad input fails with
a clear error *before anything is written*):

1. **plan** the exam from course.yml: question ``i`` is an exercise with points. The
   *exercise key* that seeds it is the exercise id; when the same exercise appears again
   in one exam, its k-th occurrence (k >= 2) uses the key ``<id>#<k>`` so that the two
   questions get different variants.
2. **generate** every student's variants: ``make_rng(course.seed, student, key)`` (DESIGN
   rule 2) and the exercise's parameter constraints (``Family.generate``).
3. **render** sources: LaTeX (``templates/exam/*.tex.j2`` with the ``course-exam`` style),
   Markdown (``*.md.j2``), Moodle XML (:mod:`course.documents.moodle`), the Canvas QTI package
   (:mod:`course.documents.qti`) and ``manifest.json``. Sources are byte-identical when
   regenerated from the same course.yml.
4. **write** them under ``--out`` and, for ``pdf``, **compile** two documents with one
   pdflatex pass each (all sheets, all keys, in parallel), then **split** them into per-student
   PDFs with pypdf using the page ranges the style writes to ``<job>.pages``. Compiling
   one combined document instead of 2 x N small ones is what makes 200 students fit in a
   minute on two cores (see ``bench/exam.py``).

Output layout (``OUT`` = ``--out``, default ``<course folder>/build/exams/NAME``)::

    OUT/manifest.json                 every student's variants (seed inputs, params, answers)
    OUT/tex/course-exam.sty           the style
    OUT/tex/sheets.tex, keys.tex      combined documents (each student starts on a recto)
    OUT/tex/sheet-ID.tex, key-ID.tex  one student's standalone documents
    OUT/tex/parts/sheet-ID.tex ...    the bodies both \\input
    OUT/md/ID-sheet.md, ID-key.md     Markdown with LaTeX math
    OUT/pdf/sheets.pdf, keys.pdf      for printing; OUT/pdf/ID-sheet.pdf, ID-key.pdf
    OUT/moodle/NAME.xml               Moodle XML question bank
    OUT/qti/NAME.zip                  Canvas QTI 1.2 package (imsmanifest.xml, a bank per question)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from course.base.errors import CourseError, UsageError
from course.base.i18n import text
from course.base.rng import make_rng
from course.documents import latex
from course.documents.keys import answers_md
from course.documents.mdlatex import unicode_declarations
from course.generator.base import Variant
from course.generator.precision import DECIMALS
from course.generator.registry import registry
from course.generator.render import fmt, solution, statement
from course.planning.config import Course, load_course, load_roster
from course.planning.plan import PlannedQuestion, draw_variant, plan_exam
from course.planning.validate import check_planned

FORMATS = ("pdf", "tex", "md", "moodle", "qti")
MANIFEST_FORMAT = "course-exam-manifest/1"
Progress = Callable[[str, int, int], None]  # (stage, done, total)

LABELS: dict[str, dict[str, str]] = {
    "fr": {"exercise": "Exercice", "point": "point", "points": "points", "id": "Matricule",
           "name": "Nom, prénom", "grade": "Note", "page": "Page", "student": "Matricule",
           "key": "Corrigé", "answers": "Réponses", "solution": "Solution détaillée",
           "date": "Date", "duration": "Durée", "end": "Fin", "total": "Total", "colon": " :",
           "instructions": "Répondez dans les espaces prévus ; justifiez vos calculs. "
                           "Donnez les valeurs numériques avec les décimales que demande l'exercice."},
    "en": {"exercise": "Exercise", "point": "point", "points": "points", "id": "Student ID",
           "name": "Name", "grade": "Grade", "page": "Page", "student": "Student",
           "key": "Answer key", "answers": "Answers", "solution": "Worked solution",
           "date": "Date", "duration": "Duration", "end": "End", "total": "Total", "colon": ":",
           "instructions": "Answer in the spaces provided and show your work. "
                           "Give numerical values to the decimal places each exercise asks."},
}


@dataclass
class StudentExam:
    """One student's variants, in question order."""

    sid: str
    variants: list[Variant]


# --------------------------------------------------------------------------- generate
def generate_student(course: Course, sid: str, questions: list[PlannedQuestion]) -> StudentExam:
    """Every variant of student ``sid`` (DESIGN rule 2: one rng per student x seed key)."""
    return StudentExam(sid, [draw_variant(course, sid, q) for q in questions])


# --------------------------------------------------------------------------- manifest
def manifest(course: Course, name: str, questions: list[PlannedQuestion], students: list[StudentExam],
             lang: str) -> dict[str, Any]:
    """Everything needed to re-check keys and grade without trusting anything else."""
    ex = course.data.exams[name]
    return {
        "format": MANIFEST_FORMAT,
        "course": {"title": course.title_in(lang), "seed": course.seed},
        "exam": {"id": name, "title": course.exam_title(name, lang), "date": ex.date, "duration": ex.duration,
                 "lang": lang, "total_points": sum(q.points for q in questions)},
        "questions": [{"number": q.number, "exercise": q.ref, "key": q.key, "family": q.family,
                       "points": q.points, "title": q.title, "constraints": q.constraints}
                      for q in questions],
        "students": [{"id": s.sid, "variants": [{"number": q.number, **v.to_json()}
                                               for q, v in zip(questions, s.variants)]}
                     for s in students],
    }


def manifest_text(data: dict[str, Any]) -> str:
    """The manifest as JSON text: one student per line (fast, diff-friendly); a variant's
    parts keep the order of the statement."""
    head = {k: v for k, v in data.items() if k != "students"}
    lines = [json.dumps(s, ensure_ascii=False) for s in data["students"]]  # parts keep their order
    text = json.dumps(head, ensure_ascii=False, sort_keys=True, indent=1)
    return text[:-2] + ',\n "students": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def recheck(data: dict[str, Any], catalogue: Any = None) -> list[str]:
    """Re-check a manifest against the reference: every variant is regenerated from its
    seed inputs and re-solved from its params; returns the problems found (empty: all good).
    ``catalogue``: the course's (its own families), default the built-in one."""
    reg = catalogue.families if catalogue is not None else registry()
    problems = []
    if data.get("format") != MANIFEST_FORMAT:
        return [f"not an exam manifest (format {data.get('format')!r})"]
    questions = {q["number"]: q for q in data["questions"]}
    for st in data["students"]:
        for vd in st["variants"]:
            q = questions[vd["number"]]
            where = f"student {st['id']}, question {vd['number']}"
            seed = vd["seed"]
            if seed != {"course_seed": data["course"]["seed"], "student": st["id"], "exercise": q["key"]}:
                problems.append(f"{where}: seed inputs do not match the student and question")
                continue
            fam = reg[vd["family"]]
            again = fam.generate(make_rng(seed["course_seed"], seed["student"], seed["exercise"]),
                                 q["constraints"], seed=seed)
            if again.params != vd["params"]:
                problems.append(f"{where}: params differ from a fresh draw")
            solved = fam.variant(vd["params"])
            if json.dumps(solved.answer, sort_keys=True) != json.dumps(vd["answer"], sort_keys=True):
                problems.append(f"{where}: answer differs from the reference's")
    return problems


# --------------------------------------------------------------------------- rendering
def points_text(points: float, lang: str) -> str:
    """``points`` with its unit: a number as every number of the documents is written (a decimal
    point in both languages, as the course material writes 0.70; :func:`fmt`), and the unit's
    number by each language's rule: French keeps "point" singular below 2 (« 0.5 point »,
    « 1.5 point », « 2 points »), English only for exactly 1 ("1 point", "1.5 points")."""
    p = fmt(points)
    if lang == "fr":
        word = LABELS[lang]["point"] if points < 2 else LABELS[lang]["points"]
    else:
        word = LABELS[lang]["point"] if points == 1 else LABELS[lang]["points"]
    return f"{p} {word}"


def _answer_space(part: Any, lang: str) -> dict[str, Any]:
    space = part.check.answer_space(part.answer, lang)
    return {"label": part.label[lang], "options": list(space.options), "lines": space.lines,
            "kind": part.check.kind}


def question_views(questions: list[PlannedQuestion], st: StudentExam, lang: str,
                   env: Any = None) -> list[dict[str, Any]]:
    """What the templates show for one student's questions (Markdown strings)."""
    views = []
    for q, v in zip(questions, st.variants):
        nparts = len(v.parts)
        views.append({
            "number": q.number, "title": q.title[lang], "points": q.points,
            "points_text": points_text(q.points, lang),
            "statement": statement(v, lang, env), "solution": solution(v, lang, env),
            "answers": answers_md(v.parts, lang, v.context.get(DECIMALS)),
            "parts": [_answer_space(p, lang) for p in v.parts.values()],
            "space": f"{min(6.0, 1.5 + 1.0 * nparts):.1f}cm",
        })
    return views


def _info_line(course: Course, name: str, lang: str, total: float) -> str:
    ex = course.data.exams[name]
    t = LABELS[lang]
    bits = []
    if ex.date:
        bits.append(ex.date)
    if ex.duration:
        bits.append(f"{t['duration']}{t['colon']} {ex.duration}")
    bits.append(f"{t['total']}{t['colon']} {points_text(total, lang)}")
    return " · ".join(bits)


@cache
def _md_env() -> jinja2.Environment:
    """The jinja2 environment for Markdown templates (StrictUndefined, no escaping)."""
    root = resources.files("course.templates")
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(root)),
                              undefined=jinja2.StrictUndefined, autoescape=False,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


_WORKER: dict[str, Any] = {}


def _init_worker(ctx: dict[str, Any]) -> None:
    _WORKER.clear()
    _WORKER.update(ctx)


def _render_student(st: StudentExam) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """One student's files (tex bodies and wrappers, Markdown) and LMS questions
    (``{"moodle": [question of each exam question], "qti": [items of each]}``)."""
    from course.documents.moodle import moodle_question, question_name
    from course.documents.qti import qti_items

    w = _WORKER
    questions, lang, formats, common = w["questions"], w["lang"], w["formats"], w["common"]
    views = question_views(questions, st, lang, w["env"])
    ctx = {**common, "sid": st.sid, "questions": views}
    files: dict[str, str] = {}
    if formats & {"tex", "pdf"}:
        for kind in ("sheet", "key"):
            files[f"tex/parts/{kind}-{st.sid}.tex"] = latex.render(f"exam/{kind}.tex.j2", **ctx)
            files[f"tex/{kind}-{st.sid}.tex"] = latex.render(
                "exam/document.tex.j2", duplex=False, bodies=[f"parts/{kind}-{st.sid}.tex"])
    if "md" in formats:
        for kind in ("sheet", "key"):
            files[f"md/{st.sid}-{kind}.md"] = _md_env().get_template(f"exam/{kind}.md.j2").render(**ctx)
    items: dict[str, list[Any]] = {}
    if "moodle" in formats:
        items["moodle"] = [moodle_question(v, question_name(w["name"], q, st.sid), q.points, lang,
                                           view["statement"], view["solution"])
                           for q, v, view in zip(questions, st.variants, views)]
    if "qti" in formats:
        items["qti"] = [qti_items(v, question_name(w["name"], q, st.sid), q.points, lang,
                                  view["statement"], view["solution"])
                        for q, v, view in zip(questions, st.variants, views)]
    return files, items


def render_sources(course: Course, name: str, questions: list[PlannedQuestion],
                   students: list[StudentExam], lang: str, formats: Iterable[str],
                   progress: Progress | None = None, jobs: int = 1) -> dict[str, str | bytes]:
    """Every file of the exam, ``{relative path: content}`` (text, or bytes for the QTI zip;
    deterministic; students are rendered in ``jobs`` processes, the result does not depend on
    ``jobs``)."""
    formats = set(formats)
    files: dict[str, str | bytes] = {}
    total = sum(q.points for q in questions)
    course_title, exam_title = course.title_in(lang), course.exam_title(name, lang)
    common = {"course": course_title, "exam": exam_title, "t": LABELS[lang],
              "info": _info_line(course, name, lang, total),
              "total": fmt(total)}
    data = manifest(course, name, questions, students, lang)
    files["manifest.json"] = manifest_text(data)
    need_tex = bool(formats & {"tex", "pdf"})
    if need_tex:
        files["tex/course-exam.sty"] = latex.render(
            "exam/course-exam.sty.j2", babel="french" if lang == "fr" else "english",
            unicode=latex.TeX(unicode_declarations()), **common)
    ctx = {"questions": questions, "lang": lang, "formats": formats, "common": common, "name": name,
           "env": course.catalogue.env}
    items: dict[str, list[Any]] = {"moodle": [], "qti": []}
    if jobs > 1 and len(students) >= 16:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(ctx,)) as pool:
            results = pool.map(_render_student, students, chunksize=max(1, len(students) // (4 * jobs)))
            for n, (f, it) in enumerate(results, start=1):
                files.update(f)
                for k in items:
                    items[k].append(it.get(k, []))
                if progress:
                    progress("render", n, len(students))
    else:
        _init_worker(ctx)
        for n, st in enumerate(students, start=1):
            f, it = _render_student(st)
            files.update(f)
            for k in items:
                items[k].append(it.get(k, []))
            if progress:
                progress("render", n, len(students))
    if need_tex:
        for kind in ("sheet", "key"):
            files[f"tex/{kind}s.tex"] = latex.render(
                "exam/document.tex.j2", duplex=True,
                bodies=[f"parts/{kind}-{st.sid}.tex" for st in students])
    if "moodle" in formats:
        from course.documents.moodle import quiz_xml
        files[f"moodle/{name}.xml"] = quiz_xml(course_title, name, exam_title, questions, students,
                                               lang, items["moodle"])
    if "qti" in formats:
        from course.documents.qti import package
        files[f"qti/{name}.zip"] = package(course_title, name, exam_title, questions, students,
                                           lang, items["qti"])
    return dict(sorted(files.items()))


# --------------------------------------------------------------------------- PDFs
def read_page_ranges(pages_file: Path) -> dict[str, tuple[int, int]]:
    """``{student: (first, last)}`` 1-based page numbers from a ``<job>.pages`` file."""
    out: dict[str, list[int]] = {}
    for line in pages_file.read_text().splitlines():
        sid, page = line.rsplit(" ", 1)
        out.setdefault(sid, []).append(int(page))
    return {sid: (p[0], p[-1]) for sid, p in out.items()}


def _split_chunk(pdf: str, ranges: list[tuple[str, int, int]], dest: str) -> None:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(pdf)
    for out_name, first, last in ranges:
        writer = PdfWriter()
        for i in range(first - 1, last):
            writer.add_page(reader.pages[i])
        with open(Path(dest) / out_name, "wb") as fh:
            writer.write(fh)


def build_pdfs(tex_dir: Path, pdf_dir: Path, sids: list[str], jobs: int,
               progress: Progress | None = None) -> dict[str, float]:
    """Compile ``sheets.tex`` and ``keys.tex`` (in parallel) and split them per student.
    Returns the seconds spent compiling and splitting."""
    import time

    latex.tex_engine()
    pdf_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, min(2, jobs))) as pool:
        futures = {kind: pool.submit(latex.compile_tex, tex_dir / f"{kind}s.tex")
                   for kind in ("sheet", "key")}
        pdfs = {}
        for kind, fut in futures.items():
            pdfs[kind] = fut.result()
            done += 1
            if progress:
                progress("compile", done, 2)
    t1 = time.perf_counter()
    tasks: list[tuple[str, list[tuple[str, int, int]]]] = []
    for kind, pdf in pdfs.items():
        shutil.copyfile(pdf, pdf_dir / f"{kind}s.pdf")
        ranges = read_page_ranges(pdf.with_suffix(".pages"))
        missing = [s for s in sids if s not in ranges]
        if missing:
            raise CourseError(text(f"le fichier compilé {kind}s.pdf n'a aucune page pour {missing[0]!r}", f"the compiled {kind}s.pdf has no pages for {missing[0]!r}"))
        items = [(f"{sid}-{kind}.pdf", *ranges[sid]) for sid in sids]
        nchunks = max(1, min(jobs, len(items) // 20 or 1))
        size = -(-len(items) // nchunks)
        tasks += [(str(pdf), items[i:i + size]) for i in range(0, len(items), size)]
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futs = [pool.submit(_split_chunk, pdf, chunk, str(pdf_dir)) for pdf, chunk in tasks]
            for n, f in enumerate(futs, start=1):
                f.result()
                if progress:
                    progress("split", n, len(futs))
    else:
        for n, (pdf, chunk) in enumerate(tasks, start=1):
            _split_chunk(pdf, chunk, str(pdf_dir))
            if progress:
                progress("split", n, len(tasks))
    return {"compile": t1 - t0, "split": time.perf_counter() - t1}


# --------------------------------------------------------------------------- the command
@dataclass
class ExamResult:
    """What :func:`build_exam` made: the output folder, the files, and stage timings (s)."""

    out: Path
    files: list[str]
    students: int
    timings: dict[str, float]


def parse_formats(spec: str | Iterable[str]) -> list[str]:
    """``"pdf,tex"`` -> ``["pdf", "tex"]`` (in canonical order); unknown names are errors."""
    items = [f.strip().lower() for f in (spec.split(",") if isinstance(spec, str) else spec)]
    items = [f for f in items if f]
    for f in items:
        if f not in FORMATS:
            raise UsageError(text(f"--format : format {f!r} inconnu (connus : {','.join(FORMATS)})", f"--format: unknown format {f!r} (known: {','.join(FORMATS)})"))
    if not items:
        raise UsageError(text(f"--format : donnez au moins un de {','.join(FORMATS)}", f"--format: give at least one of {','.join(FORMATS)}"))
    return [f for f in FORMATS if f in items]


def _clean_previous(out: Path) -> None:
    """Remove the generated folders of a previous run (only if OUT holds our manifest)."""
    man = out / "manifest.json"
    if not man.exists():
        return
    try:
        if json.loads(man.read_text(encoding="utf-8")).get("format") != MANIFEST_FORMAT:
            return
    except (OSError, ValueError):
        return
    for sub in ("tex", "md", "pdf", "moodle", "qti"):
        if (out / sub).is_dir():
            shutil.rmtree(out / sub)


def build_exam(course_path: str | Path, name: str, *, roster: str | Path | None = None,
               out: str | Path | None = None, formats: str | Iterable[str] = FORMATS,
               lang: str | None = None, jobs: int | None = None,
               progress: Progress | None = None) -> ExamResult:
    """Generate exam ``name`` for every student: see the module docstring."""
    import time

    timings: dict[str, float] = {}
    fmts = parse_formats(formats)
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(text(f"--jobs doit valoir au moins 1 (reçu : {jobs})", f"--jobs must be at least 1, got {jobs}"))
    course = load_course(course_path)
    lang = lang or course.language
    if lang not in LABELS:
        raise UsageError(text(f"--lang doit être 'fr' ou 'en' (reçu : {lang!r})", f"--lang must be 'fr' or 'en', got {lang!r}"))
    if "pdf" in fmts:
        latex.tex_engine()  # a clear message before anything is done
    sids = load_roster(Path(roster)) if roster is not None else course.roster
    questions = plan_exam(course, name)
    check_planned(course, questions)
    out = Path(out) if out is not None else course.root / "build" / "exams" / name

    t = time.perf_counter()
    students = []
    for n, sid in enumerate(sids, start=1):
        students.append(generate_student(course, sid, questions))
        if progress:
            progress("generate", n, len(sids))
    timings["generate"] = time.perf_counter() - t

    t = time.perf_counter()
    files = render_sources(course, name, questions, students, lang, fmts, progress, jobs)
    timings["render"] = time.perf_counter() - t

    t = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    _clean_previous(out)
    written = []
    keep = {p for p in files if p == "manifest.json" or p.split("/")[0] in fmts}
    for rel in sorted(keep):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        content = files[rel]
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="\n")
        written.append(rel)
    timings["write"] = time.perf_counter() - t

    if "pdf" in fmts:
        with tempfile.TemporaryDirectory(prefix="course-exam-") as tmp:
            tex_dir = Path(tmp)
            for rel, body in files.items():
                if rel.startswith("tex/") and isinstance(body, str):
                    path = tex_dir / rel[4:]
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(body, encoding="utf-8", newline="\n")
            timings.update(build_pdfs(tex_dir, out / "pdf", sids, jobs, progress))
        written += ["pdf/sheets.pdf", "pdf/keys.pdf"]
        written += [f"pdf/{sid}-{kind}.pdf" for sid in sids for kind in ("sheet", "key")]
    return ExamResult(out, written, len(sids), timings)
