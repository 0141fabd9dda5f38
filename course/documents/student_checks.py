"""The public checks of a handed-out notebook, as they run in the student's kernel.

Standalone on purpose (like the grader's sandbox child): the student's environment has NumPy
but not this project, so :mod:`course.documents.runtime` copies this file's source into the
notebook's locked ``checks`` cell, after the portable check functions of
:mod:`course.generator.checks` (the very code the grader runs) and before the line that makes
``grader = Checks(...)``. The API is otter-grader's, which students know: ``grader.check("q1")``,
``grader.check_all()``, ``grader.export()``.

What a check prints, in the course language, one line each:

- a computed question: its form (``q1 : format OK (un entier) ; la valeur est corrigée après la
  remise``), or why the form is wrong, or that it is not answered yet; never "passed": the value
  is checked only by the hidden tests;
- a coding question: each public case passed, or one line naming the call, what came back (its
  type, shape and a few values), what was expected (public cases only) and why it differs, or,
  when what came back is what a named mistake's code returns on this case, that mistake;
  "not implemented yet" for an untouched stub; the exception and its line for a crash.
"""

import io
import json
import os
import traceback
import zipfile

import numpy as np


def _decode(x):
    """JSON values with arrays as ``{"$nd": nested list, "dtype": str}`` back to NumPy."""
    if type(x) is dict:
        if "$nd" in x:
            return np.array(x["$nd"], dtype=x["dtype"])
        return {k: _decode(v) for k, v in x.items()}
    if type(x) is list:
        return [_decode(v) for v in x]
    return x


def _resolve(value, results):
    if type(value) is dict:
        if "$ref" in value and set(value) <= {"$ref", "item"}:
            r = results[value["$ref"]]
            return r[value["item"]] if "item" in value else r
        return {k: _resolve(v, results) for k, v in value.items()}
    if type(value) is list:
        return [_resolve(v, results) for v in value]
    if type(value) is np.ndarray:
        return value.copy()
    return value


def _plainify(x):
    """Tensors as NumPy arrays (as the grader's sandbox sends them)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        return x.detach().cpu().numpy()
    return x


def _student_line(exc):
    """The line of the student's own cell where ``exc`` was raised, or None."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        name = frame.filename or ""
        if name.startswith("<ipython-input") or "ipykernel_" in name or name.startswith("<cell"):
            line = frame.lineno
    return line


