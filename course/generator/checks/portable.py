"""The part of every check that also runs in the student's notebook.

The public checks of a handed-out notebook run in the student's kernel, which has NumPy but
not this project. So the *form* of an answer (is it a genuine integer? an array of finite
numbers of the right rank?) and, for coding questions' public cases, the *comparison* with a
public expected value are written once, here and in each check module, as plain functions
that use only the standard library and NumPy (``np``), and :mod:`course.documents.runtime`
copies their source into the notebook: the student's check runs the very code the grader
runs, so "format OK" in the notebook means the grader accepts the form too.

A portable function returns ``None`` when the value passes, or ``[code, args]``: a reason
code (a key of a check's ``REASONS``, with fr/en texts) and plain arguments for its text.
Arguments never hold an expected value of a hidden case.

Rules for code in portable functions: no import of the project, no closure over module state
other than other portable functions and ``np``, exact-type tests (``type(x) is float``: a
subclass of float or an object array is never a number).
"""


import numpy as np

#: exact NumPy scalar types that count as numbers (never ``bool`` or ``np.bool_``)
NUMBER_TYPES = (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                np.uint8, np.uint16, np.uint32, np.uint64)


def plain_number(x):
    """``x`` as a float if it is a genuine number (builtin int/float or a NumPy numeric scalar
    or 0-d numeric array, never a bool or a subclass), else None. Huge ints (> 2**1023) are
    not numbers (``float()`` would raise OverflowError)."""
    if type(x) is int:
        return float(x) if abs(x) <= 2 ** 1023 else None
    if type(x) is float or type(x) in NUMBER_TYPES:
        return float(x)
    if type(x) is np.ndarray and x.dtype.kind in "iuf" and x.shape == ():
        return float(x)
    return None


def plain_array(x):
    """``x`` as a float64 ndarray if it is genuine numeric data: a numeric (or boolean)
    ndarray, a number, or nested lists/tuples of numbers of a regular shape; else None."""
    if type(x) is np.ndarray:
        return x.astype(np.float64) if x.dtype.kind in "iufb" else None
    if type(x) in (list, tuple):
        def walk(v, depth):
            if depth > 32:
                raise ValueError("too deep")
            if type(v) in (list, tuple):
                rows = [walk(w, depth + 1) for w in v]
                shapes = {r[0] for r in rows}
                if len(shapes) > 1:
                    raise ValueError("ragged")
                return ((len(rows), *(shapes.pop() if rows else ())), [y for r in rows for y in r[1]])
            f = plain_number(v)
            if f is None:
                raise ValueError("not a number")
            return ((), [f])

        try:
            shape, values = walk(x, 0)
        except (ValueError, RecursionError):
            return None
        return np.array(values, dtype=np.float64).reshape(shape)
    f = plain_number(x)
    return None if f is None else np.array(f)


def close(got, want, rtol, atol):
    """The one tolerance rule of every numeric check (NumPy's ``isclose`` and PrairieLearn's
    relabs rule): ``|got - want| <= atol + rtol * |want|``, element-wise; NaN and infinities
    never pass."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(want))):
        return False
    return bool(np.all(np.abs(got - want) <= atol + rtol * np.abs(want)))


def summary(x):
    """A short, language-neutral description of a value a student's code produced, for a
    one-line message: its type, shape/length and a few values (``ndarray (3, 2) float64
    [0.12, -0.5, 1, …]``). Never used on expected values of hidden cases."""
    def short(v):
        if type(v) is float or type(v) in NUMBER_TYPES:
            return f"{float(v):.4g}"
        r = repr(v)
        return r if len(r) <= 24 else r[:21] + "..."

    t = type(x)
    if x is None or x is Ellipsis or t in (bool, int, float, str) or t in NUMBER_TYPES:
        return f"{t.__name__} {short(x)}"
    if t is np.ndarray:
        flat = x.reshape(-1)[:4] if x.dtype.kind in "iufb" else []
        vals = ", ".join(short(v) for v in flat) + (", …" if x.size > 4 else "")
        return f"ndarray {tuple(x.shape)} {x.dtype}" + (f" [{vals}]" if x.dtype.kind in "iufb" else "")
    if t in (list, tuple):
        vals = ", ".join(short(v) for v in list(x)[:4]) + (", …" if len(x) > 4 else "")
        return f"{t.__name__} of {len(x)} [{vals}]"
    if t is dict:
        keys = ", ".join(repr(k) for k in list(x)[:6]) + (", …" if len(x) > 6 else "")
        return f"dict with keys {{{keys}}}"
    shape = getattr(x, "shape", None)
    return f"{t.__name__}" + (f" {tuple(shape)}" if shape is not None else "")


def shape_of(x):
    """The shape of a value as a list (``np.shape``), or None when it has none (ragged)."""
    try:
        return list(np.shape(x))
    except (ValueError, TypeError):
        return None
