"""The Markdown-subset -> LaTeX converter (course.documents.mdlatex) and its HTML sibling (course.documents.moodle)."""

from __future__ import annotations

import pytest

from course.documents.mdlatex import escape, md_to_latex, parse, unicode_declarations
from course.documents.moodle import md_to_html


def test_paragraphs_bold_italic_code() -> None:
    out = md_to_latex("Un **réseau** et *une* couche `conv2d`.\nSuite.\n\nDeux.")
    assert out == ("Un \\textbf{réseau} et \\emph{une} couche \\texttt{conv2d}.\nSuite.\n\nDeux.\n")


@pytest.mark.parametrize("math", [r"$W^{[1]}_{i,j} \times x_1 + 50\% \& \{a\}$", r"$a*b*c$", r"$\sum_{c=1}^{5} y_c$"])
def test_inline_math_is_kept_intact(math: str) -> None:
    out = md_to_latex(f"avant {math} après")
    assert out == f"avant {math} après\n"


def test_display_math_block_and_single_line() -> None:
    md = "Le vecteur\n\n$$\nz = \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}\n$$\n\net $$a_1 = 2$$ fin.\n\n$$b = 3$$"
    out = md_to_latex(md)
    assert "\\cedisplay{z = \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}}" in out
    assert "\\cedisplay{a_1 = 2}" in out and "\\cedisplay{b = 3}" in out


def test_text_specials_are_escaped_but_not_math() -> None:
    out = md_to_latex("50% & co_2 #1 ~x ^y {z} a<b> | c\\d and $x_1 & y$")
    assert out.startswith(r"50\% \& co\_2 \#1 \textasciitilde{}x \textasciicircum{}y \{z\} "
                          r"a\textless{}b\textgreater{} \textbar{} c\textbackslash{}d and $x_1 & y$")


def test_markdown_backslash_escapes() -> None:
    assert md_to_latex(r"\*pas italique\* et \$5") == "*pas italique* et \\$5\n"


def test_lists_nested_and_loose() -> None:
    md = "- un $a$\n- deux **b**\n  suite\n  1. sous a\n  2. sous b\n\n- trois"
    out = md_to_latex(md)
    assert out.count("\\begin{itemize}") == 1  # the blank line does not split the list
    assert "\\item un $a$" in out and "\\item trois" in out
    assert "\\begin{enumerate}\n\\item sous a\n\\item sous b\n\\end{enumerate}" in out


def test_pipe_table_to_booktabs() -> None:
    md = "| it | $w_1$ | d |\n|:---|:---:|--:|\n| 1 | $-1$ | a_b |\n| 2 | 0.5 | $x|y$ |"
    (block,) = parse(md)
    assert block.kind == "table" and block.align == ["l", "c", "r"]
    out = md_to_latex(md)
    assert out == ("\\cetable{\\begin{tabular}{lcr}\n\\toprule\nit & $w_1$ & d \\\\\n\\midrule\n"
                   "1 & $-1$ & a\\_b \\\\\n2 & 0.5 & $x|y$ \\\\\n\\bottomrule\n\\end{tabular}}\n")


def test_unicode_symbols_declared_and_unknown_marked() -> None:
    decl = unicode_declarations()
    assert "\\DeclareUnicodeCharacter{03C6}{\\ensuremath{\\varphi}}" in decl
    assert "\\DeclareUnicodeCharacter{00D7}{\\ensuremath{\\times}}" in decl
    assert "\\DeclareUnicodeCharacter{211D}{\\ensuremath{\\mathbb{R}}}" in decl
    assert escape("C(K, ℝ)") == "C(K, ℝ)"  # the quiz bank's universal-approximation answer
    assert escape("φ(x) ≤ 2 — é") == "φ(x) ≤ 2 — é"  # declared / known to inputenc: kept
    assert escape("smile \U0001F600") == "smile [U+1F600]"


def test_fenced_code_and_heading() -> None:
    out = md_to_latex("## Titre\n\n```\nmodel.add(Dense(3))  # 100%\n```")
    assert "\\cehead{Titre}" in out
    assert "\\begin{verbatim}\nmodel.add(Dense(3))  # 100%\n\\end{verbatim}" in out


def test_html_renderer() -> None:
    out = md_to_html("Un **a** < b et $x < y$\n\n$$\nz\n$$\n\n- i\n- j\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<p>Un <strong>a</strong> &lt; b et \\(x &lt; y\\)</p>" in out
    assert "<p>\\[z\\]</p>" in out and "<ul><li><p>i</p></li><li><p>j</p></li></ul>" in out
    assert "<th style=\"text-align:center\">a</th>" in out and "<td style=\"text-align:center\">2</td>" in out
