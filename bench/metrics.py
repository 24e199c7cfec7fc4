"""Benchmark: sam2nb.metrics J&F and conn+grad against straightforward frame-by-frame versions.

Run: OMP_NUM_THREADS=1 python bench/metrics.py
Both sides are measured in this one run on the same inputs; the values are checked equal and the
ratio printed. J&F: the DAVIS-2016 fixtures (854x480), ground truth vs an eroded+shifted copy.
Conn+Grad: a 1080p alpha (the alphamatting GT05 fixture upscaled; a synthetic one without it).
"""
import sys, time
from pathlib import Path

import cv2
import numpy as np

from sam2nb.core import fixtures_path, have_fixtures
from sam2nb.data import read_mask, read_alpha
from sam2nb.metrics import db_eval_jf, perturb_masks, conn, grad, blur_alpha, as_alpha
# the straightforward versions: the reference definitions, one frame at a time
from sam2nb.testing import reference_jf_frame, reference_grad, reference_conn

cv2.setNumThreads(1)


def best_of(fn, n=3):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); out = fn(); ts.append(time.perf_counter() - t)
    return min(ts), out

def compare(ref_fn, fast_fn, n):
    "Time both sides alternately (the CPU may be shared) and keep the best time of each."
    tr, tf = [], []
    for _ in range(n):
        t, ref = best_of(ref_fn, 1); tr.append(t)
        t, fast = best_of(fast_fn, 1); tf.append(t)
    return min(tr), ref, min(tf), fast


def bench_jf():
    if not have_fixtures("davis2016"):
        print("J&F: DAVIS-2016 fixtures not found, skipped"); return None
    ann = fixtures_path("davis2016") / "Annotations/480p"
    pairs = []
    for seq in sorted(d.name for d in ann.iterdir() if d.is_dir()):
        ids = np.stack([read_mask(f) for f in sorted((ann / seq).glob("*.png"))])
        pairs.append((seq, ids == 1, perturb_masks(ids) == 1))
    n = sum(len(g) for _, g, _ in pairs)
    t_ref, ref, t_fast, fast = compare(lambda: [np.array([reference_jf_frame(g[t], p[t]) for t in range(len(g))]) for _, g, p in pairs],
                                       lambda: [np.stack(db_eval_jf(g, p), 1) for _, g, p in pairs], 7)
    equal = all(np.array_equal(a, b) for a, b in zip(ref, fast))
    print(f"J&F  ({n} frames of 854x480, {', '.join(s for s, _, _ in pairs)}): "
          f"frame-by-frame {t_ref * 1e3:.1f} ms, sam2nb {t_fast * 1e3:.1f} ms, "
          f"ratio {t_ref / t_fast:.1f}x, values identical: {equal}")
    return t_ref / t_fast, equal


def bench_conn_grad(frames=3):
    if have_fixtures("matting", "GT05"):
        a = read_alpha(fixtures_path("matting", "GT05") / "alpha/GT05.jpg"); src = "GT05 upscaled"
    else:
        yy, xx = np.mgrid[:552, :800]; a = np.clip((200 - np.hypot(yy - 276, xx - 400)) / 30, 0, 1).astype(np.float32)
        src = "synthetic"
    g1080 = np.round(cv2.resize(a, (1920, 1080), interpolation=cv2.INTER_LINEAR) * 255).astype(np.uint8)
    gs = [as_alpha(np.roll(g1080, 7 * t, axis=1)) for t in range(frames)]
    ps = [as_alpha(blur_alpha(g, seed=t)) for t, g in enumerate(gs)]
    t_ref, ref, t_fast, fast = compare(lambda: [(reference_conn(g, p), reference_grad(g, p)) for g, p in zip(gs, ps)],
                                       lambda: [(conn(g, p), grad(g, p)) for g, p in zip(gs, ps)], 4)
    conn_equal = all(float(a[0]) == b[0] for a, b in zip(ref, fast))
    grad_close = all(abs(float(a[1]) - b[1]) <= 1e-5 * abs(float(a[1])) for a, b in zip(ref, fast))
    print(f"Conn+Grad ({frames} frames of 1920x1080, {src}): frame-by-frame {t_ref * 1e3:.0f} ms, "
          f"sam2nb {t_fast * 1e3:.0f} ms, ratio {t_ref / t_fast:.1f}x, conn identical: {conn_equal}, "
          f"grad within 1e-5 relative: {grad_close}")
    # each part on its own, to show where the time goes
    tr_c, _, tf_c, _ = compare(lambda: [reference_conn(g, p) for g, p in zip(gs, ps)], lambda: [conn(g, p) for g, p in zip(gs, ps)], 2)
    tr_g, _, tf_g, _ = compare(lambda: [reference_grad(g, p) for g, p in zip(gs, ps)], lambda: [grad(g, p) for g, p in zip(gs, ps)], 2)
    print(f"   conn {tr_c * 1e3:.0f} -> {tf_c * 1e3:.0f} ms ({tr_c / tf_c:.1f}x), grad {tr_g * 1e3:.0f} -> {tf_g * 1e3:.0f} ms ({tr_g / tf_g:.1f}x)")
    return t_ref / t_fast, conn_equal and grad_close


if __name__ == "__main__":
    r1 = bench_jf(); r2 = bench_conn_grad()
    ok = all(r is None or r[1] for r in (r1, r2))
    sys.exit(0 if ok else 1)
