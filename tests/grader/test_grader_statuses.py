"""What a student reads at grading for an answer left blank, a stub left as handed out, and
code that raises: "not answered", "not implemented yet", "your code raised X at line N"."""

from __future__ import annotations

import json

import grader_fixture as F

from course.generator.coding.registry import get_coding
from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course


def test_blank_stub_and_raising_answers_say_so(tmp_path) -> None:
    cp = F.make_course(tmp_path, ["blank", "raises", "partial"])
    course = load_course(cp)
    sub = tmp_path / "hw" / "submissions"
    F.write(sub, "hwt-blank.ipynb", F.notebook(course, "blank", q1="q1 = ...\n",
                                                q2=get_coding("activations").stub))
    F.write(sub, "hwt-raises.ipynb", F.notebook(
        course, "raises", q1="w = 1\nq1 = {'total': int('x')}\n",
        q2=F.CORRECT_Q2.replace("def relu(", "def relu(z):\n    raise ValueError('negative')\n\n\ndef _old_relu(")))
    F.write(sub, "hwt-partial.ipynb", F.notebook(
        course, "partial", q1=F.CORRECT_Q1 + "q1['total'] = ...\n"))
    grade_folder(tmp_path / "hw", course_path=cp, loader="grader_fixture:load", jobs=1,
                 limits=Limits(timeout_s=10.0))

    def whys(s: str, qid: str, lang: str = "en") -> set[str]:
        rec = json.loads((tmp_path / "hw" / ".grader" / f"hwt-{s}.json").read_text())
        q = next(q for q in rec["questions"] if q["id"] == qid)
        return {(it["why"] or {}).get(lang, "") for it in q["items"] if not it["ok"]}

    assert whys("blank", "q1") == {"not answered (left as handed out: ...)"}
    assert whys("blank", "q1", "fr") == {"pas de réponse (laissé tel quel : ...)"}
    # a dict answer with some parts left as handed out: those are "not answered", the others graded
    rec = json.loads((tmp_path / "hw" / ".grader" / "hwt-partial.json").read_text())
    items = {it["name"]: it for q in rec["questions"] if q["id"] == "q1" for it in q["items"]}
    assert items["weights"]["ok"] and items["biases"]["ok"]
    assert items["total"]["why"]["en"] == "not answered (left as handed out: ...)"
    assert whys("blank", "q2") == {"not implemented yet (the function still raises NotImplementedError)"}
    assert whys("raises", "q1") == {"your code raised ValueError at line 2: invalid literal for int() "
                                    "with base 10: 'x'"}
    relu = whys("raises", "q2")
    assert relu and all(w.startswith("your code raised ValueError at line") and w.endswith(": negative")
                        for w in relu)
    fb = (tmp_path / "hw" / "feedback" / "blank.md").read_text(encoding="utf-8")
    assert "not answered" in fb and "not implemented yet" in fb
