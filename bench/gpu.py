"""sam2nb on one GPU, in one command under 8 minutes (`bash bench/gpu.sh`; `--cpu-smoke` runs every path on the CPU).

Every model has random weights built from the official SAM 2.1 configs (no checkpoint can be downloaded there):
speed and memory do not depend on the weights, but masks and losses are meaningless, so nothing here says anything
about accuracy. bf16 autocast and TF32 on the GPU, as sam2 uses them.

1. Video predictor frames/s at 1024 px, 100 synthetic 1024x1024 JPEG frames, 1 and 3 objects clicked on frame 0:
   `sam2nb.predict.VideoPredictor` against sam2's `SAM2VideoPredictor`, and compiled: ours with `compile=True`
   against sam2's `SAM2VideoPredictorVOS` (`vos_optimized=True`; both `torch.compile(mode="max-autotune")` of the
   same modules), tiny and large. Each predictor runs in its own process, one after another, after a warm-up
   video (which also compiles); end-to-end = init_state (frame loading) + clicks + every frame, steady = frames
   after the first few. The compiled section also compares the compiled masks with the uncompiled ones.
2. Training steps/s and peak GPU memory at 1024 px, 8-frame clips, batch 1, the official prompt recipe:
   full fine-tune, frozen image encoder + `FeatureCache`, LoRA (`sam2nb.matting.add_lora`), tiny then large.
3. GPU memory of a 100- and a 2,000-frame video (tiny), each predictor with its default settings
   (sam2 keeps every frame and every frame's outputs on the GPU; sam2nb reads frames on demand and releases outputs).

Each section runs in its own process with its own time budget (killed when it overruns; a failing section prints
its traceback and the next one runs), in priority order under one overall deadline. Results: a table at the end,
and `$OUT/gpu_bench.json` (plus the full log `$OUT/gpu_bench.log`) when OUT is set.
"""
from __future__ import annotations
import argparse, json, os, shutil, sys, tempfile, threading, time, traceback
from pathlib import Path

LABEL = "random weights (official architecture)"
MODELS = {"tiny": "sam2.1_hiera_tiny", "large": "sam2.1_hiera_large"}
TAG = "@@gpu_bench "   # a child's result lines start with this
IMPLS = {"ours": "sam2nb VideoPredictor", "sam2": "sam2 SAM2VideoPredictor",
         "ours_compiled": "sam2nb VideoPredictor compile=True", "sam2_vos": "sam2 SAM2VideoPredictorVOS"}
SPEED = ("predict_tiny", "compiled_tiny", "predict_large", "compiled_large")   # one process at a time
MODES = {"full": "full fine-tune", "frozen_cache": "frozen encoder + FeatureCache", "lora": "LoRA r=8 + FeatureCache",
         "frozen": "frozen encoder, no cache"}

def settings(smoke:bool) -> dict:
    "Sizes, counts and time budgets (seconds) of a run; the sections are listed in priority order."
    if smoke:
        # compiled on the CPU: dynamo's full-graph capture with the eager backend (inductor takes many minutes there)
        return dict(smoke=True, size=256, short=6, long=12, warm=3, marks=[6, 12], skip=1, clip=4, videos=2, steps=2,
                    workers=1, total=900, min_section=10, objects=[1, 3], compare=4,
                    sections=[("predict_tiny", 200), ("compiled_tiny", 200), ("memory_long", 90), ("predict_large", 200),
                              ("compiled_large", 0), ("train_tiny", 150), ("train_large", 0)])
    return dict(smoke=False, size=1024, short=100, long=2000, warm=12, marks=[100, 500, 1000, 1500, 2000], skip=10, clip=8,
                videos=2, steps=6, workers=4, total=590, min_section=25, objects=[1, 3], compare=20,
                sections=[("predict_tiny", 90), ("compiled_tiny", 200), ("memory_long", 150), ("predict_large", 110),
                          ("compiled_large", 0), ("train_tiny", 100), ("train_large", 150)])

