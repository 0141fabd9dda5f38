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
