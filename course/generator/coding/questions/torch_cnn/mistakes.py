"""The named mistakes of the PyTorch CNN question: each is written into ``solution.py`` as a
student writes it (the tests run that code), and recognised on the trusted side by a NumPy twin
of the mistaken forward pass (the reference computes without PyTorch). All three change the
logits of the forward cases, none the parameter count."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course.base.i18n import text as t
from course.generator.coding import torch_models as tm
from course.generator.coding.question import Mistake


def twin(relu: bool = True, pool: str = "max", channels_last: bool = False
         ) -> Callable[[dict[str, np.ndarray], np.ndarray], np.ndarray]:
    """SmallCNN's forward pass on weights ``{state_dict key: array}``, mistaken as told:
    without the ReLUs, with average pooling, or flattened channels last (NHWC)."""
    def forward(w: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
        from course.reference import conv, pooling

        a = X
        for layer in ("conv1", "conv2"):
            a, _ = conv.conv2d_forward(a, w[f"{layer}.weight"], w[f"{layer}.bias"], padding=1)
            if relu:
                a = np.maximum(a, 0.0)
            a, _ = (pooling.maxpool_forward if pool == "max" else pooling.avgpool_forward)(a, 2)
        if channels_last:
            a = a.transpose(0, 2, 3, 1)
        return a.reshape(a.shape[0], -1) @ w["fc.weight"].T + w["fc.bias"]

    return forward


def _mistake(key: str, explanation: dict[str, str], forward: Callable[..., np.ndarray],
             *edits: tuple[str, str]) -> Mistake:
    return Mistake(key, explanation, tm.reference("cnn", "SmallCNN", forward), tuple(edits))


MISTAKES = (
    _mistake("cnn-no-relu", t(
        "les ReLU manquent : chaque convolution est suivie d'une ReLU avant le max pooling "
        "(sans elles, le réseau reste presque linéaire).",
        "the ReLUs are missing: each convolution is followed by a ReLU before the max pooling "
        "(without them the network stays almost linear)."),
        twin(relu=False),
        ("torch.relu(self.conv1(x))", "self.conv1(x)"),
        ("torch.relu(self.conv2(x))", "self.conv2(x)")),
    _mistake("cnn-avg-pool", t(
        "vous avez utilisé un average pooling : l'architecture demande un max pooling 2 x 2.",
        "you used average pooling: the architecture asks for 2 x 2 max pooling."),
        twin(pool="avg"),
        ("x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)",
         "x = nn.functional.avg_pool2d(torch.relu(self.conv1(x)), 2)"),
        ("x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)",
         "x = nn.functional.avg_pool2d(torch.relu(self.conv2(x)), 2)")),
    _mistake("cnn-flatten-channels-last", t(
        "l'aplatissement est fait canaux en dernier (N, H, W, C), comme Keras : PyTorch aplatit "
        "(N, C, H, W) tel quel, x.flatten(1), et les poids de fc suivent cet ordre.",
        "the flattening is done channels last (N, H, W, C), as in Keras: PyTorch flattens "
        "(N, C, H, W) as it is, x.flatten(1), and fc's weights follow that order."),
        twin(channels_last=True),
        ("x.flatten(1)", "x.permute(0, 2, 3, 1).flatten(1)")),
)