def section_specs(name:str, cfg:dict) -> list[list[dict]]:
    "The items of a section: a list of processes (run at the same time), each a list of items (run in order)."
    S, L = cfg["short"], cfg["long"]
    def speed(impls, model):   # each predictor in its own process, 1 and 3 objects after one warm-up each
        return [[dict(what="track", impl=i, model=model, frames=S, objects=k) for k in cfg["objects"]] for i in impls]
    if name == "predict_tiny": return speed(("ours", "sam2"), "tiny")
    if name == "predict_large": return speed(("ours", "sam2"), "large")
    if name == "compiled_tiny": return speed(("ours_compiled", "sam2_vos"), "tiny")
    if name == "compiled_large": return speed(("ours_compiled", "sam2_vos"), "large")
    # both predictors at once, each in its own process (GPU memory is per process): the 2,000-frame runs are
    # about memory, and running them together halves the time they take
    if name == "memory_long": return [[dict(what="track", impl=i, model="tiny", frames=L, objects=1, warm=False)]
                                      for i in ("ours", "sam2")]
    if name == "train_tiny": return [[dict(what="train", mode=m, model="tiny") for m in ("full", "frozen_cache", "lora", "frozen")]]
    if name == "train_large": return [[dict(what="train", mode=m, model="large") for m in ("frozen_cache", "lora", "full")]]
    raise ValueError(f"unknown section {name!r}")

# ---------------------------------------------------------------------------------------------------------------
# synthetic data (parent process: numpy and OpenCV only, no torch)
_BG = _TEX = None

def disc(t:int, S:int):
    "Centre and radius of the moving disc on frame t."
    import math
    return S / 2 + S / 4 * math.sin(t / 17), S / 2 + S / 5 * math.cos(t / 23), S / 6

def _write_frame(args):
    import cv2, numpy as np
    folder, t, S = args
    cx, cy, r = disc(t, S)
    yy, xx = np.ogrid[:S, :S]
    m = (xx - cx) ** 2 + (yy - cy) ** 2 < r ** 2
    f = _BG.copy(); f[m] = _TEX[m]
    cv2.imwrite(str(Path(folder) / f"{t:05d}.jpg"), f, [cv2.IMWRITE_JPEG_QUALITY, 90])

def make_frames(folder:Path, n:int, S:int, seed:int=0):
    "n S x S JPEGs 00000.jpg... of a textured disc moving over a textured background (distinct frames)."
    global _BG, _TEX
    import cv2, multiprocessing as mp, numpy as np
    rng = np.random.default_rng(seed)
    def texture(cells):  # smooth colour noise plus grain: JPEGs of a realistic size
        low = cv2.resize(rng.integers(0, 255, (cells, cells, 3), np.uint8), (S, S), interpolation=cv2.INTER_CUBIC)
        return np.clip(low.astype(np.int16) + rng.integers(-12, 12, (S, S, 3)), 0, 255).astype(np.uint8)
    _BG, _TEX = texture(16), texture(48)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(str(folder), t, S) for t in range(n)]
    with mp.get_context("fork").Pool(max(1, min(16, os.cpu_count() or 1))) as pool:
        pool.map(_write_frame, jobs, chunksize=16)

def link_frames(src:Path, dst:Path, n:int):
    "A folder holding the first n frames of src (hard links)."
    dst.mkdir(parents=True, exist_ok=True)
    for t in range(n):
        name = f"{t:05d}.jpg"
        try: os.link(src / name, dst / name)
        except OSError: shutil.copy2(src / name, dst / name)

# ---------------------------------------------------------------------------------------------------------------
# child process: one section's items
def emit(**row):
    print(TAG + json.dumps(row, default=str), flush=True)

def _cuda(dev): return dev.type == "cuda"

def _cleanup(dev):
    import gc, torch
    gc.collect()
    if _cuda(dev): torch.cuda.synchronize(); torch.cuda.empty_cache()

def _mib(x): return None if x is None else round(x / 2**20, 1)

def _r1(x): return None if x is None else round(x, 1)

_PREDICTORS = {}   # (impl, model) -> predictor, built once per process

