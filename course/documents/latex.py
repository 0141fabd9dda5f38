"""LaTeX templates and compilation for exam sheets and keys.

Templates (``templates/exam/*.tex.j2``, ``*.sty.j2``) use delimiters that do not clash
with LaTeX, like nbconvert's: ``((* block *))``, ``((( expression )))``, ``((= comment =))``.
Undefined variables are errors (StrictUndefined). Escaping is *on by default*: every
``((( ... )))`` goes through one escaping function (:func:`course.documents.mdlatex.escape`) unless
the value is :class:`TeX` (already LaTeX), which only the ``md`` filter (Markdown with
math -> LaTeX, :func:`course.documents.mdlatex.md_to_latex`) and the ``num`` filter produce.

Compilation runs pdflatex once per document (see :func:`compile_tex`); :func:`tex_engine`
finds it or explains what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from course.base.errors import CourseError
from course.base.i18n import text
from course.documents.mdlatex import escape, inline_latex, md_to_latex

TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended texlive-lang-french latexmk"


class TeX(str):
    """A string that is already LaTeX: the escaping finalizer leaves it alone."""


def _finalize(value: Any) -> str:
    if isinstance(value, TeX):
        return value
    if isinstance(value, bool) or value is None:
        raise TypeError(f"refusing to print {value!r} in a LaTeX template")
    return escape(str(value))


def _md(text: str) -> TeX:
    return TeX(md_to_latex(text).strip())


def _md_inline(text: str) -> TeX:
    return TeX(inline_latex(text))


_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")


def _ident(text: str) -> TeX:
    """A student id or a relative file name, used raw in labels and ``\\input``: only
    letters, digits and ``_ . / -`` are allowed (checked, not escaped)."""
    if not _IDENT.match(str(text)) or ".." in str(text):
        raise ValueError(f"not a safe identifier for LaTeX: {text!r}")
    return TeX(text)


def _ttid(text: str) -> TeX:
    """A student id in typewriter type, ``_`` as the font's own glyph (``\\char95``) so
    that it prints, and is extracted from the PDF, as an underscore."""
    return TeX("\\texttt{" + str(_ident(text)).replace("_", "\\char95{}") + "}")


@cache
def environment() -> jinja2.Environment:
    """The jinja2 environment for LaTeX templates (see the module docstring)."""
    root = resources.files("course.templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        undefined=jinja2.StrictUndefined, autoescape=False, finalize=_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(md=_md, mdinline=_md_inline, ident=_ident, ttid=_ttid)
    return env


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context``."""
    return environment().get_template(template).render(**context)


# --------------------------------------------------------------------------- compilation
class TexMissing(CourseError):
    """No TeX engine: PDFs cannot be made (tex, md and moodle still work)."""


def tex_engine() -> str:
    """The path of ``pdflatex``, or :class:`TexMissing` saying what to install."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise TexMissing(
            text(f"--format pdf demande un moteur TeX, mais pdflatex n'est pas installé : installez-le (Debian/Ubuntu : sudo apt-get install {TEX_PACKAGES}) ou retirez pdf de --format (tex, md et moodle fonctionnent sans TeX)", "--format pdf needs a TeX engine but pdflatex is not installed; install it "
            f"(Debian/Ubuntu: sudo apt-get install {TEX_PACKAGES}) or leave pdf out of "
            "--format (tex, md and moodle work without TeX)"))
    return pdflatex


def compile_tex(tex: Path, *, timeout: float = 600) -> Path:
    """Compile ``tex`` with pdflatex in its folder; return the PDF path.

    One pass is enough: the exam documents have no cross-references (latexmk's rerun
    loop would compile them twice for nothing, and ``latexmk -pdf`` still works on the
    written sources). Reproducible: ``SOURCE_DATE_EPOCH`` is fixed, so the PDF carries no
    build date. On failure the error quotes the first LaTeX error of the log.
    """
    pdflatex = tex_engine()
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1", max_print_line="1000")
    cmd = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", tex.name]
    try:
        proc = subprocess.run(cmd, cwd=tex.parent, env=env, capture_output=True, text=True,
                              timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired:
        raise CourseError(text(f"LaTeX n'a pas terminé en {timeout:.0f} s", f"LaTeX did not finish in {timeout:.0f} s"), path=tex) from None
    pdf = tex.with_suffix(".pdf")
    if proc.returncode != 0 or not pdf.exists():
        log = tex.with_suffix(".log")
        log_text = log.read_text(errors="replace") if log.exists() else proc.stdout + proc.stderr
        lines = log_text.splitlines()
        first = next((i for i, ln in enumerate(lines) if ln.startswith("!") or ":error:" in ln
                      or ".tex:" in ln and "Error" in ln), None)
        detail = "\n".join(lines[first:first + 4]) if first is not None else "\n".join(lines[-8:])
        raise CourseError(text(f"LaTeX a échoué (journal : {log}) :\n{detail}", f"LaTeX failed (log: {log}):\n{detail}"), path=tex)
    return pdf
