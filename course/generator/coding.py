"""The coding questions of the homework notebooks: stubs, solutions, cases as data, reference.

A :class:`CodingQuestion` gives the student a stub (functions or a class whose bodies raise
``NotImplementedError``, docstrings with shapes), the instructor a solution (plain NumPy or
PyTorch source, never importing ``course``), and the grader *cases as data*
(:class:`Case`: calls, inputs, expected-value specifications, points, feedback). Expected
values are never stored: the trusted side runs the same calls against the reference
(:attr:`CodingQuestion.reference`, same names and signatures) or a centred-difference
numerical gradient, at grading time (see /work/notes/grading_contract.md).

Inputs are drawn from the one door (DESIGN.md rule 2): :func:`coding_rng` gives the
generator of a (course seed, student, coding question); public cases (otter checks in the
notebook) use the fixed student id ``"public"`` and are the same for every student.

The trusted-side helpers :func:`run_calls`, :func:`expected_values`, :func:`compare` and
:func:`evaluate_case` are what the grader needs besides its sandbox; :func:`evaluate_case`
runs a namespace in-process (tests of the solutions; never student code).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course.base.errors import UsageError
from course.base.rng import make_rng

Text = dict[str, str]


# ------------------------------------------------------------------------ cases as data
@dataclass
class Call:
    """One call in the child: ``func(*args, **kwargs)`` (``func`` a top-level name the student
    defines, or a setup helper), or ``target.method(*args, **kwargs)`` when ``method`` is set
    and ``func`` is ``{"$ref": k}``. Values ``{"$ref": k}`` / ``{"$ref": k, "item": i}`` in
    args/kwargs stand for the result of call ``k`` (or its item ``i``)."""

    func: str | dict[str, Any]
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    method: str | None = None


@dataclass
class Expect:
    """What to compare for one result: call ``call``'s result (item ``item`` selected).

    ``check``: "array" | "shape" | "scalar" | "int" | "state_dict" | "accuracy".
    ``target``: "reference" (run the same calls on the reference), "numerical" (a
    centred-difference gradient, see ``grad``) or "value" (``value``, e.g. for "accuracy":
    ``{"labels": [...], "min": 0.85}``; the result is a (N, classes) array of logits).
    ``grad`` (numerical only): ``{"call": c, "arg": a, "item": i, "upstream": {"call": u,
    "arg": j} | None}``: the gradient, with respect to argument ``a`` of reference call
    ``c``, of ``sum(upstream * item i of that call's result)`` (or of the scalar item
    when ``upstream`` is None).
    """

    call: int
    item: int | str | None = None
    check: str = "array"
    rtol: float = 1e-6
    atol: float = 1e-9
    target: str = "reference"
    value: Any = None
    grad: dict[str, Any] | None = None


@dataclass
class Case:
    """One test case: calls, expectations, points, feedback text that reveals no value.

    ``time_limit_s``: wall-clock limit for the whole case (training questions), measured by
    the trusted side; None means the grader's default."""

    id: str
    calls: list[Call]
    expect: list[Expect]
    points: float
    feedback: Text
    time_limit_s: float | None = None

    def to_json(self, summarize: bool = False) -> dict[str, Any]:
        """Plain data; arrays as ``{"$array": nested list, "dtype", "shape"}`` (or only
        ``{"$array": null, "dtype", "shape", "min", "max"}`` above 64 elements with
        ``summarize``)."""
        return {"id": self.id, "points": self.points, "feedback": dict(self.feedback),
                "time_limit_s": self.time_limit_s,
                "calls": [{"func": _encode(c.func, summarize), "args": _encode(c.args, summarize),
                           "kwargs": _encode(c.kwargs, summarize), "method": c.method}
                          for c in self.calls],
                "expect": [_encode(vars(e), summarize) for e in self.expect]}