def _smoke_compile():
    "On the CPU smoke run: every torch.compile call (ours and sam2's) captures with the eager backend."
    import torch
    if getattr(torch.compile, "_smoke", False): return
    orig = torch.compile
    def eager(fn=None, **kw):
        kw.pop("mode", None); kw["backend"] = "eager"
        return orig(fn, **kw) if fn is not None else (lambda f: orig(f, **kw))
    eager._smoke = True
    torch.compile = eager

def make_predictor(impl:str, model:str, size:int, dev, smoke:bool=False):
    "One of the four predictors over the official architecture with seeded random weights (the same weights for all)."
    import torch
    from sam2nb.core import build_model, resolve_config, stand_in_model
    config = resolve_config(MODELS[model])
    if smoke and impl in ("ours_compiled", "sam2_vos"): _smoke_compile()
    if impl in ("ours", "ours_compiled"):
        from sam2nb.predict import VideoPredictor
        base = stand_in_model(MODELS[model], image_size=size, device=dev, mode="eval", seed=0)
        return VideoPredictor.from_model(base, compile=impl == "ours_compiled"), {}
    if impl == "sam2":
        return build_model(config, image_size=size, device=dev, mode="eval", video_predictor=True, seed=0), {}
    if impl == "sam2_vos":
        import inspect
        from sam2.build_sam import build_sam2_video_predictor
        if "vos_optimized" not in inspect.signature(build_sam2_video_predictor).parameters:
            return None, dict(unsupported="this sam2's build_sam2_video_predictor has no vos_optimized argument")
        t0 = time.perf_counter()
        with torch.random.fork_rng(devices=[]):   # the same weights as build_model(seed=0)
            torch.manual_seed(0)
            pred = build_sam2_video_predictor(config, None, device=dev, mode="eval", vos_optimized=True,
                                              hydra_overrides_extra=[f"++model.image_size={size}"])
        return pred, dict(build_s=round(time.perf_counter() - t0, 2),
                          note="vos_optimized compiles image encoder, memory attention/encoder, prompt encoder and "
                               "mask decoder with torch.compile(mode='max-autotune'); the warm-up compiles")
    raise ValueError(impl)

def clicks(W:int, k:int) -> list:
    "k click points: the disc on frame 0, then fixed points of the background."
    cx, cy, r = disc(0, W)
    return [(cx, cy + r / 2), (W * 0.1, W * 0.1), (W * 0.9, W * 0.85)][:k]

def run_video(pred, folder:str, k:int, deadline:float, marks=(), mem=None, keep:int=0, dev=None, stop_after=None) -> dict:
    "init_state, k clicks on frame 0, propagate: times, GPU memory at the marks, the first `keep` frames' masks."
    import numpy as np, torch
    cuda = dev is not None and _cuda(dev)
    t0 = time.perf_counter()
    state = pred.init_state(folder)
    if cuda: torch.cuda.synchronize()
    t_init = time.perf_counter()
    after_init = mem.gpu_now() if (mem is not None and cuda) else None
    for o, (x, y) in enumerate(clicks(state["video_width"], k), 1):
        pred.add_new_points_or_box(state, 0, o, points=np.array([[x, y]], np.float32), labels=np.array([1], np.int32))
    times, mem_at, masks, stopped, pixels = [], {}, [], None, 0
    for f, ids, logits in pred.propagate_in_video(state):
        m = (logits > 0).cpu()   # what a caller does with every frame: the frame's one wait for the GPU
        times.append(time.perf_counter()); pixels += int(m.sum())
        if len(masks) < keep: masks.append(m)
        if len(times) in marks and cuda: mem_at[len(times)] = _r1(mem.gpu_peak())
        if time.time() > deadline:
            stopped = f"stopped by the section's time budget after {len(times)} of {state['num_frames']} frames"; break
        if stop_after is not None and len(times) >= stop_after: break
    return dict(t0=t0, init_s=t_init - t0, times=times, mem_at=mem_at, masks=masks, stopped=stopped, pixels=pixels,
                num_frames=state["num_frames"], after_init=after_init)

