"""A small Markdown-subset parser with a LaTeX renderer (no pandoc needed).

The subset is the one family templates write (see :mod:`course.generator.render`):

- paragraphs (lines joined; a blank line ends a paragraph);
- ``**bold**``, ``*italic*``, ```code``` inline, and Markdown backslash escapes (``\\*``);
- inline math ``$...$`` and display math ``$$...$$`` (on their own lines, or inline),
  kept byte-for-byte intact;
- ``- `` / ``* `` bullet lists and ``1. `` numbered lists (nested by indentation);
- pipe tables (``| a | b |`` then ``|---|:---:|``), rendered as booktabs ``tabular``;
- ``#`` headings and fenced code blocks (```` ``` ````), for robustness.

Text outside math is escaped (``\\ { } $ & # ^ _ % ~ < > |``), and a few Unicode
symbols that pdflatex cannot typeset in text (×, →, ≤, ...) are replaced by their LaTeX
commands. Tables and display math are wrapped in ``\\cefit{...}`` (defined in
``templates/exam/course-exam.sty.j2``), which scales them down to the line width only
when they are wider, so nothing overflows the margins.

:func:`parse` returns plain blocks that other renderers reuse (the Moodle HTML renderer in
:mod:`course.documents.moodle`); :func:`render_inline` takes the per-format escaping functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

# --------------------------------------------------------------------------- blocks


@dataclass
class Block:
    """One block: ``kind`` is ``para``, ``math``, ``code``, ``heading``, ``table``, ``list``.

    - ``para``/``heading``: ``text`` (inline Markdown); ``level`` for headings;
    - ``math``/``code``: ``text`` (raw);
    - ``table``: ``header`` (cells), ``align`` (``l``/``c``/``r`` per column), ``rows``;
    - ``list``: ``ordered`` and ``items`` (each a list of blocks).
    """

    kind: str
    text: str = ""
    level: int = 0
    ordered: bool = False
    items: list[list[Block]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    align: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


_BULLET = re.compile(r"^( *)([-*+]) +(.*)$")
_NUMBER = re.compile(r"^( *)(\d+)[.)] +(.*)$")
_HEADING = re.compile(r"^(#{1,6}) +(.*?) *#*$")
_TABLE_SEP = re.compile(r"^ *\|? *:?-{1,}:? *(\| *:?-{1,}:? *)*\|? *$")


def _split_row(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells, cur, i = [], "", 0
    in_math = False
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            cur += s[i:i + 2]
            i += 2
            continue
        if ch == "$":
            in_math = not in_math
        if ch == "|" and not in_math:
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    cells.append(cur.strip())
    return cells


def _list_marker(line: str) -> re.Match[str] | None:
    return _BULLET.match(line) or _NUMBER.match(line)


def _starts_block(line: str) -> bool:
    s = line.strip()
    return (s.startswith("$$") or s.startswith("```") or bool(_HEADING.match(s))
            or bool(_list_marker(line)) or s.startswith("|"))


def parse(md: str) -> list[Block]:
    """Parse Markdown (the subset above) into blocks."""
    lines = md.replace("\r\n", "\n").replace("\t", "    ").split("\n")
    blocks: list[Block] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        s = line.strip()
        if not s:
            i += 1
            continue
        if s.startswith("```"):
            j = i + 1
            while j < n and not lines[j].strip().startswith("```"):
                j += 1
            blocks.append(Block("code", "\n".join(lines[i + 1:j])))
            i = j + 1
            continue
        if s.startswith("$$"):
            if len(s) > 4 and s.endswith("$$"):  # $$ ... $$ on one line
                blocks.append(Block("math", s[2:-2].strip()))
                i += 1
                continue
            body = [s[2:]] if s[2:].strip() else []
            j = i + 1
            while j < n and "$$" not in lines[j]:
                body.append(lines[j])
                j += 1
            if j < n:
                last = lines[j].split("$$", 1)[0]
                if last.strip():
                    body.append(last)
            blocks.append(Block("math", "\n".join(x.rstrip() for x in body).strip()))
            i = j + 1
            continue
        m = _HEADING.match(s)
        if m:
            blocks.append(Block("heading", m.group(2), level=len(m.group(1))))
            i += 1
            continue
        if s.startswith("|") and i + 1 < n and _TABLE_SEP.match(lines[i + 1]):
            header = _split_row(s)
            seps = _split_row(lines[i + 1])
            align = []
            for c in seps:
                c = c.strip()
                align.append("c" if c.startswith(":") and c.endswith(":")
                             else "r" if c.endswith(":") else "l" if c.startswith(":") else "c")
            rows = []
            j = i + 2
            while j < n and lines[j].strip().startswith("|"):
                row = _split_row(lines[j])
                row = (row + [""] * len(header))[:len(header)]
                rows.append(row)
                j += 1
            align = (align + ["c"] * len(header))[:len(header)]
            blocks.append(Block("table", header=header, align=align, rows=rows))
            i = j
            continue
        m = _list_marker(line)
        if m:
            indent = len(m.group(1))
            ordered = bool(_NUMBER.match(line))
            items: list[list[str]] = []
            j = i
            while j < n:
                cur = lines[j]
                mm = _list_marker(cur)
                if mm and len(mm.group(1)) == indent and bool(_NUMBER.match(cur)) == ordered:
                    items.append([mm.group(3)])
                    j += 1
                    continue
                if not cur.strip():
                    # a blank line inside a list: continue if the next line is indented more
                    nxt = lines[j + 1] if j + 1 < n else ""
                    nm = _list_marker(nxt)
                    if nxt.strip() and len(nxt) - len(nxt.lstrip()) > indent:
                        items[-1].append("")
                        j += 1
                        continue
                    if nm and len(nm.group(1)) == indent and bool(_NUMBER.match(nxt)) == ordered:
                        j += 1  # a loose list: the next item follows a blank line
                        continue
                    break
                lead = len(cur) - len(cur.lstrip())
                if lead > indent:
                    items[-1].append(cur[min(lead, indent + 2):] if lead >= indent + 2 else cur.lstrip())
                    j += 1
                    continue
                if mm or _starts_block(cur):
                    break
                items[-1].append(cur.strip())  # lazy continuation
                j += 1
            blocks.append(Block("list", ordered=ordered,
                                items=[parse("\n".join(it)) for it in items]))
            i = j
            continue
        para = [s]
        j = i + 1
        while j < n and lines[j].strip() and not _starts_block(lines[j]):
            para.append(lines[j].strip())
            j += 1
        blocks.append(Block("para", "\n".join(para)))
        i = j
    return blocks


# --------------------------------------------------------------------------- inline

_PH = "\ue000"  # private-use placeholder marker (never in real text)
_INLINE_TOKEN = re.compile(
    r"(?P<dmath>(?<!\\)\$\$(?P<dm>.+?)\$\$)"
    r"|(?P<math>(?<!\\)\$(?P<m>(?:\\.|[^$\\])+?)\$)"
    r"|(?P<code>`(?P<c>[^`]+)`)"
    r"|(?P<esc>\\(?P<e>[\\`*_{}\[\]()#+\-.!|$<>~]))",
    re.S)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])", re.S)


def render_inline(text: str, *, escape: Callable[[str], str], math: Callable[[str], str],
                  display: Callable[[str], str], code: Callable[[str], str],
                  bold: Callable[[str], str], italic: Callable[[str], str]) -> str:
    """Render inline Markdown: math/code spans are set aside first (kept intact), the rest
    is escaped with ``escape``, then ``**bold**`` and ``*italic*`` are applied."""
    saved: list[str] = []

    def keep(s: str) -> str:
        saved.append(s)
        return f"{_PH}{len(saved) - 1}{_PH}"

    def repl(m: re.Match[str]) -> str:
        if m.group("dmath"):
            return keep(display(m.group("dm").strip()))
        if m.group("math"):
            return keep(math(m.group("m")))
        if m.group("code"):
            return keep(code(m.group("c")))
        return keep(escape(m.group("e")))

    out = _INLINE_TOKEN.sub(repl, text.replace(_PH, ""))
    parts = re.split(f"({_PH}\\d+{_PH})", out)
    out = "".join(p if p.startswith(_PH) else escape(p) for p in parts)
    out = _BOLD.sub(lambda m: bold(m.group(1)), out)
    out = _ITALIC.sub(lambda m: italic(m.group(1)), out)
    return re.sub(f"{_PH}(\\d+){_PH}", lambda m: saved[int(m.group(1))], out)


# --------------------------------------------------------------------------- LaTeX

_TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
#: Unicode characters that pdflatex (inputenc utf8) cannot typeset by itself, and their
#: LaTeX. The exam style declares each with ``\DeclareUnicodeCharacter``, so they work in
#: text and in math alike (family texts use Greek letters and symbols freely).
UNICODE_TEX: dict[str, str] = {
    **{c: "\\" + n for c, n in zip(
        "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ",
        "alpha beta gamma delta varepsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
        "sigma tau upsilon varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi "
        "Omega".split())},
    "×": r"\times", "→": r"\to", "←": r"\leftarrow", "↔": r"\leftrightarrow",
    "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "≈": r"\approx", "≡": r"\equiv", "−": r"-", "±": r"\pm", "∈": r"\in", "∉": r"\notin",
    "∑": r"\sum", "∏": r"\prod", "∞": r"\infty", "·": r"\cdot", "⋅": r"\cdot",
    "∂": r"\partial", "∇": r"\nabla", "√": r"\surd", "∫": r"\int", "‖": r"\|",
    "∀": r"\forall", "∃": r"\exists", "∅": r"\emptyset", "⊂": r"\subset", "⊆": r"\subseteq",
    "∪": r"\cup", "∩": r"\cap", "∘": r"\circ", "⊙": r"\odot", "⊗": r"\otimes",
    "²": r"^{2}", "³": r"^{3}", "¹": r"^{1}", "⁰": r"^{0}", "⁻": r"^{-}", "ᵀ": r"^{T}",
    "₀": r"_{0}", "₁": r"_{1}", "₂": r"_{2}", "₃": r"_{3}", "✓": r"\checkmark",
    "∼": r"\sim", "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil",
    "ℝ": r"\mathbb{R}",  # amssymb (course-exam.sty); the quiz bank writes C(K, ℝ)
}
#: ... and text-only characters (spaces, dots).
UNICODE_TEXT: dict[str, str] = {"\u202f": r"\,", "\u2009": r"\,", "…": r"\dots{}"}
_TEX_RE = re.compile("[" + re.escape("".join(_TEX_SPECIALS)) + "]")


def unicode_declarations() -> str:
    """``\\DeclareUnicodeCharacter`` lines for :data:`UNICODE_TEX` and :data:`UNICODE_TEXT`."""
    lines = [f"\\DeclareUnicodeCharacter{{{ord(c):04X}}}{{\\ensuremath{{{t}}}}}"
             for c, t in UNICODE_TEX.items()]
    lines += [f"\\DeclareUnicodeCharacter{{{ord(c):04X}}}{{{t}}}" for c, t in UNICODE_TEXT.items()]
    return "\n".join(lines)


def _unknown(ch: str) -> str:
    """A character neither inputenc nor :data:`UNICODE_TEX` knows: shown as its code point,
    so that an odd character in a family's text never breaks a whole batch of sheets."""
    return f"[U+{ord(ch):04X}]"