def _encode(x: Any, summarize: bool) -> Any:
    if isinstance(x, np.ndarray):
        d: dict[str, Any] = {"$array": None, "dtype": x.dtype.str, "shape": list(x.shape)}
        if summarize and x.size > 64:
            if x.size:
                d.update(min=float(x.min()), max=float(x.max()))
        else:
            d["$array"] = x.tolist()
        return d
    if isinstance(x, dict):
        return {str(k): _encode(v, summarize) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_encode(v, summarize) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


# ------------------------------------------------------------------------ the question
@dataclass(frozen=True)
class CodingQuestion:
    """A coding question of the notebooks (see the module docstring)."""

    id: str
    title: Text
    statement: Text  # Markdown (with math), shown above the stub
    names: tuple[str, ...]  # the top-level names the student defines
    stub: str
    solution: str
    make_cases: Callable[[np.random.Generator, bool], list[Case]]
    make_reference: Callable[[], dict[str, Any]]
    torch: bool = False
    #: data shipped with the assignment: rng -> {file stem: {name: array}} (.npz files)
    make_data: Callable[[np.random.Generator], dict[str, np.ndarray]] | None = None

    @property
    def reference(self) -> dict[str, Any]:
        """``{name: reference callable}`` with the student's signatures (imports lazily)."""
        return self.make_reference()

    @property
    def public_cases(self) -> list[Case]:
        """The sample cases of the otter public checks (the same for every student)."""
        return self.make_cases(make_rng(0, "public", f"coding:{self.id}"), True)

    def hidden_cases(self, rng: np.random.Generator) -> list[Case]:
        """The hidden cases for one student (``rng`` from :func:`coding_rng`)."""
        return self.make_cases(rng, False)

    def data(self, course_seed: int) -> dict[str, np.ndarray] | None:
        """The data shipped with the assignment (the same for every student), or None."""
        if self.make_data is None:
            return None
        return self.make_data(make_rng(course_seed, "", f"coding-data:{self.id}"))


def coding_rng(course_seed: int, student_id: str, coding_id: str) -> np.random.Generator:
    """The generator of a student's hidden cases for one coding question (the one door)."""
    return make_rng(course_seed, student_id, f"coding:{coding_id}")


# ------------------------------------------------------------------------ trusted side
def _resolve(value: Any, results: list[Any]) -> Any:
    if isinstance(value, dict):
        if "$ref" in value and set(value) <= {"$ref", "item"}:
            r = results[value["$ref"]]
            return r[value["item"]] if "item" in value else r
        return {k: _resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    if isinstance(value, np.ndarray):
        return value.copy()  # a callee that mutates its input must not change the case
    return value


def run_calls(namespace: dict[str, Any], calls: list[Call]) -> list[Any]:
    """Run ``calls`` against ``namespace`` (the reference, or a trusted in-process namespace)."""
    results: list[Any] = []
    for c in calls:
        args = [_resolve(a, results) for a in c.args]
        kwargs = {k: _resolve(v, results) for k, v in c.kwargs.items()}
        if c.method is not None:
            target = _resolve(c.func, results)
            fn = getattr(target, c.method)
        else:
            fn = namespace[c.func]  # type: ignore[index]
        results.append(fn(*args, **kwargs))
    return results


def select(result: Any, item: int | str | None) -> Any:
    """The item of a result an :class:`Expect` looks at."""
    return result if item is None else result[item]


def _numerical(reference: dict[str, Any], calls: list[Call], ref_results: list[Any],
               spec: dict[str, Any]) -> np.ndarray:
    from course.reference.gradcheck import numerical_gradient

    c = calls[spec["call"]]
    args = [_resolve(a, ref_results) for a in c.args]
    kwargs = {k: _resolve(v, ref_results) for k, v in c.kwargs.items()}
    arg = spec["arg"]
    x0 = args[arg] if isinstance(arg, int) else kwargs[arg]
    up = spec.get("upstream")
    upstream = None
    if up is not None:
        uc = calls[up["call"]]
        upstream = np.asarray(_resolve(uc.args[up["arg"]], ref_results), dtype=np.float64)
    fn = reference[c.func]  # type: ignore[index]

    def f(x: np.ndarray) -> float:
        a, k = list(args), dict(kwargs)
        if isinstance(arg, int):
            a[arg] = x
        else:
            k[arg] = x
        out = np.asarray(select(fn(*a, **k), spec.get("item")), dtype=np.float64)
        return float(out) if upstream is None else float(np.sum(upstream * out))

    return numerical_gradient(f, np.asarray(x0, dtype=np.float64), h=1e-5)


def expected_values(question: CodingQuestion, case: Case) -> list[Any]:
    """The expected value of each :class:`Expect` of ``case`` (trusted side only)."""
    reference = question.reference
    need_ref = any(e.target in ("reference", "numerical") for e in case.expect)
    ref_results = run_calls(reference, case.calls) if need_ref else []
    out: list[Any] = []
    for e in case.expect:
        if e.target == "reference":
            out.append(select(ref_results[e.call], e.item))
        elif e.target == "numerical":
            out.append(_numerical(reference, case.calls, ref_results, e.grad or {}))
        elif e.target == "value":
            out.append(e.value)
        else:  # pragma: no cover - a question bug
            raise AssertionError(f"unknown target {e.target!r}")
    return out


def _as_float_array(x: Any) -> np.ndarray | None:
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return a


def compare(expect: Expect, got: Any, want: Any) -> tuple[bool, str]:
    """Compare a (validated, plain) result with the expected value.

    Returns ``(ok, why)``; ``why`` describes the failure without giving the expected value.
    """
    kind = expect.check
    if kind == "int":
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            return False, "not an integer"
        return (int(got) == int(want)), "wrong value"
    if kind == "scalar":
        if isinstance(got, bool) or not isinstance(got, (int, float, np.integer, np.floating)) \
                and not (isinstance(got, np.ndarray) and got.shape == ()):
            return False, "not a number"
        g = float(got)
        if not math.isfinite(g):
            return False, "not a finite number"
        return abs(g - float(want)) <= expect.atol + expect.rtol * abs(float(want)), "wrong value"
    if kind == "shape":
        g = _as_float_array(got)
        if g is None:
            return False, "not an array"
        return tuple(g.shape) == tuple(np.shape(want)), "wrong shape"
    if kind == "array":
        g = _as_float_array(got)
        if g is None:
            return False, "not an array of numbers"
        w = np.asarray(want, dtype=np.float64)
        if g.shape != w.shape:
            return False, f"wrong shape {g.shape}"
        if not np.all(np.isfinite(g)):
            return False, "contains NaN or infinity"
        ok = bool(np.all(np.abs(g - w) <= expect.atol + expect.rtol * np.abs(w)))
        return ok, "wrong values"
    if kind == "state_dict":
        if not isinstance(got, dict) or set(got) != set(want):
            return False, "wrong keys"
        for k in want:
            ok, why = compare(Expect(0, None, "array", expect.rtol, expect.atol), got[k], want[k])
            if not ok:
                return False, f"{k}: {why}"
        return True, ""
    if kind == "accuracy":
        g = _as_float_array(got)
        labels = np.asarray(want["labels"])
        if g is None or g.ndim != 2 or g.shape[0] != labels.shape[0]:
            return False, "expected logits of shape (N, classes)"
        if not np.all(np.isfinite(g)):
            return False, "contains NaN or infinity"
        acc = float(np.mean(g.argmax(axis=1) == labels))
        return acc >= want["min"], f"accuracy {acc:.2f} below the required {want['min']:.2f}"
    raise AssertionError(f"unknown check {kind!r}")  # pragma: no cover


@dataclass(frozen=True)
class CaseResult:
    case: str
    passed: bool
    points: float
    max_points: float
    detail: str


def evaluate_case(question: CodingQuestion, case: Case, namespace: dict[str, Any]) -> CaseResult:
    """Run ``case`` in-process against a trusted ``namespace`` (e.g. a solution) and compare
    with the reference. For tests and for the sandboxed grader's comparison step only."""
    import time

    t0 = time.perf_counter()
    try:
        results = run_calls(namespace, case.calls)
    except Exception as exc:  # a wrong solution may raise anything
        return CaseResult(case.id, False, 0.0, case.points, f"error: {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - t0
    if case.time_limit_s is not None and elapsed > case.time_limit_s:
        return CaseResult(case.id, False, 0.0, case.points, f"too slow ({elapsed:.1f} s)")
    for e, want in zip(case.expect, expected_values(question, case)):
        got = select(results[e.call], e.item)
        if hasattr(got, "detach"):  # tensors, as the sandbox converts them
            got = got.detach().cpu().numpy()
        ok, why = compare(e, got, want)
        if not ok:
            return CaseResult(case.id, False, 0.0, case.points, why)
    return CaseResult(case.id, True, case.points, case.points, "")


# ------------------------------------------------------------------------ helpers
def _src(s: str) -> str:
    return textwrap.dedent(s).strip("\n") + "\n"


def _fb(fr: str, en: str) -> Text:
    return {"fr": fr, "en": en}


def _normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return scale * rng.standard_normal(shape)


def _r(k: int, item: int | str | None = None) -> dict[str, Any]:
    return {"$ref": k} if item is None else {"$ref": k, "item": item}


# ==================================================================== activations
def _activation_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    names = ("sigmoid", "tanh", "relu", "softmax")
    if public:
        z = np.array([[-1.0, 0.0], [0.5, 2.0], [2.0, -3.0]])
        return [Case(f"public-{n}", [Call(n, [z])], [Expect(0, None, "array", 1e-6, 1e-9)], 0.0,
                     _fb(f"{n} sur une petite matrice 3 x 2", f"{n} on a small 3 x 2 matrix"))
                for n in names]
    cases: list[Case] = []
    for n in names:
        c, m = int(rng.integers(2, 6)), int(rng.integers(2, 7))
        big = np.where(rng.random((c, m)) < 0.5, -1.0, 1.0) * rng.uniform(500, 1000, (c, m))
        inputs = [
            ("random", _normal(rng, c, m, scale=3.0),
             _fb("matrice aléatoire", "random matrix")),
            ("zeros", np.zeros((c, m)), _fb("matrice de zéros", "matrix of zeros")),
            ("large", big, _fb("grandes valeurs (|z| jusqu'à 1000) : le calcul doit rester stable",
                               "large magnitudes (|z| up to 1000): the computation must stay stable")),
            ("one", _normal(rng, c, 1, scale=2.0),
             _fb("un seul exemple (une colonne)", "a single example (one column)")),
        ]
        for tag, z, text in inputs:
            cases.append(Case(f"{n}-{tag}", [Call(n, [z])],
                              [Expect(0, None, "array", 1e-6, 1e-9)], 0.5,
                              {k: f"{n} : {v}" if k == "fr" else f"{n}: {v}" for k, v in text.items()}))
    return cases


def _activation_reference() -> dict[str, Any]:
    from course.reference import activations as a

    return {"sigmoid": a.sigmoid, "tanh": a.tanh, "relu": a.relu, "softmax": a.softmax}


ACTIVATIONS = CodingQuestion(
    id="activations",
    title=_fb("Fonctions d'activation", "Activation functions"),
    statement=_fb(
        "Écrivez les fonctions d'activation **sigmoïde** $\\sigma(z) = \\frac{1}{1 + e^{-z}}$, "
        "**tanh**, **ReLU** $\\max(0, z)$ et **softmax** $\\frac{e^{z_i}}{\\sum_c e^{z_c}}$, "
        "élément par élément pour les trois premières, et le long de l'axe 0 (les classes, "
        "notation $C \\times m$ du cours) pour softmax. Elles doivent rester **stables** pour de "
        "grandes valeurs ($|z| = 1000$) : pas de `nan`, pas de dépassement.",
        "Write the activation functions **sigmoid** $\\sigma(z) = \\frac{1}{1 + e^{-z}}$, "
        "**tanh**, **ReLU** $\\max(0, z)$ and **softmax** $\\frac{e^{z_i}}{\\sum_c e^{z_c}}$, "
        "element-wise for the first three, and along axis 0 (the classes, the course's "
        "$C \\times m$ notation) for softmax. They must stay **stable** for large inputs "
        "($|z| = 1000$): no `nan`, no overflow."),
    names=("sigmoid", "tanh", "relu", "softmax"),
    stub=_src('''
        import numpy as np


        def sigmoid(z):
            """Logistic sigmoid 1 / (1 + exp(-z)), element-wise.

            z: array of any shape. Returns a float array of the same shape, values in [0, 1].
            Stable: no overflow for large |z| (hint: exp(-|z|) never overflows).
            """
            raise NotImplementedError("sigmoid")


        def tanh(z):
            """Hyperbolic tangent, element-wise. z: any shape -> same shape, values in [-1, 1]."""
            raise NotImplementedError("tanh")


        def relu(z):
            """ReLU max(0, z), element-wise. z: any shape -> float array of the same shape."""
            raise NotImplementedError("relu")


        def softmax(z):
            """Softmax along axis 0 (classes): z (C, m) -> (C, m), each column sums to 1.

            Stable: subtract each column's maximum before exponentiating.
            """
            raise NotImplementedError("softmax")
        '''),
    solution=_src('''
        import numpy as np


        def sigmoid(z):
            """Logistic sigmoid, stable: exp(-|z|) is in (0, 1]."""
            z = np.asarray(z, dtype=np.float64)
            e = np.exp(-np.abs(z))
            return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


        def tanh(z):
            """Hyperbolic tangent."""
            return np.tanh(np.asarray(z, dtype=np.float64))


        def relu(z):
            """max(0, z)."""
            return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


        def softmax(z):
            """Softmax over axis 0, shifted by the column maximum."""
            z = np.asarray(z, dtype=np.float64)
            e = np.exp(z - z.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        '''),
    make_cases=_activation_cases,
    make_reference=_activation_reference,
)


# ==================================================================== dense layer
def _dense_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    def chain(tag: str, n_prev: int, n: int, m: int, scale: float, text: Text,
              pts: float) -> Case:
        # numerical gradients only at moderate magnitudes (round-off grows with the values)
        a, W = _normal(rng, n_prev, m, scale=scale), _normal(rng, n, n_prev, scale=scale)
        b, dz = _normal(rng, n, 1, scale=scale), _normal(rng, n, m)
        if public:
            a, W, b, dz = (np.round(v, 1) for v in (a, W, b, dz))
        calls = [Call("dense_forward", [a, W, b]), Call("dense_backward", [dz, _r(0, 1)])]
        expect = [Expect(0, 0, "array")]
        for i in range(3):
            expect.append(Expect(1, i, "array"))
        if not public and scale <= 10:
            for i in range(3):
                expect.append(Expect(1, i, "array", 1e-4, 1e-6, "numerical",
                                     grad={"call": 0, "arg": i, "item": 0,
                                           "upstream": {"call": 1, "arg": 0}}))
        return Case(tag, calls, expect, pts, text)

    if public:
        return [chain("public", 3, 2, 4, 1.0, _fb("couche 3 -> 2, m = 4 exemples",
                                                  "layer 3 -> 2, m = 4 examples"), 0.0)]
    return [
        chain("random", int(rng.integers(2, 7)), int(rng.integers(1, 6)), int(rng.integers(2, 8)),
              1.0, _fb("propagation avant puis arrière, formes aléatoires (gradients comparés "
                       "aussi à des gradients numériques)",
                       "forward then backward, random shapes (gradients also compared with "
                       "numerical gradients)"), 2.0),
        chain("batch-one", int(rng.integers(2, 6)), int(rng.integers(2, 5)), 1, 1.0,
              _fb("un seul exemple (m = 1) : db garde la forme (n, 1)",
                  "a single example (m = 1): db keeps the shape (n, 1)"), 1.0),
        chain("one-neuron", int(rng.integers(2, 6)), 1, int(rng.integers(2, 6)), 1.0,
              _fb("un seul neurone de sortie", "a single output neuron"), 1.0),
        chain("large", int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(2, 5)),
              1e3, _fb("grandes valeurs (de l'ordre de 1000)", "large magnitudes (about 1000)"), 1.0),
    ]


def _dense_reference() -> dict[str, Any]:
    from course.reference import dense

    return {"dense_forward": dense.dense_forward, "dense_backward": dense.dense_backward}


DENSE = CodingQuestion(
    id="dense-layer",
    title=_fb("Couche dense : propagation avant et arrière", "Dense layer: forward and backward"),
    statement=_fb(
        "Dans la notation du cours, $A^{[l-1]}$ est $n^{[l-1]} \\times m$ (un exemple par colonne), "
        "$W^{[l]}$ est $n^{[l]} \\times n^{[l-1]}$ et $b^{[l]}$ est $n^{[l]} \\times 1$. "
        "Écrivez la propagation avant $Z = W A^{[l-1]} + b$ (qui renvoie aussi un *cache*) et la "
        "propagation arrière qui, à partir de $dZ = \\partial J / \\partial Z$ et du cache, "
        "renvoie $dA^{[l-1]} = W^T dZ$, $dW = dZ\\, {A^{[l-1]}}^T$ et $db = \\sum_{colonnes} dZ$.",
        "In the course's notation, $A^{[l-1]}$ is $n^{[l-1]} \\times m$ (one example per column), "
        "$W^{[l]}$ is $n^{[l]} \\times n^{[l-1]}$ and $b^{[l]}$ is $n^{[l]} \\times 1$. "
        "Write the forward pass $Z = W A^{[l-1]} + b$ (which also returns a *cache*) and the "
        "backward pass that, from $dZ = \\partial J / \\partial Z$ and the cache, returns "
        "$dA^{[l-1]} = W^T dZ$, $dW = dZ\\, {A^{[l-1]}}^T$ and $db = \\sum_{columns} dZ$."),
    names=("dense_forward", "dense_backward"),
    stub=_src('''
        import numpy as np


        def dense_forward(a_prev, W, b):
            """Z = W a_prev + b.

            a_prev: (n_prev, m); W: (n, n_prev); b: (n, 1).
            Returns (Z, cache): Z (n, m); cache: whatever dense_backward needs.
            """
            raise NotImplementedError("dense_forward")


        def dense_backward(dZ, cache):
            """Gradients of Z = W a_prev + b given dZ (n, m) and the cache of dense_forward.

            Returns (da_prev (n_prev, m), dW (n, n_prev), db (n, 1)).
            """
            raise NotImplementedError("dense_backward")
        '''),
    solution=_src('''
        import numpy as np


        def dense_forward(a_prev, W, b):
            """Z = W a_prev + b; the cache keeps the inputs."""
            a_prev, W, b = (np.asarray(v, dtype=np.float64) for v in (a_prev, W, b))
            return W @ a_prev + b, (a_prev, W, b)


        def dense_backward(dZ, cache):
            """dA_prev = W^T dZ, dW = dZ a_prev^T, db = sum of dZ over the examples."""
            a_prev, W, _ = cache
            dZ = np.asarray(dZ, dtype=np.float64)
            return W.T @ dZ, dZ @ a_prev.T, dZ.sum(axis=1, keepdims=True)
        '''),
    make_cases=_dense_cases,
    make_reference=_dense_reference,
)


# ==================================================================== MLP forward
def _mlp_params(rng: np.random.Generator, layers: list[int], scale: float = 1.0,
                rounded: bool = False) -> dict[str, np.ndarray]:
    p: dict[str, np.ndarray] = {}
    for l in range(1, len(layers)):
        p[f"W{l}"] = _normal(rng, layers[l], layers[l - 1], scale=scale)
        p[f"b{l}"] = _normal(rng, layers[l], 1, scale=scale)
        if rounded:
            p[f"W{l}"], p[f"b{l}"] = np.round(p[f"W{l}"], 1), np.round(p[f"b{l}"], 1)
    return p


def _mlp_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    def case(tag: str, layers: list[int], m: int, acts: list[str], text: Text, pts: float,
             scale: float = 1.0) -> Case:
        X = _normal(rng, layers[0], m, scale=scale)
        params = _mlp_params(rng, layers, rounded=public)
        if public:
            X = np.round(X, 1)
        return Case(tag, [Call("mlp_forward", [X, params, acts])],
                    [Expect(0, 0, "array", 1e-6, 1e-9)], pts, text)

    if public:
        return [case("public", [2, 3, 1], 4, ["relu", "sigmoid"],
                     _fb("réseau 2-3-1 (ReLU puis sigmoïde), m = 4", "2-3-1 network (ReLU then sigmoid), m = 4"),
                     0.0)]
    hidden = ["relu", "tanh", "sigmoid"]
    out: list[Case] = []
    depth = int(rng.integers(2, 4))
    layers = [int(rng.integers(2, 6)) for _ in range(depth)] + [1]
    acts = [hidden[int(rng.integers(3))] for _ in range(depth - 1)] + ["sigmoid"]
    out.append(case("binary", layers, int(rng.integers(2, 7)), acts,
                    _fb("réseau aléatoire, sortie sigmoïde", "random network, sigmoid output"), 2.0))
    layers = [int(rng.integers(2, 6)), int(rng.integers(2, 6)), int(rng.integers(3, 5))]
    out.append(case("multiclass", layers, int(rng.integers(2, 6)),
                    [hidden[int(rng.integers(3))], "softmax"],
                    _fb("réseau aléatoire, sortie softmax (classes sur l'axe 0)",
                        "random network, softmax output (classes along axis 0)"), 2.0))
    out.append(case("batch-one", [3, 4, 2], 1, ["tanh", "softmax"],
                    _fb("un seul exemple (m = 1)", "a single example (m = 1)"), 1.0))
    out.append(case("one-layer", [int(rng.integers(2, 6)), 2], int(rng.integers(2, 5)), ["relu"],
                    _fb("une seule couche (L = 1)", "a single layer (L = 1)"), 1.0))
    return out


def _mlp_reference() -> dict[str, Any]:
    from course.reference import dense

    return {"mlp_forward": dense.mlp_forward}


MLP_FORWARD = CodingQuestion(
    id="mlp-forward",
    title=_fb("Propagation avant d'un réseau à L couches", "Forward pass of an L-layer network"),
    statement=_fb(
        "Écrivez la propagation avant d'un réseau dense à $L$ couches dans la notation du cours : "
        "$A^{[0]} = X$ ($n^{[0]} \\times m$), puis pour $l = 1, \\dots, L$ : "
        "$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ et $A^{[l]} = g^{[l]}(Z^{[l]})$. "
        "Les paramètres sont dans un dictionnaire `params` (`\"W1\"`, `\"b1\"`, ..., `\"WL\"`, `\"bL\"`), "
        "les activations dans une liste de noms parmi `\"relu\"`, `\"sigmoid\"`, `\"tanh\"`, "
        "`\"softmax\"` (le long de l'axe 0) et `\"linear\"`. Votre cellule doit être autonome "
        "(définissez vos activations dedans).",
        "Write the forward pass of an $L$-layer dense network in the course's notation: "
        "$A^{[0]} = X$ ($n^{[0]} \\times m$), then for $l = 1, \\dots, L$: "
        "$Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ and $A^{[l]} = g^{[l]}(Z^{[l]})$. "
        "The parameters are in a dict `params` (`\"W1\"`, `\"b1\"`, ..., `\"WL\"`, `\"bL\"`), "
        "the activations in a list of names among `\"relu\"`, `\"sigmoid\"`, `\"tanh\"`, "
        "`\"softmax\"` (along axis 0) and `\"linear\"`. Your cell must be self-contained "
        "(define your activations in it)."),
    names=("mlp_forward",),
    stub=_src('''
        import numpy as np


        def mlp_forward(X, params, activations):
            """Forward pass A[0] = X; Z[l] = W[l] A[l-1] + b[l]; A[l] = g[l](Z[l]).

            X: (n0, m); params: {"W1": (n1, n0), "b1": (n1, 1), ...}; activations: list of L
            names ("relu", "sigmoid", "tanh", "softmax" along axis 0, "linear").
            Returns (AL, caches): AL (nL, m); caches: a list with what you keep per layer.
            """
            raise NotImplementedError("mlp_forward")
        '''),
    solution=_src('''
        import numpy as np


        def _activation(z, name):
            if name == "relu":
                return np.maximum(z, 0.0)
            if name == "sigmoid":
                e = np.exp(-np.abs(z))
                return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
            if name == "tanh":
                return np.tanh(z)
            if name == "softmax":
                e = np.exp(z - z.max(axis=0, keepdims=True))
                return e / e.sum(axis=0, keepdims=True)
            if name == "linear":
                return z
            raise ValueError(f"unknown activation {name!r}")


        def mlp_forward(X, params, activations):
            """Layer after layer, keeping A[l-1], Z[l] and A[l] in the caches."""
            A = np.asarray(X, dtype=np.float64)
            caches = []
            for l, name in enumerate(activations, start=1):
                Z = np.asarray(params[f"W{l}"]) @ A + np.asarray(params[f"b{l}"])
                A_new = _activation(Z, name)
                caches.append({"A_prev": A, "Z": Z, "A": A_new})
                A = A_new
            return A, caches
        '''),
    make_cases=_mlp_cases,
    make_reference=_mlp_reference,
)


# ==================================================================== losses
def _probs(rng: np.random.Generator, shape: tuple[int, ...], lo: float = 0.02) -> np.ndarray:
    return rng.uniform(lo, 1 - lo, shape)


def _onehot(rng: np.random.Generator, c: int, m: int) -> np.ndarray:
    y = np.zeros((c, m))
    y[rng.integers(0, c, m), np.arange(m)] = 1.0
    return y


def _loss_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    from course.reference.activations import softmax  # inputs: valid probability columns

    def case(tag: str, fn: str, y_hat: np.ndarray, y: np.ndarray, text: Text, pts: float) -> Case:
        expect = [Expect(0, 0, "scalar", 1e-6, 1e-9), Expect(0, 1, "array", 1e-6, 1e-9)]
        if not public:
            expect.append(Expect(0, 1, "array", 1e-4, 1e-6, "numerical",
                                 grad={"call": 0, "arg": 0, "item": 0, "upstream": None}))
        return Case(tag, [Call(fn, [y_hat, y])], expect, pts, text)

    if public:
        return [
            case("public-bce", "bce_loss", np.array([[0.9, 0.2, 0.6]]), np.array([[1.0, 0.0, 1.0]]),
                 _fb("BCE sur 3 exemples", "BCE on 3 examples"), 0.0),
            case("public-cce", "cce_loss", np.array([[0.7, 0.1], [0.2, 0.3], [0.1, 0.6]]),
                 np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]),
                 _fb("CCE sur 2 exemples, 3 classes", "CCE on 2 examples, 3 classes"), 0.0),
        ]
    m, c = int(rng.integers(3, 9)), int(rng.integers(3, 6))
    return [
        case("bce-random", "bce_loss", _probs(rng, (1, m)), rng.integers(0, 2, (1, m)).astype(float),
             _fb("BCE, m aléatoire (gradient comparé aussi à un gradient numérique)",
                 "BCE, random m (gradient also compared with a numerical gradient)"), 1.5),
        case("bce-one", "bce_loss", _probs(rng, (1, 1)), np.array([[1.0]]),
             _fb("BCE, un seul exemple", "BCE, a single example"), 0.5),
        case("bce-confident", "bce_loss", np.array([[0.999, 0.001, 0.998]]),
             np.array([[1.0, 0.0, 0.0]]),
             _fb("BCE, prédictions très confiantes (proches de 0 et de 1)",
                 "BCE, very confident predictions (close to 0 and 1)"), 0.5),
        case("cce-random", "cce_loss", softmax(_normal(rng, c, m)), _onehot(rng, c, m),
             _fb("CCE, C classes et m exemples aléatoires (gradient comparé aussi à un gradient "
                 "numérique)", "CCE, random C classes and m examples (gradient also compared with "
                 "a numerical gradient)"), 1.5),
        case("cce-one", "cce_loss", softmax(_normal(rng, c, 1)), _onehot(rng, c, 1),
             _fb("CCE, un seul exemple", "CCE, a single example"), 0.5),
    ]