def track(item:dict, spec:dict, dev) -> dict:
    "A warm-up video (compiling, for the compiled predictors), then the timed one: frames/s and GPU memory above the weights."
    from sam2nb.core import autocast
    from sam2nb.testing import PeakMemory
    cfg = spec["cfg"]
    key = (item["impl"], item["model"])
    if key not in _PREDICTORS: _PREDICTORS[key] = make_predictor(item["impl"], item["model"], cfg["size"], dev, cfg["smoke"])
    pred, info = _PREDICTORS[key]
    if pred is None: return info
    folder, deadline, skip, k = spec["frames"][str(item["frames"])], spec["deadline"], cfg["skip"], item["objects"]
    cuda = _cuda(dev)
    res = dict(info)
    if item.get("warm", True):   # the same predictor and object count on a short video: allocator, kernels, compilation
        tw = time.perf_counter()
        with autocast(dev): run_video(pred, spec["frames"]["warm"], k, deadline, dev=dev)
        res["warmup_s"] = round(time.perf_counter() - tw, 1)
        emit(kind="progress", **item, phase=f"warm-up done in {res['warmup_s']} s", at_s=res["warmup_s"])
    _cleanup(dev)
    keep = cfg["compare"] if item["impl"] == "ours_compiled" else 0
    with PeakMemory(dev, interval=None) as mem, autocast(dev):   # GPU memory above the weights; no RSS sampling
        res["weights_mib"] = _r1(mem.gpu_start_mb) if cuda else None
        r = run_video(pred, folder, k, deadline, [m for m in cfg["marks"] if m <= item["frames"]], mem, keep, dev)
        if cuda: import torch; torch.cuda.synchronize()
        te = time.perf_counter()
    times, done = r["times"], len(r["times"])
    res.update(init_s=round(r["init_s"], 2), num_frames=r["num_frames"], frames_tracked=done, propagate_s=round(te - r["t0"] - r["init_s"], 2),
               fps_steady=round((done - skip - 1) / (times[-1] - times[skip]), 2) if done > skip + 2 else None,
               fps_end_to_end=round(done / (te - r["t0"]), 2) if done else None,
               after_init_mib=_r1(r["after_init"]), peak_mib=_r1(mem.gpu_mb), peak_mib_at_frame=r["mem_at"],
               peak_reserved_mib=_r1(mem.gpu_reserved_mb), mask_pixels_total=r["pixels"])
    if r["stopped"]: res["stopped"] = r["stopped"]
    if keep and r["masks"]:   # the compiled masks against the same predictor uncompiled, same weights and inputs
        from sam2nb.predict import VideoPredictor
        plain = VideoPredictor.from_model(pred.__dict__["_model"])
        with autocast(dev): ref = run_video(plain, folder, k, deadline, keep=keep, dev=dev, stop_after=keep)["masks"]
        res["compiled_vs_plain_flipped"] = max(float((a != b).float().mean()) for a, b in zip(r["masks"], ref))
    return res

