import numpy as np


def metrics_from_confusion(cm):
    """Metrics from a confusion matrix cm (C, C): rows = true class, columns = predicted.

    Returns a dict: "accuracy" (float), "precision", "recall", "f1" (arrays (C,),
    one value per class; 0 where a denominator is 0), "macro_f1" (float, mean of f1).
    """
    raise NotImplementedError("metrics_from_confusion")