def _loss_reference() -> dict[str, Any]:
    from course.reference import losses

    return {"bce_loss": losses.bce_loss, "cce_loss": losses.cce_loss}


LOSSES = CodingQuestion(
    id="losses",
    title=_fb("Entropies croisées et leurs gradients", "Cross-entropy losses and their gradients"),
    statement=_fb(
        "Écrivez l'entropie croisée binaire "
        "$J = -\\frac{1}{m} \\sum_i \\left[y_i \\ln \\hat y_i + (1 - y_i) \\ln (1 - \\hat y_i)\\right]$ "
        "et l'entropie croisée catégorielle $J = -\\frac{1}{m} \\sum_i \\sum_c y_{ci} \\ln \\hat y_{ci}$ "
        "($C \\times m$, $y$ codé one-hot), chacune avec son gradient "
        "$\\partial J / \\partial \\hat y$ (même forme que $\\hat y$). $m$ est le nombre de colonnes.",
        "Write the binary cross-entropy "
        "$J = -\\frac{1}{m} \\sum_i \\left[y_i \\ln \\hat y_i + (1 - y_i) \\ln (1 - \\hat y_i)\\right]$ "
        "and the categorical cross-entropy $J = -\\frac{1}{m} \\sum_i \\sum_c y_{ci} \\ln \\hat y_{ci}$ "
        "($C \\times m$, one-hot $y$), each with its gradient $\\partial J / \\partial \\hat y$ "
        "(the shape of $\\hat y$). $m$ is the number of columns."),
    names=("bce_loss", "cce_loss"),
    stub=_src('''
        import numpy as np


        def bce_loss(y_hat, y):
            """Binary cross-entropy, mean over the m examples.

            y_hat: (1, m) probabilities in ]0, 1[; y: (1, m) labels in {0, 1}.
            Returns (loss: float, dy_hat: (1, m) = dJ/dy_hat).
            """
            raise NotImplementedError("bce_loss")


        def cce_loss(y_hat, y):
            """Categorical cross-entropy, mean over the m examples.

            y_hat: (C, m) probabilities (columns sum to 1); y: (C, m) one-hot.
            Returns (loss: float, dy_hat: (C, m) = dJ/dy_hat).
            """
            raise NotImplementedError("cce_loss")
        '''),
    solution=_src('''
        import numpy as np


        def bce_loss(y_hat, y):
            """-(1/m) sum [y ln y_hat + (1 - y) ln(1 - y_hat)] and its gradient."""
            y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
            m = y_hat.shape[-1]
            loss = -np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)) / m
            return float(loss), (-y / y_hat + (1 - y) / (1 - y_hat)) / m


        def cce_loss(y_hat, y):
            """-(1/m) sum y ln y_hat and its gradient -y / (m y_hat)."""
            y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
            m = y_hat.shape[-1]
            return float(-np.sum(y * np.log(y_hat)) / m), -y / y_hat / m
        '''),
    make_cases=_loss_cases,
    make_reference=_loss_reference,
)


