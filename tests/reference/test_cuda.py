"""The PyTorch path on a CUDA GPU: parity with the CPU and a training step.

Skipped cleanly where no GPU is present.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course.reference import torch_path as tp

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU"),
]

CUDA = torch.device("cuda")
CPU = torch.device("cpu")


def test_device_prefers_cuda(monkeypatch):
    monkeypatch.delenv(tp.ENV_DEVICE, raising=False)
    assert tp.device().type == "cuda"
    monkeypatch.setenv(tp.ENV_DEVICE, "cpu")
    assert tp.device() == CPU


def test_blocks_on_cuda_match_cpu():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3, 9, 8)), rng.standard_normal((5, 3, 4, 4)), rng.standard_normal(5)
    for dev_out in (CPU, CUDA):
        args = [tp.to_tensor(a, dev_out) for a in (x, w, b)]
        out = tp.to_numpy(tp.conv2d(*args, stride=2, padding="same"))
        pooled = tp.to_numpy(tp.avgpool2d(args[0], 3, 2, "same"))
        if dev_out == CPU:
            ref, ref_pool = out, pooled
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(pooled, ref_pool, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("make", [
    lambda: tp.SmallCNN(seed=0),
    lambda: tp.SmallRNN("lstm", hidden=8, seed=0),
    lambda: tp.SmallRNN("gru", hidden=8, seed=0),
])
def test_model_forward_parity_with_cpu(make):
    cpu_model = make().double()
    gpu_model = make().double().to(CUDA)
    if isinstance(cpu_model, tp.SmallCNN):
        x, _ = tp.make_bars_crosses(16, seed=1)
    else:
        x, _ = tp.make_sequence_task(16, steps=6, seed=1)
    with torch.no_grad():
        a = cpu_model(tp.to_tensor(x, CPU))
        b = gpu_model(tp.to_tensor(x, CUDA))
    assert b.device.type == "cuda"
    np.testing.assert_allclose(tp.to_numpy(b), tp.to_numpy(a), rtol=1e-9, atol=1e-10)


def test_training_on_cuda():
    data = tp.make_bars_crosses(240, seed=1) + tp.make_bars_crosses(120, seed=2)
    model = tp.SmallCNN(seed=0).to(CUDA)
    before = [p.detach().clone() for p in model.parameters()]
    acc = tp.train(model, data, epochs=8, lr=0.02, seed=0)
    assert next(model.parameters()).device.type == "cuda"
    assert any(not torch.equal(p0, p1) for p0, p1 in zip(before, model.parameters()))
    assert acc >= 0.8
