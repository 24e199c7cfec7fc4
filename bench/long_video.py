"""Long-video memory and speed: sam2nb's VideoPredictor against sam2's SAM2VideoPredictor.

Tiny SAM 2.1 model (random weights) at 256 px on CPU, one click on frame 0, forward propagation over
100 and 1000 synthetic frames. Each configuration runs in its own subprocess so that RSS is its own:
memory = peak RSS during init_state + propagation minus RSS once the model is loaded. Prints sam2nb's
memory growth with video length, its memory and time per frame against the official predictor (each
with its target) and whether the masks are equal on every frame.

    OMP_NUM_THREADS=1 python bench/long_video.py [--frames 100 1000] [--size 256]
"""
import argparse, hashlib, os, tempfile, time, warnings
from pathlib import Path
import numpy as np
from PIL import Image
from sam2nb.testing import PeakMemory, print_result, run_child, synthetic_frames

def write_frames(folder, n, H=240, W=320, seed=0):
    "A textured disc moving slowly over a textured background, written as JPEGs 00000.jpg..."
    for t, f in enumerate(synthetic_frames(n, H, W, seed, periods=(17, 23))):
        Image.fromarray(f).save(Path(folder) / f"{t:05d}.jpg", quality=90)

def child(impl, folder, size):
    "One configuration: load the model, reset the peak, run, report JSON on stdout."
    warnings.simplefilter("ignore")
    import torch
    from sam2nb.core import tiny_model
    if impl == "official": pred = tiny_model(image_size=size, video_predictor=True)
    else:
        from sam2nb.predict import VideoPredictor
        pred = VideoPredictor.from_model(tiny_model(image_size=size))
    with PeakMemory(exact=True) as mem:  # the kernel's high-water mark, from the RSS with the model loaded
        t0 = time.perf_counter()
        state = pred.init_state(str(folder))
        t1 = time.perf_counter()
        H, W = state["video_height"], state["video_width"]
        pred.add_new_points_or_box(state, 0, 1, points=[[W / 2, H / 2 + H / 5]], labels=[1])
        hashes, t2 = [], time.perf_counter()
        for f, ids, logits in pred.propagate_in_video(state):
            hashes.append(hashlib.sha1(np.packbits((logits > 0).cpu().numpy()).tobytes()).hexdigest())
        t3 = time.perf_counter()
    n = state["num_frames"]
    print_result(dict(impl=impl, frames=n, mem_mb=mem.ram_mb, base_mb=mem.ram_start_mb, init_s=t1 - t0,
                      propagate_s=t3 - t2, per_frame_s=(t3 - t0) / n, hashes=hashes))

def run(impl, folder, size):
    return run_child(__file__, [impl, folder, size], env=dict(OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
                                                              TQDM_DISABLE="1"))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, nargs=2, default=[100, 1000])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--child", nargs=3)
    a = ap.parse_args()
    if a.child: return child(a.child[0], Path(a.child[1]), int(a.child[2]))
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.frames:
            folder = Path(tmp) / f"v{n}"; folder.mkdir(); write_frames(folder, n)
            for impl in ("official", "sam2nb"):
                r = res[impl, n] = run(impl, folder, a.size)
                print(f"{impl:8s} {n:5d} frames: +{r['mem_mb']:7.1f} MB, init {r['init_s']:6.1f} s, "
                      f"propagate {r['propagate_s']:7.1f} s, {1000 * r['per_frame_s']:6.1f} ms/frame", flush=True)
    small, big = a.frames
    grow = res["sam2nb", big]["mem_mb"] / res["sam2nb", small]["mem_mb"]
    vs_official = res["sam2nb", big]["mem_mb"] / res["official", big]["mem_mb"]
    speed = res["sam2nb", big]["per_frame_s"] / res["official", big]["per_frame_s"]
    equal = all(res["sam2nb", n]["hashes"] == res["official", n]["hashes"] for n in a.frames)
    print(f"sam2nb memory growth {small}->{big} frames: {grow:.2f}x (target <= 1.2)")
    print(f"sam2nb / official memory at {big} frames: {vs_official:.3f} (target <= 0.25)")
    print(f"sam2nb / official time per frame at {big} frames: {speed:.3f} (target <= 1.05)")
    print(f"masks equal on every frame: {equal}")

if __name__ == "__main__":
    main()