# ==================================================================== gradient-descent step
def _gd_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    def case(tag: str, layers: list[int], lr: float, scale: float, text: Text, pts: float) -> Case:
        params = _mlp_params(rng, layers, rounded=public)
        grads = {f"d{k}": _normal(rng, *v.shape, scale=scale) for k, v in params.items()}
        if public:
            grads = {k: np.round(v, 1) for k, v in grads.items()}
        return Case(tag, [Call("gd_update", [params, grads, lr])],
                    [Expect(0, None, "state_dict", 1e-9, 1e-12)], pts, text)

    if public:
        return [case("public", [2, 2, 1], 0.1, 1.0, _fb("réseau 2-2-1, lr = 0.1",
                                                        "2-2-1 network, lr = 0.1"), 0.0)]
    layers = [int(rng.integers(2, 6)) for _ in range(int(rng.integers(2, 5)))]
    return [
        case("random", layers, round(float(rng.uniform(0.01, 0.5)), 3), 1.0,
             _fb("réseau aléatoire, tous les paramètres", "random network, every parameter"), 2.0),
        case("lr-zero", [3, 2], 0.0, 1.0, _fb("taux d'apprentissage nul", "learning rate zero"), 0.5),
        case("large", [2, 3, 1], 0.05, 1e4, _fb("grands gradients", "large gradients"), 0.5),
    ]


def _gd_reference() -> dict[str, Any]:
    from course.reference import dense

    return {"gd_update": dense.gd_update}


GD_STEP = CodingQuestion(
    id="gd-step",
    title=_fb("Un pas de descente de gradient", "One gradient-descent step"),
    statement=_fb(
        "Écrivez un pas de descente de gradient sur tous les paramètres d'un réseau : "
        "$W^{[l]} \\leftarrow W^{[l]} - \\alpha\\, dW^{[l]}$ et "
        "$b^{[l]} \\leftarrow b^{[l]} - \\alpha\\, db^{[l]}$. La fonction renvoie un **nouveau** "
        "dictionnaire et ne modifie pas celui qu'elle reçoit.",
        "Write one gradient-descent step on every parameter of a network: "
        "$W^{[l]} \\leftarrow W^{[l]} - \\alpha\\, dW^{[l]}$ and "
        "$b^{[l]} \\leftarrow b^{[l]} - \\alpha\\, db^{[l]}$. The function returns a **new** "
        "dict and does not modify the one it receives."),
    names=("gd_update",),
    stub=_src('''
        import numpy as np


        def gd_update(params, grads, lr):
            """One step W = W - lr dW, b = b - lr db for every parameter.

            params: {"W1": array, "b1": array, ...}; grads: {"dW1": ..., "db1": ...} (same shapes);
            lr: float. Returns a new dict with the keys of params (params is not modified).
            """
            raise NotImplementedError("gd_update")
        '''),
    solution=_src('''
        import numpy as np


        def gd_update(params, grads, lr):
            """A new dict: each parameter minus lr times its gradient."""
            return {k: np.asarray(v, dtype=np.float64) - lr * np.asarray(grads["d" + k], dtype=np.float64)
                    for k, v in params.items()}
        '''),
    make_cases=_gd_cases,
    make_reference=_gd_reference,
)


# ==================================================================== perceptron
def _perceptron_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    from course.reference.perceptron import LOGIC_GATES

    def case(tag: str, X: np.ndarray, d: np.ndarray, w0: np.ndarray, b0: float, eta: float,
             text: Text, pts: float, max_epochs: int = 20) -> Case:
        return Case(tag, [Call("perceptron_train", [X, d, w0, b0],
                               {"eta": eta, "max_epochs": max_epochs})],
                    [Expect(0, 0, "array", 1e-9, 1e-9), Expect(0, 1, "scalar", 1e-9, 1e-9),
                     Expect(0, 2, "array", 1e-9, 1e-9)], pts, text)

    if public:
        X, d = LOGIC_GATES["and"]
        return [case("public", np.asarray(X, float), np.asarray(d, float), np.zeros(2), 0.0, 1.0,
                     _fb("porte ET, poids nuls au départ, eta = 1",
                         "AND gate, zero initial weights, eta = 1"), 0.0)]
    gate = ("or", "nand", "nor")[int(rng.integers(3))]
    Xg, dg = LOGIC_GATES[gate]
    w0 = np.round(rng.uniform(-1, 1, 2), 1)
    n, p = int(rng.integers(4, 8)), int(rng.integers(2, 4))
    w_true = rng.uniform(-1, 1, p)
    Xr = np.round(rng.uniform(-2, 2, (n, p)), 1)
    dr = (Xr @ w_true + 0.1 >= 0).astype(float)
    return [
        case("gate", np.asarray(Xg, float), np.asarray(dg, float), w0,
             round(float(rng.uniform(-1, 1)), 1), 0.5,
             _fb("une porte logique, poids initiaux aléatoires, eta = 0.5 : toute la table",
                 "a logic gate, random initial weights, eta = 0.5: the whole table"), 2.0),
        case("random", Xr, dr, np.round(rng.uniform(-1, 1, p), 1), 0.0,
             round(float(rng.uniform(0.1, 1.0)), 1),
             _fb("données linéairement séparables aléatoires, p entrées",
                 "random linearly separable data, p inputs"), 2.0),
        case("xor", np.asarray(LOGIC_GATES["xor"][0], float), np.asarray(LOGIC_GATES["xor"][1], float),
             np.zeros(2), 0.0, 1.0,
             _fb("porte OU exclusif (non séparable) : arrêt après max_epochs époques",
                 "XOR gate (not separable): stop after max_epochs epochs"), 1.0, max_epochs=3),
    ]


def _perceptron_reference() -> dict[str, Any]:
    from course.reference.perceptron import perceptron_train

    def train(X: Any, d: Any, w0: Any, b0: float, eta: float = 1.0,
              max_epochs: int = 100) -> tuple[np.ndarray, float, np.ndarray]:
        res = perceptron_train(X, d, w0, b0, eta=eta, max_epochs=max_epochs)
        table = np.array([[*r.w, r.b, *r.x, r.d, r.y, r.fy] for r in res.rows], dtype=np.float64)
        return np.asarray(res.w, dtype=np.float64), float(res.b), table

    return {"perceptron_train": train}


PERCEPTRON = CodingQuestion(
    id="perceptron",
    title=_fb("Apprentissage du perceptron (Widrow-Hoff)", "Perceptron training (Widrow-Hoff)"),
    statement=_fb(
        "Entraînez un perceptron avec la règle de Widrow-Hoff, une observation à la fois et dans "
        "l'ordre : $Y = w \\cdot x + b$, $f(Y) = 1$ si $Y \\geq 0$ sinon $0$, puis "
        "$w \\leftarrow w + \\eta (d - f(Y))\\, x$ et $b \\leftarrow b + \\eta (d - f(Y))$. "
        "On s'arrête après une époque complète sans mise à jour, ou après `max_epochs` époques. "
        "Renvoyez aussi la **table** des itérations : une ligne par observation présentée, "
        "$[w_1, \\dots, w_p, b, x_1, \\dots, x_p, d, Y, f(Y)]$ avec $w$ et $b$ **avant** la mise à jour.",
        "Train a perceptron with the Widrow-Hoff rule, one observation at a time and in order: "
        "$Y = w \\cdot x + b$, $f(Y) = 1$ if $Y \\geq 0$ else $0$, then "
        "$w \\leftarrow w + \\eta (d - f(Y))\\, x$ and $b \\leftarrow b + \\eta (d - f(Y))$. "
        "Stop after a whole epoch without an update, or after `max_epochs` epochs. "
        "Also return the **table** of iterations: one row per observation presented, "
        "$[w_1, \\dots, w_p, b, x_1, \\dots, x_p, d, Y, f(Y)]$ with $w$ and $b$ **before** the update."),
    names=("perceptron_train",),
    stub=_src('''
        import numpy as np


        def perceptron_train(X, d, w0, b0, eta=1.0, max_epochs=100):
            """Widrow-Hoff training, one observation at a time.

            X: (n, p), one observation per row; d: (n,) desired classes in {0, 1};
            w0: (p,) initial weights; b0: initial bias; eta: learning rate.
            Returns (w (p,), b float, table (iterations, 2p + 4)): one row per iteration,
            [w_1..w_p, b (both before the update), x_1..x_p, d, Y, f(Y)].
            """
            raise NotImplementedError("perceptron_train")
        '''),
    solution=_src('''
        import numpy as np


        def perceptron_train(X, d, w0, b0, eta=1.0, max_epochs=100):
            """Epochs over the observations until one epoch makes no update."""
            X, d = np.asarray(X, dtype=np.float64), np.asarray(d, dtype=np.float64)
            w, b = np.asarray(w0, dtype=np.float64).copy(), float(b0)
            table = []
            for _ in range(max_epochs):
                changed = False
                for x, target in zip(X, d):
                    y = float(w @ x + b)
                    fy = 1.0 if y >= 0 else 0.0
                    table.append([*w, b, *x, target, y, fy])
                    err = target - fy
                    if err != 0:
                        w, b, changed = w + eta * err * x, b + eta * err, True
                if not changed:
                    break
            return w, b, np.array(table)
        '''),
    make_cases=_perceptron_cases,
    make_reference=_perceptron_reference,
)


# ==================================================================== conv2d
def _conv_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    def case(tag: str, n: int, c: int, h: int, w: int, f: int, k: int, stride: int, pad: int,
             text: Text, pts: float, scale: float = 1.0) -> Case:
        x = _normal(rng, n, c, h, w, scale=scale)
        wt = _normal(rng, f, c, k, k, scale=scale)
        b = _normal(rng, f)
        if public:
            x, wt, b = np.round(x, 1), np.round(wt, 1), np.round(b, 1)
        return Case(tag, [Call("conv2d_forward", [x, wt, b], {"stride": stride, "padding": pad})],
                    [Expect(0, 0, "array", 1e-6, 1e-9)], pts, text)

    if public:
        return [case("public", 1, 1, 4, 4, 1, 3, 1, 0,
                     _fb("une image 4 x 4, un filtre 3 x 3, pas 1, sans remplissage",
                         "one 4 x 4 image, one 3 x 3 filter, stride 1, no padding"), 0.0)]
    return [
        case("random", int(rng.integers(2, 4)), int(rng.integers(1, 4)), int(rng.integers(5, 9)),
             int(rng.integers(5, 9)), int(rng.integers(1, 4)), 3, 1, 0,
             _fb("formes aléatoires, pas 1, sans remplissage", "random shapes, stride 1, no padding"), 1.5),
        case("padding", 2, 2, 5, 6, 2, 3, 1, 1,
             _fb("remplissage de 1 (zéros)", "padding of 1 (zeros)"), 1.0),
        case("stride", 1, int(rng.integers(1, 3)), 7, 7, 2, 3, 2, int(rng.integers(0, 2)),
             _fb("pas de 2 (plus grand que 1)", "stride 2 (larger than one)"), 1.0),
        case("batch-one", 1, 3, 5, 5, 1, int(rng.integers(2, 4)), 1, 0,
             _fb("une seule image, trois canaux", "a single image, three channels"), 0.5),
        case("kernel-full", 2, 1, 4, 4, 3, 4, 1, 0,
             _fb("noyau de la taille de l'image (sortie 1 x 1)",
                 "kernel as large as the image (1 x 1 output)"), 0.5),
        case("large", 1, 2, 5, 5, 2, 3, 1, 1,
             _fb("grandes valeurs (de l'ordre de 1000)", "large magnitudes (about 1000)"), 0.5, 1e3),
    ]


