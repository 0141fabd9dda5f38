"""Plain data: JSON-native values (None, bool, int, float, str, lists, string-keyed dicts), the
form every value takes in manifests, records and specifications. NumPy values are converted
here, once."""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np


def plain(x: Any) -> Any:
    """``x`` with NumPy scalars and arrays (nested anywhere) turned into JSON-native values;
    tuples become lists and dict keys strings."""
    if isinstance(x, np.ndarray):
        return plain(x.tolist())
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return x


def jsonable(x: Any, summarize: bool = False) -> Any:
    """``x`` as JSON with arrays kept recognisable: ``{"$array": nested list, "dtype",
    "shape"}``; with ``summarize``, arrays of more than 64 values keep only their shape, dtype,
    min and max (``"$array": null``), for files meant to be read by a person."""
    if isinstance(x, np.ndarray):
        d: dict[str, Any] = {"$array": None, "dtype": x.dtype.str, "shape": list(x.shape)}
        if summarize and x.size > 64:
            d.update(min=float(x.min()), max=float(x.max()))
        else:
            d["$array"] = x.tolist()
        return d
    if isinstance(x, dict):
        return {str(k): jsonable(v, summarize) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v, summarize) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def python_literal(x: Any, np_name: str = "np") -> str:
    """Python source that evaluates to ``x`` (plain data; NumPy arrays as ``np.array(...)``
    with the module named ``np_name``; non-finite floats as ``float('nan')``)."""
    if isinstance(x, np.ndarray):
        return f"{np_name}.array({x.tolist()!r})" if x.size else f"{np_name}.zeros({tuple(x.shape)!r})"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {python_literal(v, np_name)}" for k, v in x.items()) + "}"
    if isinstance(x, (list, tuple)):
        inner = ", ".join(python_literal(v, np_name) for v in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner}{',' if len(x) == 1 else ''})"
    if isinstance(x, np.generic):
        return repr(x.item())
    if isinstance(x, float) and not np.isfinite(x):
        return f"float({str(x)!r})"
    return repr(x)


def printable(name: str) -> str:
    """A name (a submitted file's) as printable UTF-8 text: lone surrogates of a name that is
    not UTF-8, control and format characters each become ``?``."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in name)