def train(item:dict, spec:dict, dev) -> dict:
    "Trainer steps/s after one warm-up pass (which also fills the feature cache), and peak GPU memory."
    from sam2nb.core import build_model, resolve_config
    from sam2nb.data import VOSDataset
    from sam2nb.testing import PeakMemory
    from sam2nb.train import Checkpointer, SaveCurves, Trainer, count_trainable
    cfg, mode = spec["cfg"], item["mode"]
    ds = VOSDataset(spec["vos"], num_frames=cfg["clip"], image_size=cfg["size"], max_objects=2)
    _cleanup(dev)
    with PeakMemory(dev, interval=None) as mem:   # GPU memory from before the model is built
        model = build_model(resolve_config(MODELS[item["model"]]), image_size=cfg["size"], device=dev, mode="train", seed=0)
        warm = len(ds)   # one pass over the videos (each exactly one clip long): the cache is full after it
        kw = dict(steps=warm + cfg["steps"] + 1, progress=False, tensorboard=False, device=dev, num_workers=cfg["workers"], seed=0)
        if mode == "frozen_cache": kw.update(freeze_parts="image_encoder", cache=True)
        elif mode == "frozen": kw.update(freeze_parts="image_encoder")
        elif mode == "lora":   # as sam2nb.matting.train_matting sets it up
            from sam2nb.matting import add_lora
            add_lora(model)
            kw.update(vision_lr=None, layer_decay=None, weight_decay=0.0, cache=True)
        elif mode != "full": raise ValueError(mode)
        with tempfile.TemporaryDirectory(dir=spec["work"]) as out:
            # checkpoint writes (GBs for large) and the curves figure are not what is measured
            t = Trainer(model, ds, None, out, **kw).remove_cbs(Checkpointer, SaveCurves)
            t0 = time.perf_counter(); t.fit(until=warm); warm_s = time.perf_counter() - t0
            per_step = warm_s / warm
            room = spec["deadline"] - time.time() - 3
            steps = max(2, min(cfg["steps"], int(room / max(per_step, 1e-3)) - 2))
            t.fit(until=warm + steps + 1)
            sec = [h["seconds"] for h in t.history[warm:]]   # time after each step; the first (loader start) is excluded
    sps = (len(sec) - 1) / (sec[-1] - sec[0])
    return dict(trainable=count_trainable(model), total_params=sum(p.numel() for p in model.parameters()),
                warmup_steps=warm, warmup_s=round(warm_s, 2), timed_steps=len(sec) - 1, steps_per_s=round(sps, 3),
                s_per_step=round(1 / sps, 3), clip_frames=cfg["clip"], batch=1, prompts="official recipe",
                loss_last=round(t.history[-1]["loss"], 4),
                peak_mib=_r1(mem.gpu_mb), peak_reserved_mib=_r1(mem.gpu_reserved_mb))

def child(spec:dict):
    import warnings
    warnings.filterwarnings("ignore", category=UserWarning)   # sam2 warns on every frame without its C extension
    import importlib.metadata as md, platform, torch
    from sam2nb.core import get_device
    dev = get_device("cuda" if spec["cfg"]["cuda"] else "cpu", verbose=False)   # TF32 on for Ampere and newer
    meta = dict(python=platform.python_version(), torch=torch.__version__, cuda=torch.version.cuda,
                sam2=md.version("sam2"), device=str(dev), cpu_threads=torch.get_num_threads())
    if _cuda(dev):
        p = torch.cuda.get_device_properties(0)
        meta.update(gpu=p.name, gpu_mib=_mib(p.total_memory), tf32=torch.backends.cuda.matmul.allow_tf32,
                    bf16_autocast=torch.cuda.is_bf16_supported())
    emit(kind="meta", **meta)
    for item in spec["items"]:
        if time.time() > spec["deadline"] - 3:
            emit(kind="item", **item, skipped="no time left in the section's budget"); continue
        t0 = time.time()
        try: res = (track if item["what"] == "track" else train)(item, spec, dev)
        except Exception as e:
            traceback.print_exc()
            res = dict(error=f"{type(e).__name__}: {str(e)[:400]}")
        emit(kind="item", **item, **res, wall_s=round(time.time() - t0, 1))
        _cleanup(dev)

# ---------------------------------------------------------------------------------------------------------------
# parent: sections under budgets, the table, the JSON
class Log:
    "Console output, with long child logs cut (the full log goes to a file when there is one)."
    def __init__(self, path):
        self.f = open(path, "w") if path else None
        self.lock, self.count = threading.Lock(), {}
    def __call__(self, line:str, section:str|None=None):
        with self.lock:
            if self.f: self.f.write(line + "\n"); self.f.flush()
            if section is not None:
                n = self.count[section] = self.count.get(section, 0) + 1
                if n == 120: print(f"[{section}] ... (more output in the log file)", flush=True)
                if n >= 120 and "Traceback" not in line and "Error" not in line: return
                line = f"[{section}] {line[:300]}"
            print(line, flush=True)