def _conv_reference() -> dict[str, Any]:
    from course.reference import conv

    return {"conv2d_forward": conv.conv2d_forward}


CONV2D = CodingQuestion(
    id="conv2d",
    title=_fb("Convolution 2D (propagation avant)", "2-D convolution (forward pass)"),
    statement=_fb(
        "Écrivez la propagation avant d'une couche Conv2D au format NCHW (comme PyTorch), avec la "
        "corrélation croisée utilisée par Keras et PyTorch : "
        "$out[n, f, i, j] = b_f + \\sum_{c, u, v} x_{pad}[n, c, i s + u, j s + v]\\, w[f, c, u, v]$, "
        "où $s$ est le pas et $x_{pad}$ l'entrée entourée de `padding` zéros de chaque côté. "
        "La sortie a la taille $\\lfloor (H + 2p - k) / s \\rfloor + 1$.",
        "Write the forward pass of a Conv2D layer in NCHW layout (as PyTorch), with the "
        "cross-correlation used by Keras and PyTorch: "
        "$out[n, f, i, j] = b_f + \\sum_{c, u, v} x_{pad}[n, c, i s + u, j s + v]\\, w[f, c, u, v]$, "
        "where $s$ is the stride and $x_{pad}$ the input surrounded by `padding` zeros on each side. "
        "The output size is $\\lfloor (H + 2p - k) / s \\rfloor + 1$."),
    names=("conv2d_forward",),
    stub=_src('''
        import numpy as np


        def conv2d_forward(x, w, b, stride=1, padding=0):
            """Conv2D forward pass (cross-correlation), NCHW.

            x: (N, C, H, W); w: (F, C, kh, kw); b: (F,); stride: int; padding: int (zeros
            added on every side). Returns (out, cache): out (N, F, H', W') with
            H' = (H + 2 padding - kh) // stride + 1 (same for W').
            """
            raise NotImplementedError("conv2d_forward")
        '''),
    solution=_src('''
        import numpy as np


        def conv2d_forward(x, w, b, stride=1, padding=0):
            """Loops over the output positions; each is a sum over (C, kh, kw)."""
            x, w, b = (np.asarray(v, dtype=np.float64) for v in (x, w, b))
            n, c, h, wd = x.shape
            f, _, kh, kw = w.shape
            xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            ho = (h + 2 * padding - kh) // stride + 1
            wo = (wd + 2 * padding - kw) // stride + 1
            out = np.zeros((n, f, ho, wo))
            for i in range(ho):
                for j in range(wo):
                    win = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b
            return out, (x, w, b, stride, padding)
        '''),
    make_cases=_conv_cases,
    make_reference=_conv_reference,
)


# ==================================================================== max pooling
def _pool_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    def case(tag: str, x: np.ndarray, size: int, stride: int | None, text: Text, pts: float) -> Case:
        kwargs = {} if stride is None else {"stride": stride}
        return Case(tag, [Call("maxpool_forward", [x, size], kwargs)],
                    [Expect(0, 0, "array", 1e-9, 1e-12)], pts, text)

    if public:
        x = np.arange(16, dtype=float).reshape(1, 1, 4, 4) % 7
        return [case("public", x, 2, None, _fb("une image 4 x 4, fenêtre 2", "one 4 x 4 image, window 2"),
                     0.0)]
    return [
        case("random", _normal(rng, int(rng.integers(2, 4)), int(rng.integers(1, 4)), 6, 8), 2, None,
             _fb("formes aléatoires, fenêtre 2, pas 2", "random shapes, window 2, stride 2"), 1.0),
        case("stride", _normal(rng, 2, 2, 7, 7), 3, 2,
             _fb("fenêtre 3, pas 2 (fenêtres qui se chevauchent)",
                 "window 3, stride 2 (overlapping windows)"), 1.0),
        case("negative", -np.abs(_normal(rng, 1, 2, 4, 4)) - 1.0, 2, None,
             _fb("valeurs toutes négatives", "all values negative"), 0.5),
        case("batch-one", _normal(rng, 1, 1, 5, 5), 2, 1,
             _fb("une seule image, pas 1", "a single image, stride 1"), 0.5),
        case("odd", _normal(rng, 1, 3, 5, 7), 2, None,
             _fb("taille impaire (la dernière ligne et colonne ne tombent dans aucune fenêtre)",
                 "odd size (the last row and column fall in no window)"), 0.5),
    ]


def _pool_reference() -> dict[str, Any]:
    from course.reference import pooling

    return {"maxpool_forward": pooling.maxpool_forward}


MAXPOOL = CodingQuestion(
    id="maxpool",
    title=_fb("Max pooling (propagation avant)", "Max pooling (forward pass)"),
    statement=_fb(
        "Écrivez la propagation avant d'une couche de max pooling (NCHW, sans remplissage) : "
        "chaque sortie est le maximum d'une fenêtre `size` x `size` ; les fenêtres avancent de "
        "`stride` (par défaut `size`, comme Keras). Taille de sortie : $\\lfloor (H - P) / s \\rfloor + 1$.",
        "Write the forward pass of a max-pooling layer (NCHW, no padding): each output is the "
        "maximum of a `size` x `size` window; windows move by `stride` (default `size`, as in "
        "Keras). Output size: $\\lfloor (H - P) / s \\rfloor + 1$."),
    names=("maxpool_forward",),
    stub=_src('''
        import numpy as np


        def maxpool_forward(x, size, stride=None):
            """Max pooling, NCHW, 'valid' (no padding).

            x: (N, C, H, W); size: window size; stride: step (None: size).
            Returns (out, cache): out (N, C, (H - size) // stride + 1, (W - size) // stride + 1).
            """
            raise NotImplementedError("maxpool_forward")
        '''),
    solution=_src('''
        import numpy as np


        def maxpool_forward(x, size, stride=None):
            """The maximum of every window."""
            x = np.asarray(x, dtype=np.float64)
            s = size if stride is None else stride
            n, c, h, w = x.shape
            ho, wo = (h - size) // s + 1, (w - size) // s + 1
            out = np.empty((n, c, ho, wo))
            for i in range(ho):
                for j in range(wo):
                    out[:, :, i, j] = x[:, :, i * s:i * s + size, j * s:j * s + size].max(axis=(2, 3))
            return out, (x, size, s)
        '''),
    make_cases=_pool_cases,
    make_reference=_pool_reference,
)


# ==================================================================== batch norm
def _bn_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    def case(tag: str, x: np.ndarray, text: Text, pts: float) -> Case:
        d = x.shape[1]
        gamma = np.round(rng.uniform(0.5, 2.0, d), 2)
        beta = np.round(rng.uniform(-1, 1, d), 2)
        return Case(tag, [Call("batchnorm_forward", [x, gamma, beta])],
                    [Expect(0, 0, "array", 1e-6, 1e-9)], pts, text)

    if public:
        return [case("public", np.array([[1.0, 2.0], [3.0, -2.0], [5.0, 0.0]]),
                     _fb("un lot de 3 exemples, 2 caractéristiques", "a batch of 3 examples, 2 features"),
                     0.0)]
    n, d = int(rng.integers(4, 9)), int(rng.integers(2, 6))
    const = _normal(rng, n, d)
    const[:, 0] = round(float(rng.uniform(-3, 3)), 1)
    return [
        case("random", _normal(rng, n, d, scale=3.0) + 2.0,
             _fb("lot aléatoire (N, D)", "random batch (N, D)"), 1.5),
        case("constant", const, _fb("une caractéristique constante (variance nulle)",
                                    "a constant feature (zero variance)"), 1.0),
        case("batch-one", _normal(rng, 1, d), _fb("un lot d'un seul exemple", "a batch of one example"),
             0.5),
        case("large", _normal(rng, n, d, scale=1e3) + 1e4,
             _fb("grandes valeurs (de l'ordre de 10 000)", "large magnitudes (about 10,000)"), 1.0),
    ]


def _bn_reference() -> dict[str, Any]:
    from course.reference import batchnorm

    def forward(x: Any, gamma: Any, beta: Any, eps: float = 1e-3) -> tuple[np.ndarray, Any]:
        out, cache, _ = batchnorm.batchnorm_forward(x, gamma, beta, None, train=True, eps=eps)
        return out, cache

    return {"batchnorm_forward": forward}


BATCHNORM = CodingQuestion(
    id="batchnorm",
    title=_fb("Normalisation par lots (propagation avant)", "Batch normalisation (forward pass)"),
    statement=_fb(
        "Écrivez la propagation avant d'une normalisation par lots en mode entraînement, pour un lot "
        "$x$ de forme $(N, D)$ : pour chaque caractéristique, $\\mu_B$ et $\\sigma^2_B$ (variance "
        "**biaisée**, divisée par $N$) sur le lot, $\\hat x = (x - \\mu_B) / \\sqrt{\\sigma^2_B + "
        "\\varepsilon}$, puis $out = \\gamma \\hat x + \\beta$ ($\\varepsilon = 10^{-3}$, comme Keras).",
        "Write the forward pass of batch normalisation in training mode, for a batch $x$ of shape "
        "$(N, D)$: for each feature, $\\mu_B$ and $\\sigma^2_B$ (the **biased** variance, divided by "
        "$N$) over the batch, $\\hat x = (x - \\mu_B) / \\sqrt{\\sigma^2_B + \\varepsilon}$, then "
        "$out = \\gamma \\hat x + \\beta$ ($\\varepsilon = 10^{-3}$, as in Keras)."),
    names=("batchnorm_forward",),
    stub=_src('''
        import numpy as np


        def batchnorm_forward(x, gamma, beta, eps=1e-3):
            """Batch normalisation, training mode, per feature (column).

            x: (N, D); gamma, beta: (D,). Returns (out (N, D), cache).
            """
            raise NotImplementedError("batchnorm_forward")
        '''),
    solution=_src('''
        import numpy as np


        def batchnorm_forward(x, gamma, beta, eps=1e-3):
            """Normalise each column with the batch mean and biased variance."""
            x = np.asarray(x, dtype=np.float64)
            mu = x.mean(axis=0)
            var = x.var(axis=0)
            x_hat = (x - mu) / np.sqrt(var + eps)
            return np.asarray(gamma) * x_hat + np.asarray(beta), (x_hat, gamma, var, eps)
        '''),
    make_cases=_bn_cases,
    make_reference=_bn_reference,
)


