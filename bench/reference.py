"""NumPy reference vs PyTorch (CPU): Conv2D forward and LSTM forward, side by side.

Run: ``.venv/bin/python bench/reference.py [--repeat 50] [--threads N]``.
Both libraries get the same number of threads (default 1: fair and stable on a shared
machine; OpenBLAS with several threads on busy cores can be 50x slower on small products).
Conv2D: input 8 x 3 x 32 x 32, 16 filters 3 x 3, stride 1, 'valid'.
LSTM: batch 32, 20 steps, 64 inputs, 64 units.
Median wall time of ``--repeat`` runs after a warm-up; ratio = NumPy / PyTorch (goal <= 3).
The naive loop convolution is timed once on a smaller batch and scaled, for information.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

from course.reference.conv import conv2d_forward, conv2d_forward_naive
from course.reference.recurrent import from_torch_layout, lstm_forward


def median_time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for both NumPy's BLAS and torch (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    rows = []

    # Conv2D forward
    x = rng.standard_normal((8, 3, 32, 32))
    w = rng.standard_normal((16, 3, 3, 3))
    b = rng.standard_normal(16)
    xt, wt, bt = (torch.tensor(a) for a in (x, w, b))
    with torch.no_grad():
        t_np = median_time(lambda: conv2d_forward(x, w, b), args.repeat)
        t_th = median_time(lambda: torch.nn.functional.conv2d(xt, wt, bt), args.repeat)
        x32, w32, b32 = xt.float(), wt.float(), bt.float()
        t_th32 = median_time(lambda: torch.nn.functional.conv2d(x32, w32, b32), args.repeat)
    rows.append(("conv2d forward (float64)", t_np, t_th))
    small = x[:1]
    t0 = time.perf_counter()
    conv2d_forward_naive(small, w, b)
    t_naive = (time.perf_counter() - t0) * x.shape[0]
    np.testing.assert_allclose(conv2d_forward(x, w, b)[0],
                               torch.nn.functional.conv2d(xt, wt, bt).numpy(), rtol=1e-10)

    # LSTM forward
    n, steps, d, hidden = 32, 20, 64, 64
    lstm = torch.nn.LSTM(d, hidden, batch_first=True).double()
    p = from_torch_layout("lstm", *(getattr(lstm, k + "_l0").detach().numpy()
                                    for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    xs = rng.standard_normal((n, steps, d))
    xst = torch.tensor(xs)
    with torch.no_grad():
        t_np = median_time(lambda: lstm_forward(xs, None, None, **p), args.repeat)
        t_th = median_time(lambda: lstm(xst), args.repeat)
        np.testing.assert_allclose(lstm_forward(xs, None, None, **p)[0].h, lstm(xst)[0].numpy(),
                                   rtol=1e-10, atol=1e-12)
    rows.append(("lstm forward (float64)", t_np, t_th))

    print(f"torch {torch.__version__}, numpy {np.__version__}, threads {args.threads} "
          f"(NumPy BLAS and torch), median of {args.repeat} runs")
    print(f"{'operation':62s} {'NumPy ms':>9s} {'torch ms':>9s} {'ratio':>6s}")
    for name, a, t in rows:
        flag = "" if a / t <= 3 else "  (> 3x)"
        print(f"{name:62s} {a * 1e3:9.3f} {t * 1e3:9.3f} {a / t:6.2f}{flag}")
    print(f"{'for information: torch conv2d float32':62s} {'':9s} {t_th32 * 1e3:9.3f}")
    print(f"{'conv2d forward, naive loops (float64, 1 image x 8)':62s} {t_naive * 1e3:9.1f}"
          f" {'':9s} {t_naive / rows[0][2]:6.0f}")


if __name__ == "__main__":
    main()
