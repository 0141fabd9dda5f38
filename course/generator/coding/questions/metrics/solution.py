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
