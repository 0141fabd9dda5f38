"""The stubs follow the course language: ``stub.py`` holds the code (and its English
docstrings) once, ``docstrings.fr.md`` the French docstrings, put in place when the notebook is
built (:meth:`~course.generator.coding.question.CodingQuestion.stub_source`)."""

from __future__ import annotations

import ast

import pytest

from course.base.errors import CourseError
from course.generator.coding.question import read_docstrings, with_docstrings
from course.generator.coding.registry import coding_registry

CODING = coding_registry()


@pytest.mark.parametrize("qid", sorted(CODING))
def test_stub_follows_the_course_language(qid: str) -> None:
    """stub.py holds the code once; docstrings.fr.md gives every docstring in French; the French
    stub is the same code with those docstrings (same AST once docstrings are dropped)."""
    cq = CODING[qid]
    en, fr = cq.stub_source("en"), cq.stub_source("fr")
    assert en == cq.stub
    docs = read_docstrings((cq.folder / "docstrings.fr.md").read_text(encoding="utf-8"), qid)

    def documented(src: str) -> dict[str, str]:
        out = {}

        def walk(body, prefix):
            for node in body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    d = ast.get_docstring(node)
                    if d is not None:
                        out[prefix + node.name] = d
                    walk(node.body, prefix + node.name + ".")
        walk(ast.parse(src).body, "")
        return out

    def code_only(src: str) -> str:
        tree = ast.parse(src)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
                node.body = node.body[1:] or [ast.Pass()]
        return ast.dump(tree)

    assert set(docs) == set(documented(en)), qid  # every docstring, in French
    assert documented(fr) == docs, qid
    assert code_only(fr) == code_only(en)
    assert all(len(line) <= 100 for line in fr.splitlines()), qid
    assert fr.count("raise NotImplementedError") == en.count("raise NotImplementedError")
    for english in documented(en).values():
        assert english not in fr


def test_docstrings_file_errors_name_the_file() -> None:
    stub = 'def f(x):\n    """English."""\n    raise NotImplementedError("f")\n'
    assert '"""En français."""' in with_docstrings(stub, {"f": "En français."}, "d.fr.md")
    with pytest.raises(CourseError, match="no docstring to replace for g"):
        with_docstrings(stub, {"g": "Rien."}, "d.fr.md")
    with pytest.raises(CourseError, match="given twice"):
        read_docstrings("## f\nUn.\n## f\nDeux.\n", "d.fr.md")
    with pytest.raises(CourseError, match="backslash"):
        read_docstrings('## f\nUn \\n.\n', "d.fr.md")
