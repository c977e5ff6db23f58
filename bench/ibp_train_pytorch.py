#!/usr/bin/python3
"""Cross-check of `verity train --method box` against an independent PyTorch implementation of the same schedule
(paper 003 App. G): warm-up, per-step linear ramp of eps and kappa, Adam, milestones, L1, elision, batch 100, the
last --validation training samples held back. Never run in CI; needs Debian's python3-torch.

  /usr/bin/python3 bench/ibp_train_pytorch.py --data ../shared/benchmarks/datasets/mnist --epochs 20 --warmup 1 --rampup 10 --eps 0.3
"""
import argparse, time
import torch
import torch.nn.functional as F
from train_pytorch import read_idx, find, net, ibp_logits


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--arch", default="fc")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--rampup", type=int, default=10)
    p.add_argument("--eps", type=float, default=0.3)
    p.add_argument("--eps-train", type=float, default=None)
    p.add_argument("--kappa-end", type=float, default=0.0)
    p.add_argument("--l1", type=float, default=5e-6)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--validation", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--double", action="store_true")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    dt = torch.float64 if a.double else torch.float32
    x = torch.tensor(read_idx(find(a.data, "train-images-idx3-ubyte")), dtype=dt).unsqueeze(1) / 255.0
    y = torch.tensor(read_idx(find(a.data, "train-labels-idx1-ubyte")), dtype=torch.long)
    n = len(y) - a.validation
    xt, yt, xv, yv = x[:n], y[:n], x[n:], y[n:]
    model = net(a.arch).to(dt)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    eps_train = a.eps_train if a.eps_train is not None else a.eps
    steps = (n + 99) // 100
    for epoch in range(a.epochs):
        lr = a.lr * (0.1 if epoch >= round(0.65 * a.epochs) else 1) * (0.1 if epoch >= round(0.95 * a.epochs) else 1)
        for g in opt.param_groups:
            g["lr"] = lr
        perm = torch.randperm(n)
        t0, tot = time.time(), 0.0
        for s in range(steps):
            idx = perm[s * 100:(s + 1) * 100]
            xb, yb = xt[idx], yt[idx]
            ramp = -1 if epoch < a.warmup else (1 if a.rampup == 0 else min(1, ((epoch - a.warmup) + (s + 1) / steps) / a.rampup))
            eps = 0 if ramp < 0 else ramp * eps_train
            kappa = 1 if ramp < 0 else 1 + ramp * (a.kappa_end - 1)
            loss = F.cross_entropy(model(xb), yb)
            if eps > 0 and kappa < 1:
                loss = kappa * loss + (1 - kappa) * F.cross_entropy(ibp_logits(model, xb, yb, eps), yb)
            l1 = sum(m.weight.abs().sum() for m in model if hasattr(m, "weight"))
            opt.zero_grad()
            (loss + a.l1 * l1).backward()
            opt.step()
            tot += loss.item()
        with torch.no_grad():
            acc = (model(xv).argmax(1) == yv).double().mean().item()
            cert = (ibp_logits(model, xv, yv, a.eps).scatter(1, yv.unsqueeze(1), -1e9).max(1).values < 0).double().mean().item()
        print(f"epoch {epoch + 1}/{a.epochs} loss {tot / steps:.4f} eps {eps:.4f} kappa {kappa:.2f} val {100 * acc:.2f}% certified (ibp) {100 * cert:.2f}% {time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