# ==================================================================== RNN and LSTM cells
def _cell_cases(kind: str) -> Callable[[np.random.Generator, bool], list[Case]]:
    gates = 4 if kind == "lstm" else 1
    fn = f"{kind}_cell_forward"

    def make(rng: np.random.Generator, public: bool) -> list[Case]:
        def case(tag: str, n: int, d: int, h: int, text: Text, pts: float, scale: float = 1.0,
                 zero_state: bool = False) -> Case:
            x = _normal(rng, n, d, scale=scale)
            hp = np.zeros((n, h)) if zero_state else _normal(rng, n, h, scale=0.5)
            Wx = _normal(rng, d, gates * h, scale=0.5)
            Wh = _normal(rng, h, gates * h, scale=0.5)
            b = _normal(rng, gates * h, scale=0.1)
            if public:
                x, hp, Wx, Wh, b = (np.round(v, 1) for v in (x, hp, Wx, Wh, b))
            if kind == "lstm":
                cp = np.zeros((n, h)) if zero_state else _normal(rng, n, h, scale=0.5)
                if public:
                    cp = np.round(cp, 1)
                return Case(tag, [Call(fn, [x, hp, cp, Wx, Wh, b])],
                            [Expect(0, 0, "array", 1e-6, 1e-9), Expect(0, 1, "array", 1e-6, 1e-9)],
                            pts, text)
            return Case(tag, [Call(fn, [x, hp, Wx, Wh, b])], [Expect(0, 0, "array", 1e-6, 1e-9)],
                        pts, text)

        if public:
            return [case("public", 2, 3, 2, _fb("2 exemples, D = 3, H = 2", "2 examples, D = 3, H = 2"),
                         0.0)]
        return [
            case("random", int(rng.integers(2, 5)), int(rng.integers(2, 6)), int(rng.integers(2, 6)),
                 _fb("formes aléatoires", "random shapes"), 2.0),
            case("zero-state", int(rng.integers(2, 4)), 3, 4,
                 _fb("état précédent nul (premier pas de temps)",
                     "zero previous state (first time step)"), 1.0, zero_state=True),
            case("batch-one", 1, int(rng.integers(2, 5)), int(rng.integers(2, 5)),
                 _fb("un seul exemple (N = 1)", "a single example (N = 1)"), 0.5),
            case("large", 2, 3, 3, _fb("grandes entrées (portes saturées)",
                                       "large inputs (saturated gates)"), 0.5, scale=1e3),
        ]

    return make


def _rnn_reference() -> dict[str, Any]:
    from course.reference import recurrent

    return {"rnn_cell_forward": recurrent.rnn_cell_forward}


def _lstm_reference() -> dict[str, Any]:
    from course.reference import recurrent

    return {"lstm_cell_forward": recurrent.lstm_cell_forward}


RNN_CELL = CodingQuestion(
    id="rnn-cell",
    title=_fb("Cellule RNN (propagation avant)", "RNN cell (forward pass)"),
    statement=_fb(
        "Écrivez un pas de temps d'un RNN simple (lots en premier, comme Keras et PyTorch avec "
        "`batch_first=True`) : $h_t = \\tanh(x_t W_x + h_{t-1} W_h + b)$.",
        "Write one time step of a simple RNN (batch first, as Keras and PyTorch with "
        "`batch_first=True`): $h_t = \\tanh(x_t W_x + h_{t-1} W_h + b)$."),
    names=("rnn_cell_forward",),
    stub=_src('''
        import numpy as np


        def rnn_cell_forward(x_t, h_prev, Wx, Wh, b):
            """One simple-RNN step h = tanh(x_t Wx + h_prev Wh + b).

            x_t: (N, D); h_prev: (N, H); Wx: (D, H); Wh: (H, H); b: (H,).
            Returns (h (N, H), cache).
            """
            raise NotImplementedError("rnn_cell_forward")
        '''),
    solution=_src('''
        import numpy as np


        def rnn_cell_forward(x_t, h_prev, Wx, Wh, b):
            """tanh of the affine combination of the input and the previous state."""
            x_t, h_prev = np.asarray(x_t, dtype=np.float64), np.asarray(h_prev, dtype=np.float64)
            h = np.tanh(x_t @ Wx + h_prev @ Wh + b)
            return h, (x_t, h_prev, Wx, Wh, h)
        '''),
    make_cases=_cell_cases("rnn"),
    make_reference=_rnn_reference,
)

LSTM_CELL = CodingQuestion(
    id="lstm-cell",
    title=_fb("Cellule LSTM (propagation avant)", "LSTM cell (forward pass)"),
    statement=_fb(
        "Écrivez un pas de temps d'une cellule LSTM (lots en premier). Avec "
        "$a = x_t W_x + h_{t-1} W_h + b$ de forme $(N, 4H)$ découpé en quatre blocs **dans l'ordre** "
        "$i, f, g, o$ (comme PyTorch et Keras) : $i = \\sigma(a_i)$, $f = \\sigma(a_f)$, "
        "$\\tilde c = g = \\tanh(a_g)$, $o = \\sigma(a_o)$, puis $c_t = f \\odot c_{t-1} + i \\odot g$ "
        "et $h_t = o \\odot \\tanh(c_t)$.",
        "Write one time step of an LSTM cell (batch first). With "
        "$a = x_t W_x + h_{t-1} W_h + b$ of shape $(N, 4H)$ split into four blocks **in the order** "
        "$i, f, g, o$ (as PyTorch and Keras): $i = \\sigma(a_i)$, $f = \\sigma(a_f)$, "
        "$\\tilde c = g = \\tanh(a_g)$, $o = \\sigma(a_o)$, then $c_t = f \\odot c_{t-1} + i \\odot g$ "
        "and $h_t = o \\odot \\tanh(c_t)$."),
    names=("lstm_cell_forward",),
    stub=_src('''
        import numpy as np


        def lstm_cell_forward(x_t, h_prev, c_prev, Wx, Wh, b):
            """One LSTM step, gate order i, f, g, o.

            x_t: (N, D); h_prev, c_prev: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,).
            Returns (h (N, H), c (N, H), cache).
            """
            raise NotImplementedError("lstm_cell_forward")
        '''),
    solution=_src('''
        import numpy as np


        def _sigmoid(z):
            e = np.exp(-np.abs(z))
            return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


        def lstm_cell_forward(x_t, h_prev, c_prev, Wx, Wh, b):
            """Gates from one affine map, split in the order i, f, g, o."""
            x_t, h_prev, c_prev = (np.asarray(v, dtype=np.float64) for v in (x_t, h_prev, c_prev))
            H = h_prev.shape[1]
            a = x_t @ Wx + h_prev @ Wh + b
            i, f = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H])
            g, o = np.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])
            c = f * c_prev + i * g
            h = o * np.tanh(c)
            return h, c, (x_t, h_prev, c_prev, i, f, g, o, c)
        '''),
    make_cases=_cell_cases("lstm"),
    make_reference=_lstm_reference,
)


# ==================================================================== Adam
def _adam_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    def case(tag: str, shape: tuple[int, ...], steps: int, lr: float, text: Text, pts: float,
             gscale: float = 1.0, zero_grad: bool = False) -> Case:
        w = _normal(rng, *shape)
        state = {"m": np.zeros(shape), "v": np.zeros(shape), "t": 0}
        calls: list[Call] = []
        for k in range(steps):
            g = np.zeros(shape) if zero_grad else _normal(rng, *shape, scale=gscale)
            if public:
                w, g = np.round(w, 1), np.round(g, 1)
            wk = w if k == 0 else _r(k - 1, 0)
            sk = state if k == 0 else _r(k - 1, 1)
            calls.append(Call("adam_step", [wk, g, sk], {"lr": lr}))
        expect = [Expect(k, 0, "array", 1e-6, 1e-9) for k in range(steps)]
        return Case(tag, calls, expect, pts, text)

    if public:
        return [case("public", (3,), 1, 0.1, _fb("un pas depuis un état nul, lr = 0.1",
                                                  "one step from a zero state, lr = 0.1"), 0.0)]
    return [
        case("steps", (int(rng.integers(2, 5)), int(rng.integers(1, 4))), 3,
             round(float(rng.uniform(0.001, 0.1)), 3),
             _fb("trois pas enchaînés (l'état renvoyé est passé au pas suivant)",
                 "three chained steps (the returned state is passed to the next step)"), 2.0),
        case("zero-grad", (4,), 2, 0.01, _fb("gradients nuls", "zero gradients"), 0.5, zero_grad=True),
        case("large", (3, 2), 2, 0.001, _fb("grands gradients (de l'ordre de 10 000)",
                                            "large gradients (about 10,000)"), 0.5, gscale=1e4),
        case("tiny", (2,), 2, 0.01, _fb("très petits gradients (de l'ordre de 1e-6)",
                                        "very small gradients (about 1e-6)"), 0.5, gscale=1e-6),
    ]


def _adam_reference() -> dict[str, Any]:
    from course.reference.optimizers import adam_step

    return {"adam_step": adam_step}


ADAM = CodingQuestion(
    id="adam",
    title=_fb("Un pas d'Adam", "One Adam step"),
    statement=_fb(
        "Écrivez un pas de l'optimiseur Adam : $t \\leftarrow t + 1$, "
        "$m \\leftarrow \\beta_1 m + (1 - \\beta_1) g$, $v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2$, "
        "$\\hat m = m / (1 - \\beta_1^t)$, $\\hat v = v / (1 - \\beta_2^t)$ et "
        "$w \\leftarrow w - \\alpha\\, \\hat m / (\\sqrt{\\hat v} + \\varepsilon)$. "
        "L'état est un dictionnaire `{\"m\", \"v\", \"t\"}` ; renvoyez le nouvel état.",
        "Write one step of the Adam optimizer: $t \\leftarrow t + 1$, "
        "$m \\leftarrow \\beta_1 m + (1 - \\beta_1) g$, $v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2$, "
        "$\\hat m = m / (1 - \\beta_1^t)$, $\\hat v = v / (1 - \\beta_2^t)$ and "
        "$w \\leftarrow w - \\alpha\\, \\hat m / (\\sqrt{\\hat v} + \\varepsilon)$. "
        "The state is a dict `{\"m\", \"v\", \"t\"}`; return the new state."),
    names=("adam_step",),
    stub=_src('''
        import numpy as np


        def adam_step(w, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            """One Adam update with bias correction.

            w, g: arrays of the same shape; state: {"m": array, "v": array, "t": int}
            (zeros and t = 0 before the first step). Returns (w_new, new_state).
            """
            raise NotImplementedError("adam_step")
        '''),
    solution=_src('''
        import numpy as np


        def adam_step(w, g, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            """Moments, bias correction, update."""
            g = np.asarray(g, dtype=np.float64)
            t = int(state["t"]) + 1
            m = beta1 * np.asarray(state["m"]) + (1 - beta1) * g
            v = beta2 * np.asarray(state["v"]) + (1 - beta2) * g * g
            m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            return np.asarray(w, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}
        '''),
    make_cases=_adam_cases,
    make_reference=_adam_reference,
)