class Checks:
    """The notebook's checks: ``spec`` (the questions' public checks), ``texts`` (messages in
    the course language), ``kinds`` (``{kind: (form, compare)}`` portable functions),
    ``summary`` (describes a value in a few words), ``namespace`` (the notebook's globals)."""

    def __init__(self, spec, texts, kinds, summary, namespace):
        self.spec = spec
        self.texts = texts
        self.kinds = kinds
        self.summary = summary
        self.ns = namespace
        self.last = {}

    # ----------------------------------------------------------------- messages
    def _t(self, key, **args):
        return self.texts["messages"][key].format(**args)

    def _reason(self, result):
        code, args = result
        template = self.texts["reasons"].get(code, code)
        if code == "key-wrong":
            args = dict(args, why=self._reason([args["why"], args.get("inner", {})]))
        try:
            return template.format(**args)
        except (KeyError, IndexError, ValueError):
            return template

    def _say(self, lines):
        for line in lines:
            print(line)

    # ----------------------------------------------------------------- the API
    def check(self, qid):
        """Run question ``qid``'s public check and print what it found, one line each."""
        q = self.spec["questions"].get(qid)
        if q is None:
            print(self._t("unknown", qid=qid, known=", ".join(self.spec["questions"])))
            return None
        lines = self._computed(qid, q) if q["kind"] == "computed" else self._coding(qid, q)
        self.last[qid] = lines
        self._say(lines)
        return None

    def check_all(self):
        """Every question's public check, in order."""
        for qid in self.spec["questions"]:
            self.check(qid)

    # ----------------------------------------------------------------- computed
    def _computed(self, qid, q):
        if qid not in self.ns:
            return [self._t("undefined", qid=qid)]
        value = self.ns[qid]
        if value is Ellipsis:
            return [self._t("not_answered", qid=qid)]
        parts = q["parts"]
        if len(parts) == 1:
            items = [(qid, parts[0], value)]
        else:
            names = [p["name"] for p in parts]
            if type(value) is not dict:
                return [self._t("not_a_dict", qid=qid, keys=", ".join(names), got=self.summary(value))]
            missing = [n for n in names if n not in value]
            extra = [str(k) for k in value if k not in names]
            if missing or extra:
                return [self._t("keys", qid=qid, missing=", ".join(missing) or "-",
                                extra=", ".join(extra) or "-")]
            items = [(f"{qid}[{p['name']!r}]", p, value[p["name"]]) for p in parts]
        lines, blank = [], []
        for where, p, v in items:
            if v is Ellipsis:
                blank.append(where)
                continue
            form = self.kinds[p["check"]["kind"]][0]
            r = form(v, p["check"])
            if r is not None:
                lines.append(f"{where} : {self._reason(r)}" if self.texts["lang"] == "fr"
                             else f"{where}: {self._reason(r)}")
        if blank:
            lines.append(self._t("not_answered", qid=qid if len(blank) == len(items) else ", ".join(blank)))
        if not lines:
            lines.append(self._t("format_ok", qid=qid, what=q["describe"]))
        return lines

    # ----------------------------------------------------------------- coding
    def _coding(self, qid, q):
        missing = [n for n in q["names"] if not callable(self.ns.get(n))]
        if missing:
            return [self._t("define", qid=qid, names=", ".join(missing))]
        return [self._case(qid, case) for case in q["cases"]]

    def _case(self, qid, case):
        head = f"{qid} \u00b7 {case['text']}"
        results = []
        for c in case["calls"]:
            args = [_resolve(_decode(a), results) for a in c["args"]]
            kwargs = {k: _resolve(_decode(v), results) for k, v in c["kwargs"].items()}
            try:
                if c.get("method"):
                    fn = getattr(_resolve(c["func"], results), c["method"])
                else:
                    fn = self.ns[c["func"]]
                results.append(fn(*args, **kwargs))
            except NotImplementedError as exc:
                what = str(exc) or c["func"]
                return "\u2717 " + self._t("not_implemented", head=head, what=what)
            except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
                line = _student_line(exc)
                where = self._t("at_line", line=line) if line else ""
                return "\u2717 " + self._t("raised", head=head, error=type(exc).__name__, where=where,
                                            message=str(exc)[:200])
        for e in case["expect"]:
            got = _plainify(results[e["call"]] if e["item"] is None else results[e["call"]][e["item"]])
            want = _decode(e["want"])
            r = self._compare(e, got, want)
            if r is not None:
                for m in case.get("mistakes", []):
                    if self._matches(case, results, m["wants"]):
                        return "\u2717 " + self._t("mistake", head=head, call=case["call"],
                                                    got=self.summary(got), why=m["explanation"])
                return "\u2717 " + self._t("failed", head=head, call=case["call"], got=self.summary(got),
                                            want=self.summary(want), why=self._reason(r))
        return "\u2713 " + self._t("passed", head=head)

    def _compare(self, e, got, want):
        """None when ``got`` passes expectation ``e`` against ``want``, else the reason."""
        form, compare = self.kinds[e["check"]["kind"]]
        r = form(got, e["check"])
        return compare(got, want, e["check"]) if r is None else r

    def _matches(self, case, results, wants):
        """Whether the results pass every expectation of ``case`` against a named mistake's
        values ``wants`` (what the mistake's code returns on this public case)."""
        for e, w in zip(case["expect"], wants):
            res = results[e["call"]]
            try:
                got = _plainify(res if e["item"] is None else res[e["item"]])
                if self._compare(e, got, _decode(w)) is not None:
                    return False
            except Exception:  # noqa: BLE001 - a result the comparison chokes on matches nothing
                return False
        return True

    # ----------------------------------------------------------------- hand-in
    def _notebook_path(self):
        """This notebook's file: Jupyter's ``__session__`` when it names one, else the newest
        notebook of the folder whose metadata names this assignment and student."""
        session = self.ns.get("__session__")
        if isinstance(session, str) and session.endswith(".ipynb") and os.path.isfile(session):
            return session
        best = None
        for name in os.listdir("."):
            if not name.endswith(".ipynb") or not os.path.isfile(name):
                continue
            try:
                with open(name, encoding="utf-8") as f:
                    meta = json.load(f).get("metadata", {}).get("course", {})
            except (OSError, ValueError, AttributeError):
                continue
            if (meta.get("assignment"), meta.get("student")) == (self.spec["assignment"], self.spec["student"]):
                if best is None or os.path.getmtime(name) > os.path.getmtime(best):
                    best = name
        return best

    def export(self, path=None):
        """Write ``<assignment>-<student>.zip`` (the notebook under its original name, and what
        the checks printed) to hand in; save the notebook first. Returns the zip's path."""
        nb = path or self._notebook_path()
        if nb is None:
            print(self._t("export_missing"))
            return None
        stem = f"{self.spec['assignment']}-{self.spec['student']}"
        out = f"{stem}.zip"
        buf = io.StringIO()
        for lines in self.last.values():
            buf.write("\n".join(lines) + "\n")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(nb, f"{stem}.ipynb")
            z.writestr("checks.txt", buf.getvalue())
        print(self._t("export_done", path=out, notebook=nb))
        return out