_HIGH = re.compile("[\u0250-\U0010ffff]")
#: Characters above U+024F that inputenc's utf8 already typesets in text.
_INPUTENC_OK = set("‘’‚“”„–—•†‡‰‹›€™   ​")


def escape(text: str) -> str:
    """Escape plain text for LaTeX: the specials ``\\ { } $ & # ^ _ % ~ < > |``; a character
    pdflatex cannot typeset at all is shown as ``[U+XXXX]``. Math never goes through here."""
    out = _TEX_RE.sub(lambda m: _TEX_SPECIALS[m.group(0)], text)
    if not _HIGH.search(out):
        return out
    return "".join(c if ord(c) < 0x250 or c in UNICODE_TEX or c in UNICODE_TEXT
                   or c in _INPUTENC_OK else _unknown(c) for c in out)


def _display(tex: str) -> str:
    return "\\cedisplay{" + tex + "}"


_PLAIN = re.compile(r"[$`*\\]")


@lru_cache(maxsize=1 << 16)
def inline_latex(text: str) -> str:
    """Inline Markdown to LaTeX (math kept intact, text escaped)."""
    if not _PLAIN.search(text):
        return escape(text)
    return render_inline(
        text, escape=escape, math=lambda m: f"${m}$", display=_display,
        code=lambda c: r"\texttt{" + escape(c) + "}",
        bold=lambda s: r"\textbf{" + s + "}", italic=lambda s: r"\emph{" + s + "}")