def run_section(name:str, procs:list, budget:float, spec:dict, log:Log) -> dict:
    "Run a section's processes together; kill them all (their whole process groups) when the budget is spent."
    from sam2nb.testing import Child   # here: the parent writes the frames (forked workers) before importing torch
    t0 = time.time()
    deadline = t0 + budget
    rows, metas, progress = [], [], []
    def read(line):
        if line.startswith(TAG):
            try:
                row = json.loads(line[len(TAG):])
                {"meta": metas, "item": rows, "progress": progress}[row.pop("kind")].append(row)
            except Exception as e: log(f"unreadable result line ({e})", name)
        log(line, name)
    # a shared CPU: OpenMP spinning costs 5x
    env = {} if spec["cfg"]["cuda"] else dict(OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    # soft stop inside the child, before the hard kill (of the child and all it started) at the deadline
    def start(items): return Child(__file__, [json.dumps(dict(spec, items=items, deadline=deadline - 4))], env=env, on_line=read)
    if name in SPEED:   # timings: one process at a time, each alone on the GPU
        children, codes = [], []
        for items in procs:
            if time.time() > deadline - 5: break
            children.append(start(items)); codes.append(children[-1].wait(timeout=max(0.1, deadline - time.time())))
    else:
        children = [start(items) for items in procs]
        codes = [c.wait(timeout=max(0.1, deadline - time.time())) for c in children]
    killed = any(c.killed for c in children)
    def key(r): return json.dumps({k: r.get(k) for k in ("impl", "mode", "model", "frames", "objects")})
    done = {key(r) for r in rows}
    for items in procs:   # items that never reported: the process died or was killed on them
        for it in items:
            if key(it) not in done:
                last = [f"{r['phase']} at {r['at_s']} s" for r in progress if key(r) == key(it)]
                rows.append(dict(it, error=(f"killed at the section's time budget ({budget:.0f} s)" if killed
                                            else f"no result (process exit codes {codes})")
                                           + (f"; last progress: {last[-1]}" if last else "")))
    status = "timed out" if killed else ("ok" if all(c == 0 for c in codes) else f"exit codes {codes}")
    return dict(status=status, budget_s=round(budget), seconds=round(time.time() - t0, 1), meta=metas[:1], results=rows)

def fmt(x, nd=1):
    if x is None: return "-"
    return f"{x:,.{nd}f}" if isinstance(x, float) else str(x)

def table(report:dict) -> str:
    cfg, secs, meta = report["settings"], report["sections"], report.get("meta") or {}
    S = cfg["size"]
    out = [f"== sam2nb GPU benchmark -- {LABEL}: speed and memory only, no accuracy ==",
           f"device {meta.get('gpu', meta.get('device', '?'))}, torch {meta.get('torch')}, CUDA {meta.get('cuda')}, "
           f"sam2 {meta.get('sam2')}, python {meta.get('python')}; bf16 autocast + TF32 on CUDA" + (" (CPU smoke run)" if cfg["smoke"] else "")]
    def status_lines(names):
        for n in names:
            if n in secs and secs[n]["status"] not in ("ok", "skipped"):
                out.append(f"   section {n}: {secs[n]['status']} (budget {secs[n].get('budget_s')} s, ran {secs[n].get('seconds')} s)")
    def err(r):
        return r.get("unsupported") or r.get("skipped") or r.get("error")
    def section(names, key, labels, line):
        "One row per result of the named sections (its error, or `line(r)`), then their status lines."
        for r in (r for n in names for r in secs.get(n, {}).get("results", [])):
            e, name = err(r), labels.get(r.get(key), r.get(key))
            out.append(f"{r['model']:6} {name:30} " + (e or line(r)))
        status_lines(names)
    out.append(f"\nVideo predictor ({LABEL}): {S} px, {cfg['short']} synthetic {S}x{S} JPEG frames, 1 or 3 objects clicked on "
               f"frame 0, each predictor in its own process after a {cfg['warm']}-frame warm-up; fps steady = frames {cfg['skip']}.. ; "
               "end-to-end = init (frame loading) + clicks + all frames; GPU MiB above the weights"
               + ("; compiled = dynamo's full-graph capture, eager backend (CPU smoke)" if cfg["smoke"] else ""))
    out.append(f"{'model':6} {'predictor':36} {'obj':>3} {'init s':>7} {'fps steady':>11} {'fps e2e':>8} {'peak GPU MiB':>13} {'warm-up s':>9}")
    for r in (r for n in SPEED for r in secs.get(n, {}).get("results", [])):
        e, name = err(r), IMPLS.get(r.get("impl"), r.get("impl"))
        out.append(f"{r['model']:6} {name:36} {r.get('objects', 1):>3} " + (e or (
            f"{fmt(r.get('init_s'), 2):>7} {fmt(r.get('fps_steady')):>11} {fmt(r.get('fps_end_to_end')):>8} "
            f"{fmt(r.get('peak_mib')):>13} {fmt(r.get('warmup_s')):>9}"
            + (f"  masks vs uncompiled: {r['compiled_vs_plain_flipped']:.2e} of pixels flipped" if "compiled_vs_plain_flipped" in r else "")
            + (f"  [{r['stopped']}]" if r.get("stopped") else ""))))
    status_lines(SPEED)
    def ratio(sec, a, b, k, what):
        rows = {(r.get("impl"), r.get("model"), r.get("objects")): r for n in sec for r in secs.get(n, {}).get("results", [])}
        got = [(m, o, rows[(a, m, o)].get(k), rows[(b, m, o)].get(k)) for m in MODELS for o in cfg["objects"]
               if (a, m, o) in rows and (b, m, o) in rows]
        return [f"{m} {o} obj {what} {x / y:.2f}x" for m, o, x, y in got if x and y]
    ratios = (ratio(SPEED, "ours", "sam2", "fps_end_to_end", "e2e") + ratio(SPEED, "ours", "sam2", "fps_steady", "steady")
              + ratio(SPEED, "ours_compiled", "sam2_vos", "fps_steady", "compiled steady"))
    if ratios: out.append("ours / sam2: " + "; ".join(ratios))
    out.append(f"\nTraining ({LABEL}): {S} px, {cfg['clip']}-frame clips, batch 1, official prompt recipe and loss, AdamW, bf16 autocast; "
               "steps/s after one warm-up pass; peak GPU MiB = weights + grads + AdamW state + activations")
    out.append(f"{'model':6} {'mode':30} {'trainable':>12} {'steps/s':>8} {'s/step':>7} {'peak GPU MiB':>13}")
    section(("train_tiny", "train_large"), "mode", MODES, lambda r:
            f"{r['trainable']:>12,} {fmt(r['steps_per_s'], 2):>8} {fmt(r['s_per_step'], 2):>7} "
            f"{fmt(r.get('peak_mib')):>13}   ({r['timed_steps']} timed steps)")
    out.append(f"\nGPU memory against video length ({LABEL}): tiny, {S} px, default settings of each predictor "
               "(MiB above the weights; the long runs ran both predictors at the same time, so their fps are not comparable)")
    out.append(f"{'frames':>6} {'predictor':30} {'peak GPU MiB':>13} {'after init':>11} {'fps e2e':>8}  peak at frame")
    rows = [r for r in secs.get("predict_tiny", {}).get("results", []) if r.get("objects", 1) == 1] + secs.get("memory_long", {}).get("results", [])
    for r in rows:
        e = err(r)
        name = IMPLS.get(r.get("impl"), r.get("impl"))
        if e: out.append(f"{r['frames']:>6} {name:30} {e}"); continue
        at = ", ".join(f"{k}: {fmt(v, 0)}" for k, v in (r.get("peak_mib_at_frame") or {}).items())
        out.append(f"{r['frames']:>6} {name:30} {fmt(r.get('peak_mib')):>13} {fmt(r.get('after_init_mib')):>11} "
                   f"{fmt(r.get('fps_end_to_end')):>8}  {at}" + (f"  [{r['stopped']}]" if r.get("stopped") else ""))
    status_lines(("memory_long",))
    out.append(f"\n({LABEL}; total {report['seconds']} s)")
    return "\n".join(out)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpu-smoke", action="store_true", help="tiny at 256 px on the CPU, a few frames and steps")
    ap.add_argument("--only", default=None, help="comma-separated section names to run (default: all)")
    ap.add_argument("--budget", action="append", default=[], metavar="SECTION=SECONDS", help="override a section's budget")
    ap.add_argument("--total", type=float, default=None, help="overall seconds, counted from bench/gpu.sh's start")
    ap.add_argument("--json", default=None, help="where to write the results (default: $OUT/gpu_bench.json when OUT is set)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child is not None: return child(json.loads(a.child))

    t_start = float(os.environ.get("GPU_BENCH_T0") or time.time())
    cfg = settings(a.cpu_smoke)
    if a.total: cfg["total"] = a.total
    budgets = dict(cfg["sections"])
    for b in a.budget:
        k, v = b.split("=")
        if k not in budgets: ap.error(f"unknown section {k!r}: use one of {list(budgets)}")
        budgets[k] = float(v)
    only = set(a.only.split(",")) if a.only else None
    if only and only - set(budgets): ap.error(f"unknown section(s) {sorted(only - set(budgets))}: use {list(budgets)}")
    cfg["cuda"] = not a.cpu_smoke
    out_dir = os.environ.get("OUT")
    json_path = a.json or (str(Path(out_dir) / "gpu_bench.json") if out_dir else None)
    log = Log(str(Path(out_dir) / "gpu_bench.log") if out_dir else None)
    work = Path(tempfile.mkdtemp(prefix="sam2nb_gpu_"))
    report = dict(label=LABEL, settings={k: v for k, v in cfg.items() if k != "sections"}, budgets=budgets, sections={})
    try:
        S, t0 = cfg["size"], time.time()
        make_frames(work / "long", cfg["long"], S)
        link_frames(work / "long", work / "short", cfg["short"])
        make_frames(work / "warm", cfg["warm"], S, seed=1)
        from sam2nb.convert import make_synthetic_vos
        import torch   # the parent only asks whether there is a GPU (no CUDA context): the children use it
        if cfg["cuda"] and not torch.cuda.is_available():
            sys.exit("bench/gpu.py: no CUDA device here; use --cpu-smoke for the CPU check of every code path")
        make_synthetic_vos(work / "vos", n_videos=cfg["videos"], n_frames=cfg["clip"], size=(S, S), n_objects=2, seed=0)
        log(f"data: {cfg['long']} frames {S}x{S} and {cfg['videos']} training videos of {cfg['clip']} frames in "
            f"{time.time() - t0:.1f} s; {time.time() - t_start:.1f} s since start")
        spec = dict(cfg=cfg, work=str(work), vos=str(work / "vos"),
                    frames={str(cfg["short"]): str(work / "short"), str(cfg["long"]): str(work / "long"), "warm": str(work / "warm")})
        for name, cap in cfg["sections"]:
            cap = budgets[name]
            if only is not None and name not in only: continue
            left = t_start + cfg["total"] - time.time()
            budget = min(cap, left - 5)
            if cap <= 0 or budget < cfg["min_section"]:
                why = "budget 0 for this run" if cap <= 0 else f"only {left:.0f} s left of the overall {cfg['total']:.0f} s"
                report["sections"][name] = dict(status="skipped", reason=why, results=[
                    dict(it, skipped=f"section skipped: {why}") for items in section_specs(name, cfg) for it in items])
                log(f"== {name}: skipped ({why})"); continue
            log(f"== {name}: budget {budget:.0f} s ({time.time() - t_start:.0f} s since start)")
            try: res = run_section(name, section_specs(name, cfg), budget, spec, log)
            except Exception as e:
                log(traceback.format_exc())
                res = dict(status=f"failed: {type(e).__name__}: {e}", results=[])
            report["sections"][name] = res
            if res.get("meta") and "meta" not in report: report["meta"] = res["meta"][0]
            log(f"== {name}: {res['status']} in {res.get('seconds')} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        report["seconds"] = round(time.time() - t_start, 1)
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(json_path).with_suffix(".json.part")
            tmp.write_text(json.dumps(report, indent=1, default=str)); tmp.replace(json_path)
    log("\n" + table(report))
    if json_path: log(f"results: {json_path}")

if __name__ == "__main__":
    main()