# ==================================================================== metrics
def _metrics_cases(rng: np.random.Generator, public: bool) -> list[Case]:
    def case(tag: str, cm: np.ndarray, text: Text, pts: float) -> Case:
        expect = [Expect(0, "accuracy", "scalar", 1e-9, 1e-12)]
        expect += [Expect(0, k, "array", 1e-9, 1e-12) for k in ("precision", "recall", "f1")]
        expect.append(Expect(0, "macro_f1", "scalar", 1e-9, 1e-12))
        return Case(tag, [Call("metrics_from_confusion", [cm])], expect, pts, text)

    if public:
        return [case("public", np.array([[5, 1], [2, 4]]), _fb("matrice 2 x 2", "2 x 2 matrix"), 0.0)]
    c = int(rng.integers(3, 6))
    never = rng.integers(0, 20, (c, c))
    never[:, int(rng.integers(c))] = 0
    return [
        case("binary", rng.integers(1, 30, (2, 2)), _fb("cas binaire", "binary case"), 1.0),
        case("multiclass", rng.integers(0, 25, (c, c)) + np.eye(c, dtype=np.int64) * 10,
             _fb("plusieurs classes", "several classes"), 1.5),
        case("never-predicted", never, _fb("une classe jamais prédite (précision indéfinie : 0)",
                                           "a class never predicted (undefined precision: 0)"), 1.0),
        case("perfect", np.diag(rng.integers(1, 10, c)), _fb("classifieur parfait",
                                                             "perfect classifier"), 0.5),
    ]


def _metrics_reference() -> dict[str, Any]:
    from course.reference.metrics import metrics_from_confusion

    return {"metrics_from_confusion": metrics_from_confusion}


METRICS = CodingQuestion(
    id="metrics",
    title=_fb("Métriques à partir d'une matrice de confusion", "Metrics from a confusion matrix"),
    statement=_fb(
        "À partir d'une matrice de confusion $C \\times C$ (lignes : classe réelle, colonnes : classe "
        "prédite), calculez l'exactitude (*accuracy*), et pour chaque classe la précision "
        "$TP / (TP + FP)$, le rappel $TP / (TP + FN)$ et le score F1 "
        "$2 P R / (P + R)$, puis la moyenne macro du F1. Une division par zéro donne 0.",
        "From a $C \\times C$ confusion matrix (rows: true class, columns: predicted class), "
        "compute the accuracy, and for each class the precision $TP / (TP + FP)$, the recall "
        "$TP / (TP + FN)$ and the F1 score $2 P R / (P + R)$, then the macro average of F1. "
        "A division by zero gives 0."),
    names=("metrics_from_confusion",),
    stub=_src('''
        import numpy as np


        def metrics_from_confusion(cm):
            """Metrics from a confusion matrix cm (C, C): rows = true class, columns = predicted.

            Returns a dict: "accuracy" (float), "precision", "recall", "f1" (arrays (C,),
            one value per class; 0 where a denominator is 0), "macro_f1" (float, mean of f1).
            """
            raise NotImplementedError("metrics_from_confusion")
        '''),
    solution=_src('''
        import numpy as np


        def _ratio(num, den):
            return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den != 0)


        def metrics_from_confusion(cm):
            """Per-class counts from the diagonal, row sums and column sums."""
            cm = np.asarray(cm, dtype=np.float64)
            tp = np.diag(cm)
            precision = _ratio(tp, cm.sum(axis=0))
            recall = _ratio(tp, cm.sum(axis=1))
            f1 = _ratio(2 * precision * recall, precision + recall)
            return {"accuracy": float(tp.sum() / cm.sum()), "precision": precision,
                    "recall": recall, "f1": f1, "macro_f1": float(f1.mean())}
        '''),
    make_cases=_metrics_cases,
    make_reference=_metrics_reference,
)


# ==================================================================== PyTorch models
#: helpers defined in the (locked) setup cell of assignments with PyTorch questions; they run
#: in the student's kernel and in the grader's sandbox; the reference has NumPy twins.
TORCH_SETUP = _src('''
    import torch
    from torch import nn

    DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


    def load_numpy_weights(model, weights):
        """Copy NumPy arrays {state_dict key: array} into model (strict: same keys and shapes)."""
        model.load_state_dict({k: torch.as_tensor(v, dtype=torch.float32) for k, v in weights.items()})


    def predict_numpy(model, X):
        """The model's outputs (logits) on a NumPy batch X, as a float64 NumPy array."""
        p = next(model.parameters())
        model.eval()
        with torch.no_grad():
            out = model(torch.as_tensor(X, dtype=p.dtype, device=p.device))
        return out.detach().cpu().double().numpy()


    def count_parameters(model):
        """Number of trainable parameters."""
        return int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    ''')

CNN_SPEC = {"size": 8, "channels": (4, 8), "classes": 3}
RNN_SPEC = {"cell": "lstm", "input_size": 1, "hidden": 16, "classes": 2, "steps": 10}


