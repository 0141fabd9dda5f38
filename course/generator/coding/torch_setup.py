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
