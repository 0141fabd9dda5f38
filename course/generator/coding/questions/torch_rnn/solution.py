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