class _NumpyModel:
    """The trusted side's twin of a student's model: holds weights, computes with the reference."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.weights: dict[str, np.ndarray] | None = None

    def n_parameters(self) -> int:
        from course.reference.conventions import conv2d_params, dense_params, rnn_params

        if self.kind == "cnn":
            c1, c2 = CNN_SPEC["channels"]
            flat = c2 * (CNN_SPEC["size"] // 4) ** 2
            return (conv2d_params(3, 3, 1, c1) + conv2d_params(3, 3, c1, c2)
                    + dense_params(flat, CNN_SPEC["classes"]))
        return (rnn_params(RNN_SPEC["cell"], RNN_SPEC["input_size"], RNN_SPEC["hidden"], "torch")
                + dense_params(RNN_SPEC["hidden"], RNN_SPEC["classes"]))

    def predict(self, X: np.ndarray) -> np.ndarray:
        from course.reference import torch_path

        w = self.weights
        if w is None:
            raise ValueError("no weights loaded")
        X = np.asarray(X, dtype=np.float64)
        if self.kind == "cnn":
            params = {"conv1.w": w["conv1.weight"], "conv1.b": w["conv1.bias"],
                      "conv2.w": w["conv2.weight"], "conv2.b": w["conv2.bias"],
                      "fc.W": w["fc.weight"], "fc.b": w["fc.bias"]}
            return torch_path.small_cnn_numpy(params, X)
        from course.reference.recurrent import from_torch_layout

        params = from_torch_layout(RNN_SPEC["cell"], w["rnn.weight_ih_l0"], w["rnn.weight_hh_l0"],
                                   w["rnn.bias_ih_l0"], w["rnn.bias_hh_l0"])
        params.update({"fc.W": w["fc.weight"], "fc.b": w["fc.bias"]})
        return torch_path.small_rnn_numpy(RNN_SPEC["cell"], params, X)


def _torch_reference(kind: str, cls: str) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        def load(model: _NumpyModel, weights: dict[str, Any]) -> None:
            model.weights = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}

        return {cls: lambda: _NumpyModel(kind), "load_numpy_weights": load,
                "predict_numpy": lambda model, X: model.predict(X),
                "count_parameters": lambda model: model.n_parameters()}

    return make


def _cnn_weights(rng: np.random.Generator, rounded: bool) -> dict[str, np.ndarray]:
    c1, c2 = CNN_SPEC["channels"]
    flat = c2 * (CNN_SPEC["size"] // 4) ** 2
    w = {"conv1.weight": _normal(rng, c1, 1, 3, 3, scale=0.5), "conv1.bias": _normal(rng, c1, scale=0.1),
         "conv2.weight": _normal(rng, c2, c1, 3, 3, scale=0.3), "conv2.bias": _normal(rng, c2, scale=0.1),
         "fc.weight": _normal(rng, CNN_SPEC["classes"], flat, scale=0.3),
         "fc.bias": _normal(rng, CNN_SPEC["classes"], scale=0.1)}
    return {k: np.round(v, 2) for k, v in w.items()} if rounded else w


def _rnn_weights(rng: np.random.Generator, rounded: bool) -> dict[str, np.ndarray]:
    h, d, c = RNN_SPEC["hidden"], RNN_SPEC["input_size"], RNN_SPEC["classes"]
    w = {"rnn.weight_ih_l0": _normal(rng, 4 * h, d, scale=0.4),
         "rnn.weight_hh_l0": _normal(rng, 4 * h, h, scale=0.2),
         "rnn.bias_ih_l0": _normal(rng, 4 * h, scale=0.1), "rnn.bias_hh_l0": _normal(rng, 4 * h, scale=0.1),
         "fc.weight": _normal(rng, c, h, scale=0.4), "fc.bias": _normal(rng, c, scale=0.1)}
    return {k: np.round(v, 2) for k, v in w.items()} if rounded else w


def _cnn_data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    from course.reference.torch_path import make_bars_crosses

    return make_bars_crosses(n, CNN_SPEC["size"], seed=int(rng.integers(2**31)))


def _rnn_data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    from course.reference.torch_path import make_sequence_task

    return make_sequence_task(n, RNN_SPEC["steps"], seed=int(rng.integers(2**31)))


TRAIN_TIME_S = 60.0
MIN_ACCURACY = {"cnn": 0.85, "rnn": 0.85}


def _torch_cases(kind: str) -> Callable[[np.random.Generator, bool], list[Case]]:
    cls = "SmallCNN" if kind == "cnn" else "SmallRNN"
    train = "train_cnn" if kind == "cnn" else "train_rnn"
    weights = _cnn_weights if kind == "cnn" else _rnn_weights
    data = _cnn_data if kind == "cnn" else _rnn_data

    def make(rng: np.random.Generator, public: bool) -> list[Case]:
        def forward_case(tag: str, n: int, text: Text, pts: float) -> Case:
            w = weights(rng, public)
            X, _ = data(rng, n)
            if public:
                X = np.round(X, 1)
            calls = [Call(cls), Call("load_numpy_weights", [_r(0), w]), Call("predict_numpy", [_r(0), X])]
            return Case(tag, calls, [Expect(2, None, "shape"), Expect(2, None, "array", 1e-4, 1e-5)],
                        pts, text)

        if public:
            return [forward_case("public-forward", 2, _fb(
                "passe avant sur 2 exemples avec des poids donnés",
                "forward pass on 2 examples with given weights"), 0.0)]
        X_train, y_train = data(rng, 400)
        X_test, y_test = data(rng, 300)
        return [
            Case("architecture", [Call(cls), Call("count_parameters", [_r(0)])],
                 [Expect(1, None, "int", target="reference")], 1.0,
                 _fb("architecture : nombre de paramètres entraînables",
                     "architecture: number of trainable parameters")),
            forward_case("forward", int(rng.integers(3, 9)), _fb(
                "passe avant avec les poids de la référence (forme et valeurs des sorties)",
                "forward pass with the reference's weights (shape and values of the outputs)"), 2.0),
            forward_case("forward-one", 1, _fb("passe avant sur un seul exemple",
                                               "forward pass on a single example"), 0.5),
            Case("training", [Call(cls), Call(train, [_r(0), X_train, y_train]),
                              Call("predict_numpy", [_r(0), X_test])],
                 [Expect(2, None, "accuracy", target="value",
                         value={"labels": y_test.tolist(), "min": MIN_ACCURACY[kind]})], 2.5,
                 _fb(f"entraînement sur 400 exemples puis exactitude d'au moins "
                     f"{MIN_ACCURACY[kind]:.0%} sur 300 nouveaux exemples, en moins de "
                     f"{TRAIN_TIME_S:.0f} s sur CPU".replace("%", " %"),
                     f"training on 400 examples, then an accuracy of at least "
                     f"{MIN_ACCURACY[kind]:.0%} on 300 new examples, within "
                     f"{TRAIN_TIME_S:.0f} s on a CPU"),
                 time_limit_s=TRAIN_TIME_S),
        ]

    return make


def _torch_data(kind: str) -> Callable[[np.random.Generator], dict[str, np.ndarray]]:
    def make(rng: np.random.Generator) -> dict[str, np.ndarray]:
        f = _cnn_data if kind == "cnn" else _rnn_data
        X, y = f(rng, 400)
        Xv, yv = f(rng, 200)
        return {"X_train": X, "y_train": y, "X_val": Xv, "y_val": yv}

    return make


TORCH_CNN = CodingQuestion(
    id="torch-cnn",
    title=_fb("Un petit CNN en PyTorch", "A small CNN in PyTorch"),
    statement=_fb(
        "Définissez `SmallCNN`, un `nn.Module` qui prend des images $(N, 1, 8, 8)$ et renvoie les "
        "logits $(N, 3)$ avec **exactement** ces couches, sous ces noms d'attributs :\n\n"
        "- `conv1` : `nn.Conv2d(1, 4, kernel_size=3, padding=1)`, puis ReLU et max pooling 2 x 2 ;\n"
        "- `conv2` : `nn.Conv2d(4, 8, kernel_size=3, padding=1)`, puis ReLU et max pooling 2 x 2 ;\n"
        "- aplatissement, puis `fc` : `nn.Linear(8 * 2 * 2, 3)`.\n\n"
        "Écrivez ensuite `train_cnn(model, X, y)` qui entraîne le modèle (entropie croisée, Adam ; "
        "sur le GPU si `torch.cuda.is_available()`, variable `DEVICE`) et renvoie le modèle. "
        "Les données (barres horizontales, verticales et croix) sont fournies avec le devoir :\n\n"
        "```python\ndata = np.load(\"{data_file}\")\nX, y = data[\"X_train\"], data[\"y_train\"]\n```\n\n"
        "Le correcteur vérifie l'architecture, une passe avant avec ses propres poids (chargés par "
        "`load_numpy_weights`), et qu'après `train_cnn` le modèle atteint au moins "
        f"{MIN_ACCURACY['cnn']:.0%} d'exactitude sur de nouvelles images, en moins de "
        f"{TRAIN_TIME_S:.0f} s sur CPU.".replace("%", " %"),
        "Define `SmallCNN`, an `nn.Module` that takes images $(N, 1, 8, 8)$ and returns logits "
        "$(N, 3)$ with **exactly** these layers, under these attribute names:\n\n"
        "- `conv1`: `nn.Conv2d(1, 4, kernel_size=3, padding=1)`, then ReLU and 2 x 2 max pooling;\n"
        "- `conv2`: `nn.Conv2d(4, 8, kernel_size=3, padding=1)`, then ReLU and 2 x 2 max pooling;\n"
        "- flatten, then `fc`: `nn.Linear(8 * 2 * 2, 3)`.\n\n"
        "Then write `train_cnn(model, X, y)` that trains the model (cross-entropy, Adam; on the GPU "
        "when `torch.cuda.is_available()`, variable `DEVICE`) and returns the model. "
        "The data (horizontal bars, vertical bars and crosses) ships with the assignment:\n\n"
        "```python\ndata = np.load(\"{data_file}\")\nX, y = data[\"X_train\"], data[\"y_train\"]\n```\n\n"
        "The grader checks the architecture, a forward pass with its own weights (loaded by "
        "`load_numpy_weights`), and that after `train_cnn` the model reaches an accuracy of at least "
        f"{MIN_ACCURACY['cnn']:.0%} on new images, within {TRAIN_TIME_S:.0f} s on a CPU."),
    names=("SmallCNN", "train_cnn"),
    stub=_src('''
        import numpy as np
        import torch
        from torch import nn


        class SmallCNN(nn.Module):
            """conv1 -> ReLU -> maxpool 2 -> conv2 -> ReLU -> maxpool 2 -> flatten -> fc.

            Input (N, 1, 8, 8) float32; output logits (N, 3).
            """

            def __init__(self):
                super().__init__()
                raise NotImplementedError("SmallCNN.__init__")

            def forward(self, x):
                raise NotImplementedError("SmallCNN.forward")


        def train_cnn(model, X, y, epochs=5, lr=0.01, batch_size=32):
            """Train model on X (N, 1, 8, 8) and labels y (N,) in {0, 1, 2}; return the model.

            Use DEVICE (cuda when available), cross-entropy and Adam.
            """
            raise NotImplementedError("train_cnn")
        '''),
    solution=_src('''
        import numpy as np
        import torch
        from torch import nn


        class SmallCNN(nn.Module):
            """conv1 -> ReLU -> maxpool 2 -> conv2 -> ReLU -> maxpool 2 -> flatten -> fc."""

            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 4, kernel_size=3, padding=1)
                self.conv2 = nn.Conv2d(4, 8, kernel_size=3, padding=1)
                self.fc = nn.Linear(8 * 2 * 2, 3)

            def forward(self, x):
                x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
                x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
                return self.fc(x.flatten(1))


        def train_cnn(model, X, y, epochs=5, lr=0.01, batch_size=32):
            """Mini-batch Adam on the cross-entropy."""
            device = "cuda" if torch.cuda.is_available() else "cpu"
            model.to(device).train()
            X = torch.as_tensor(np.asarray(X), dtype=torch.float32, device=device)
            y = torch.as_tensor(np.asarray(y), dtype=torch.long, device=device)
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            gen = torch.Generator().manual_seed(0)
            for _ in range(epochs):
                for idx in torch.randperm(len(X), generator=gen).split(batch_size):
                    opt.zero_grad()
                    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
                    loss.backward()
                    opt.step()
            return model
        '''),
    make_cases=_torch_cases("cnn"),
    make_reference=_torch_reference("cnn", "SmallCNN"),
    torch=True,
    make_data=_torch_data("cnn"),
)

TORCH_RNN = CodingQuestion(
    id="torch-rnn",
    title=_fb("Un petit réseau récurrent (LSTM) en PyTorch", "A small recurrent network (LSTM) in PyTorch"),
    statement=_fb(
        "Définissez `SmallRNN`, un `nn.Module` qui prend des séquences $(N, 10, 1)$ (lots en premier) "
        "et renvoie les logits $(N, 2)$, avec **exactement** ces couches et ces noms d'attributs :\n\n"
        "- `rnn` : `nn.LSTM(1, 16, batch_first=True)` ;\n"
        "- `fc` : `nn.Linear(16, 2)`, appliquée au **dernier** état caché $h_T$.\n\n"
        "Écrivez ensuite `train_rnn(model, X, y)` qui entraîne le modèle (entropie croisée, Adam ; sur "
        "le GPU si disponible, variable `DEVICE`) et renvoie le modèle. La tâche : la classe vaut 1 "
        "quand la somme de la séquence est positive. Les données sont fournies avec le devoir :\n\n"
        "```python\ndata = np.load(\"{data_file}\")\nX, y = data[\"X_train\"], data[\"y_train\"]\n```\n\n"
        "Le correcteur vérifie l'architecture, une passe avant avec ses propres poids, et qu'après "
        f"`train_rnn` le modèle atteint au moins {MIN_ACCURACY['rnn']:.0%} d'exactitude sur de "
        f"nouvelles séquences, en moins de {TRAIN_TIME_S:.0f} s sur CPU.".replace("%", " %"),
        "Define `SmallRNN`, an `nn.Module` that takes sequences $(N, 10, 1)$ (batch first) and "
        "returns logits $(N, 2)$, with **exactly** these layers and attribute names:\n\n"
        "- `rnn`: `nn.LSTM(1, 16, batch_first=True)`;\n"
        "- `fc`: `nn.Linear(16, 2)`, applied to the **last** hidden state $h_T$.\n\n"
        "Then write `train_rnn(model, X, y)` that trains the model (cross-entropy, Adam; on the GPU "
        "when available, variable `DEVICE`) and returns the model. The task: the class is 1 when "
        "the sum of the sequence is positive. The data ships with the assignment:\n\n"
        "```python\ndata = np.load(\"{data_file}\")\nX, y = data[\"X_train\"], data[\"y_train\"]\n```\n\n"
        "The grader checks the architecture, a forward pass with its own weights, and that after "
        f"`train_rnn` the model reaches an accuracy of at least {MIN_ACCURACY['rnn']:.0%} on new "
        f"sequences, within {TRAIN_TIME_S:.0f} s on a CPU."),
    names=("SmallRNN", "train_rnn"),
    stub=_src('''
        import numpy as np
        import torch
        from torch import nn


        class SmallRNN(nn.Module):
            """rnn (LSTM, batch first) -> last hidden state -> fc.

            Input (N, T, 1) float32; output logits (N, 2).
            """

            def __init__(self):
                super().__init__()
                raise NotImplementedError("SmallRNN.__init__")

            def forward(self, x):
                raise NotImplementedError("SmallRNN.forward")


        def train_rnn(model, X, y, epochs=6, lr=0.01, batch_size=32):
            """Train model on X (N, T, 1) and labels y (N,) in {0, 1}; return the model.

            Use DEVICE (cuda when available), cross-entropy and Adam.
            """
            raise NotImplementedError("train_rnn")
        '''),
    solution=_src('''
        import numpy as np
        import torch
        from torch import nn


        class SmallRNN(nn.Module):
            """LSTM over the sequence, dense layer on the last hidden state."""

            def __init__(self):
                super().__init__()
                self.rnn = nn.LSTM(1, 16, batch_first=True)
                self.fc = nn.Linear(16, 2)

            def forward(self, x):
                out, _ = self.rnn(x)
                return self.fc(out[:, -1])


        def train_rnn(model, X, y, epochs=6, lr=0.01, batch_size=32):
            """Mini-batch Adam on the cross-entropy."""
            device = "cuda" if torch.cuda.is_available() else "cpu"
            model.to(device).train()
            X = torch.as_tensor(np.asarray(X), dtype=torch.float32, device=device)
            y = torch.as_tensor(np.asarray(y), dtype=torch.long, device=device)
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            gen = torch.Generator().manual_seed(0)
            for _ in range(epochs):
                for idx in torch.randperm(len(X), generator=gen).split(batch_size):
                    opt.zero_grad()
                    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
                    loss.backward()
                    opt.step()
            return model
        '''),
    make_cases=_torch_cases("rnn"),
    make_reference=_torch_reference("rnn", "SmallRNN"),
    torch=True,
    make_data=_torch_data("rnn"),
)


CODING: dict[str, CodingQuestion] = {q.id: q for q in (
    ACTIVATIONS, DENSE, MLP_FORWARD, LOSSES, GD_STEP, PERCEPTRON, CONV2D, MAXPOOL, BATCHNORM,
    RNN_CELL, LSTM_CELL, ADAM, METRICS, TORCH_CNN, TORCH_RNN)}


def get_coding(coding_id: str) -> CodingQuestion:
    """The coding question ``coding_id``; a :class:`UsageError` listing the known ids otherwise."""
    if coding_id not in CODING:
        raise UsageError(f"unknown coding question '{coding_id}' (known: {', '.join(CODING)})")
    return CODING[coding_id]