def _latex_blocks(blocks: list[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if b.kind == "para":
            out.append(inline_latex(b.text).replace("\n", "\n"))
        elif b.kind == "math":
            out.append(_display(b.text))
        elif b.kind == "code":
            out.append("\\begin{verbatim}\n" + b.text + "\n\\end{verbatim}")
        elif b.kind == "heading":
            out.append(r"\cehead{" + inline_latex(b.text) + "}")
        elif b.kind == "table":
            spec = "".join(b.align)
            head = " & ".join(inline_latex(c) for c in b.header) + r" \\"
            rows = "\n".join(" & ".join(inline_latex(c) for c in row) + r" \\" for row in b.rows)
            out.append("\\cetable{\\begin{tabular}{" + spec + "}\n\\toprule\n" + head + "\n\\midrule\n"
                       + (rows + "\n" if rows else "") + "\\bottomrule\n\\end{tabular}}")
        elif b.kind == "list":
            env = "enumerate" if b.ordered else "itemize"
            items = []
            for it in b.items:
                body = "\n\n".join(_latex_blocks(it))
                items.append(r"\item " + body)
            out.append(f"\\begin{{{env}}}\n" + "\n".join(items) + f"\n\\end{{{env}}}")
        else:  # pragma: no cover - parse() makes no other kind
            raise AssertionError(b.kind)
    return out


@lru_cache(maxsize=1 << 14)
def md_to_latex(md: str) -> str:
    """Markdown (the subset above) to a LaTeX fragment; blocks separated by blank lines."""
    return "\n\n".join(_latex_blocks(parse(md))) + "\n"
