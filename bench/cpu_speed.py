"""Predictor frames/s on the CPU: sam2nb's `VideoPredictor` against sam2's `SAM2VideoPredictor`.

Tiny SAM 2.1 with random weights (speed does not depend on the weights), one click on frame 0, forward
propagation over synthetic 540x960 JPEG frames. Each predictor runs in its own process, after a warm-up
(a 4-frame video through the same predictor), so neither pays the other's start-up. Reported:
end-to-end frames/s (init_state + click + every frame, as a user waits for them) and steady frames/s
(frames 3.. of the propagation). The CPU is usually shared: run it a few times and compare runs made
together (with OMP_NUM_THREADS=1: OpenMP threads spinning on a loaded machine cost several times over).

    OMP_NUM_THREADS=1 python bench/cpu_speed.py [--sizes 256 1024] [--frames 30] [--impls ours sam2] [--compile] [--before DIR] [--repeats 1]

`--before DIR` also runs sam2nb as found in DIR (a copy of an older `sam2nb/` package, e.g. before a change),
interleaved with the others so that the load of a shared machine hits all alike.
"""
import argparse, json, os, subprocess, sys, tempfile, time, warnings
os.environ.setdefault("TQDM_DISABLE", "1")
from pathlib import Path
import numpy as np
from PIL import Image

SKIP = 3

def write_frames(folder:Path, n:int, H:int=540, W:int=960):
    from sam2nb.testing import synthetic_frames
    folder.mkdir(parents=True, exist_ok=True)
    for t, f in enumerate(synthetic_frames(n, H, W, 0, periods=(17, 23))):
        Image.fromarray(f).save(folder / f"{t:05d}.jpg", quality=90)

def child(impl:str, folder:str, warm:str, size:int, compile_:bool):
    warnings.simplefilter("ignore")
    import torch
    from sam2nb.core import tiny_model
    if impl == "sam2": pred = tiny_model(image_size=size, video_predictor=True)
    else:
        from sam2nb.predict import VideoPredictor
        kw = dict(compile=True) if compile_ else {}
        pred = VideoPredictor.from_model(tiny_model(image_size=size), **kw)
    def run(path):
        t0 = time.perf_counter()
        state = pred.init_state(path)
        H, W = state["video_height"], state["video_width"]
        pred.add_new_points_or_box(state, 0, 1, points=np.array([[W * 0.55, H * 0.6]], np.float32),
                                   labels=np.array([1], np.int32))
        times = []
        for f, ids, logits in pred.propagate_in_video(state):
            (logits > 0).cpu(); times.append(time.perf_counter())
        n = len(times)
        return dict(frames=n, e2e=n / (times[-1] - t0),
                    steady=(n - SKIP - 1) / (times[-1] - times[SKIP]) if n > SKIP + 1 else None)
    with torch.inference_mode(): run(warm)   # warm-up: allocator, thread pools, compilation
    with torch.inference_mode(): res = run(folder)
    print("@@" + json.dumps(res), flush=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--impls", nargs="+", default=["ours", "sam2"])
    ap.add_argument("--compile", action="store_true", help="ours with compile=True")
    ap.add_argument("--before", default=None, help="a folder holding an older sam2nb package to run as well")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        impl, folder, warm, size, c = a.child
        return child(impl, folder, warm, int(size), c == "1")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_frames(tmp / "video", a.frames); write_frames(tmp / "warm", 4)
        print(f"{'size':>5} {'predictor':28} {'e2e fps':>8} {'steady fps':>11}")
        runs = [(impl, None) for impl in a.impls] + ([("ours", a.before)] if a.before else [])
        for size, _, (impl, path) in ((z, k, r) for z in a.sizes for k in range(a.repeats) for r in runs):
            env = dict(os.environ, PYTHONPATH=path) if path else None
            out = subprocess.run([sys.executable, __file__, "--child", impl, str(tmp / "video"), str(tmp / "warm"),
                                  str(size), "1" if a.compile else "0"], capture_output=True, text=True, env=env)
            line = [l for l in out.stdout.splitlines() if l.startswith("@@")]
            if not line: print(out.stderr[-2000:]); continue
            r = json.loads(line[0][2:])
            name = "sam2nb before" if path else {"ours": "sam2nb VideoPredictor" + (" compiled" if a.compile else ""),
                                                 "sam2": "sam2 SAM2VideoPredictor"}[impl]
            print(f"{size:>5} {name:28} {r['e2e']:>8.2f} {r['steady']:>11.2f}", flush=True)

if __name__ == "__main__":
    main()
