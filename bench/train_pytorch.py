#!/usr/bin/python3
"""PyTorch-on-CPU anchor for `verity bench --train` (issue: Box/IBP epochs no slower than PyTorch CPU).

Times the same training steps Verity times: paper 003's FC and CONV on MNIST, batch 100, Adam, standard
cross-entropy or the IBP (Box) certified loss with the specification elided into the last layer, at full cost
(eps at its final value, kappa = 0). Never run in CI. Needs Debian's python3-torch (apt-get install python3-torch).

  /usr/bin/python3 bench/train_pytorch.py --data ../shared/benchmarks/datasets/mnist --samples 2000 [--double] [--threads 2]
"""
import argparse, gzip, os, struct, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = [struct.unpack(">I", f.read(4))[0] for _ in range(magic & 0xFF)]
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def find(d, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    raise SystemExit(f"{d}: no {stem}[.gz]")


def net(arch):
    if arch == "fc":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 200), nn.ReLU(),
                             nn.Linear(200, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))
    return nn.Sequential(nn.Conv2d(1, 16, 4, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 13 * 13, 100), nn.ReLU(),
                         nn.Linear(100, 10))


def ibp_logits(model, x, y, eps):
    """Interval bound propagation; the last linear layer folded with the rows e_y - e_j (elision)."""
    lo, hi = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
    layers = list(model)
    for layer in layers[:-1]:
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            c, r = (lo + hi) / 2, (hi - lo) / 2
            if isinstance(layer, nn.Linear):
                c, r = layer(c), F.linear(r, layer.weight.abs())
            else:
                c, r = layer(c), F.conv2d(r, layer.weight.abs(), stride=layer.stride)
            lo, hi = c - r, c + r
        elif isinstance(layer, nn.ReLU):
            lo, hi = lo.relu(), hi.relu()
        else:
            lo, hi = layer(lo), layer(hi)
    last = layers[-1]
    k = last.weight.shape[0]
    eye = torch.eye(k, dtype=x.dtype)
    rows = eye[y].unsqueeze(1) - eye.unsqueeze(0)  # [B, K, K]: e_y - e_j
    w = rows @ last.weight                         # [B, K, n]
    b = rows @ last.bias                           # [B, K]
    c, r = (lo + hi) / 2, (hi - lo) / 2
    lower = (w @ c.unsqueeze(2)).squeeze(2) - (w.abs() @ r.unsqueeze(2)).squeeze(2) + b
    return -lower


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--eps", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--double", action="store_true", help="float64, as Verity computes")
    p.add_argument("--warmup", type=int, default=30)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    dtype = torch.float64 if a.double else torch.float32
    x = torch.tensor(read_idx(find(a.data, "train-images-idx3-ubyte"))[: a.samples], dtype=dtype).unsqueeze(1) / 255.0
    y = torch.tensor(read_idx(find(a.data, "train-labels-idx1-ubyte"))[: a.samples], dtype=torch.long)
    print(f"torch {torch.__version__}, {a.threads} threads, {dtype}, {a.samples} samples, eps {a.eps}")
    print(f"{'arch':8} {'method':12} {'seconds':>10} {'s/epoch (60000)':>16}")
    for arch in ("fc", "conv"):
        for method in ("standard", "box"):
            torch.manual_seed(0)
            model = net(arch).to(dtype)
            opt = torch.optim.Adam(model.parameters(), lr=5e-4)

            def step(xb, yb):
                opt.zero_grad()
                logits = ibp_logits(model, xb, yb, a.eps) if method == "box" else model(xb)
                F.cross_entropy(logits, yb).backward()
                opt.step()

            for i in range(a.warmup):
                step(x[:100], y[:100])
            t = time.perf_counter()
            for s in range(0, a.samples, 100):
                step(x[s:s + 100], y[s:s + 100])
            dt = time.perf_counter() - t
            print(f"{arch:8} {method:12} {dt:10.2f} {dt * 60000 / a.samples:16.1f}")


if __name__ == "__main__":
    main()
