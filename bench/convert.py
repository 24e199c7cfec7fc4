"""Throughput of `convert_davis` on the DAVIS-2016 fixtures: serial (workers=1) vs the process pool.

Run: `python bench/convert.py [--workers 2] [--repeats 3]`. Prints frames/s of each side (best of the
repeats) and their ratio. Target: >= 1.7x with 2 workers on 2 free cores. Also times a conversion with
`overwrite=True` into a folder that already holds the data and a file of its owner: only the converter's
own entries are swapped in (one rename each), so it should cost what a fresh conversion costs.
"""
import argparse, os, shutil, tempfile, time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
from sam2nb.convert import convert_davis
from sam2nb.core import fixtures_path, have_fixtures

def timed(src, dst, workers, fresh=True, **kw):
    if fresh and dst.exists(): shutil.rmtree(dst)
    t0 = time.perf_counter()
    s = convert_davis(src, dst, workers=workers, quiet=True, **kw)
    return time.perf_counter() - t0, int(s.frames.sum())

def _busy(n):
    s = 0
    for i in range(n): s += i*i
    return s

def cpu_ceiling(workers, n=2_000_000, jobs=8):
    "Speed-up of a pure-Python busy loop on `workers` processes: what the machine allows right now."
    from concurrent.futures import ProcessPoolExecutor
    t0 = time.perf_counter(); [_busy(n) for _ in range(jobs)]; serial = time.perf_counter() - t0
    with ProcessPoolExecutor(workers) as ex:
        t0 = time.perf_counter(); list(ex.map(_busy, [n]*jobs)); pool = time.perf_counter() - t0
    return serial / pool

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if not have_fixtures("davis2016"): raise SystemExit("DAVIS-2016 fixtures not found (see shared/fixtures/README.md)")
    src = fixtures_path("davis2016")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        timed(src, d/"warm", 1)  # warm the page cache and imports
        res = {}
        for w in (1, args.workers):
            runs = [timed(src, d/f"w{w}", w) for _ in range(args.repeats)]
            res[w] = (min(t for t, _ in runs), runs[0][1])
            print(f"workers={w}: {res[w][1]} frames, best {res[w][0]:.2f} s, {res[w][1]/res[w][0]:.1f} frames/s")
        keep = d/f"w{args.workers}"/"notes.txt"; keep.write_text("the owner's file")
        # a different default split name makes it a different conversion, so it runs again and swaps its entries in
        over = min(timed(src, d/f"w{args.workers}", args.workers, fresh=False, default_split=f"all{r}", overwrite=True)[0]
                   for r in range(args.repeats))
        assert keep.read_text() == "the owner's file", "overwrite=True removed a file the conversion does not own"
        print(f"overwrite=True into the existing folder (workers={args.workers}): best {over:.2f} s; the owner's file kept")
    print(f"(a busy loop on {args.workers} processes gets {cpu_ceiling(args.workers):.2f}x on this machine now: the ceiling)")
    print(f"cores: {os.cpu_count()}; speed-up with {args.workers} workers: {res[1][0]/res[args.workers][0]:.2f}x")

if __name__ == "__main__":
    main()
