"""The pets notebook's click segmenter in a real browser: JupyterLab on localhost, Chromium driven by playwright.

A person's path, end to end: open a notebook in JupyterLab, run the segmenter cell (`%matplotlib widget`,
`sam2nb.pets.click_segmenter` with the tiny model), click on the pet in the displayed figure, see the
mask drawn, and read back from the kernel, in a later cell, the click that was recorded.

    python -m pytest tests/browser -q        # or: python tests/browser/test_click.py

Needs Debian's `chromium` (/usr/bin/chromium, or SAM2NB_CHROMIUM) and the `playwright` package (its
own browser download is not used); skips with the reason when either is missing. Screenshots and the
server log are kept in SAM2NB_BROWSER_ARTIFACTS when that names a folder."""
from __future__ import annotations
import json, os, re, shutil, sys, tempfile, time
from pathlib import Path

import numpy as np
try: import pytest
except ImportError: pytest = None   # the script runs without it

sys.path.insert(0, str(Path(__file__).parent))
from lab import CHROMIUM, jupyter_lab, write_notebook

def missing() -> str|None:
    "Why the test cannot run here, or None."
    if not Path(CHROMIUM).is_file(): return f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set SAM2NB_CHROMIUM)"
    try: import playwright.sync_api  # noqa: F401
    except ImportError: return "the playwright package is not installed (pip install playwright; no browser download needed)"
    try: import ipympl, jupyterlab  # noqa: F401
    except ImportError as e: return f"{e.name} is not installed (pip install -e '.[dev]')"
    return None

def _output(page, cell:int, marker:str, timeout:float) -> dict:
    "The JSON printed after `marker` in a cell's output, waiting for it to appear."
    out = page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".jp-OutputArea")
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = out.inner_text() if out.count() else ""
        if m := re.search(marker + r" (\{.*\})", text): return json.loads(m.group(1))
        if "Traceback" in text or "Error" in text: raise AssertionError(f"cell {cell} failed:\n{text[-3000:]}")
        time.sleep(0.25)
    raise TimeoutError(f"no {marker!r} in the output of cell {cell} after {timeout:.0f} s")

def _run_cell(page, cell:int, tries:int=2):
    "Select a cell by clicking its prompt area (command mode), run it with Shift+Enter, and wait until it has started."
    prompt = page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".jp-InputPrompt")
    for _ in range(tries):
        prompt.click(); page.keyboard.press("Escape"); page.keyboard.press("Shift+Enter")
        deadline = time.time() + 30
        while time.time() < deadline:
            if re.search(r"\[(\*|\d+)\]", prompt.inner_text()): return   # queued, running or done
            time.sleep(0.25)
    raise TimeoutError(f"cell {cell} did not start after {tries} tries (prompt still {prompt.inner_text()!r})")

def _pixels(png:bytes) -> np.ndarray:
    from io import BytesIO
    from PIL import Image
    return np.asarray(Image.open(BytesIO(png)).convert("RGB"), np.int16)

def _round_trip(page, base:str, token:str) -> dict:
    "Open the notebook, run the segmenter, click the pet, run the state cell; returns what was seen."
    page.goto(f"{base}/lab/tree/click.ipynb?token={token}")
    page.locator(".jp-Notebook .jp-Cell").nth(1).wait_for(timeout=90_000)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=120_000)   # the kernel is up
    _run_cell(page, 0)
    target = _output(page, 0, "TARGET", timeout=240)
    canvas = page.locator(".jp-Notebook .jp-Cell").nth(0).locator(".jupyter-matplotlib-canvas-div canvas").last
    canvas.wait_for(timeout=60_000)
    time.sleep(1.0)   # the first picture reaches the canvas
    before = canvas.screenshot()
    box = canvas.bounding_box()
    canvas.click(position=dict(x=target["fx"] * box["width"], y=target["fy"] * box["height"]))
    # the kernel segments and redraws: wait until the canvas shows a different picture
    deadline, after = time.time() + 90, before
    differs = lambda a, b: a.shape != b.shape or np.abs(a - b).max() > 40
    while time.time() < deadline and not differs(_pixels(after), _pixels(before)):
        time.sleep(0.5); after = canvas.screenshot()
    a, b = _pixels(after), _pixels(before)
    changed = float((np.abs(a - b).max(-1) > 40).mean()) if a.shape == b.shape else 1.0
    _run_cell(page, 1)
    state = _output(page, 1, "STATE", timeout=90)
    return dict(target=target, state=state, changed_fraction=changed, before=before, after=after)

def run_click_test(artifacts:str|Path|None=None, # keep screenshots and the server log here (None: only on a failure, in a temp folder)
                  ) -> dict:
    "Run the whole browser round trip; returns what was measured, raises AssertionError when the widget misbehaves."
    from playwright.sync_api import sync_playwright
    t0 = time.time()
    root = Path(tempfile.mkdtemp(prefix="sam2nb_browser_"))
    write_notebook(root/"click.ipynb")
    seen, failed = {}, None
    try:
        with jupyter_lab(root) as (base, token), sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            try: seen = _round_trip(page, base, token)
            except Exception as e:   # keep what the browser showed, then fail with it
                failed = e
                artifacts = artifacts or tempfile.mkdtemp(prefix="sam2nb_browser_failure_")
                Path(artifacts).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(artifacts)/"failure.png"), full_page=True)
            else:
                if artifacts:
                    Path(artifacts).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(Path(artifacts)/"lab.png"), full_page=True)
            browser.close()
    finally:
        if artifacts: shutil.copy(root/".lab"/"lab.log", Path(artifacts)/"lab.log")
        shutil.rmtree(root, ignore_errors=True)
    if failed is not None:
        raise AssertionError(f"the browser round trip failed: {failed} (screenshot and server log in {artifacts})") from failed
    if artifacts:
        (Path(artifacts)/"before_click.png").write_bytes(seen["before"]); (Path(artifacts)/"after_click.png").write_bytes(seen["after"])
    target, state, changed = seen["target"], seen["state"], seen["changed_fraction"]
    prompts = state["prompts"]
    assert len(prompts) == 1 and prompts[0]["labels"] == [1], f"expected one positive click recorded, got {prompts}"
    (x, y), = prompts[0]["points"]
    assert abs(x - target["x"]) <= 2 and abs(y - target["y"]) <= 2, \
        f"the click landed at ({x:.1f}, {y:.1f}), not at the pet's centre ({target['x']:.1f}, {target['y']:.1f})"
    assert state["mask_pixels"] > 0, "the click was recorded but no mask was made"
    assert changed > 0.01, f"the figure did not change after the click (changed fraction {changed:.4f}): no mask was drawn"
    return dict(target=target, state=state, changed_fraction=changed, seconds=round(time.time() - t0, 1))

if pytest is not None:
    @pytest.mark.skipif(missing() is not None, reason=missing() or "")
    def test_click_segmenter_in_browser():
        res = run_click_test(os.environ.get("SAM2NB_BROWSER_ARTIFACTS"))
        print(json.dumps(res))

if __name__ == "__main__":
    if (why := missing()) is not None:
        print(f"skipped: {why}"); sys.exit(0)
    res = run_click_test(os.environ.get("SAM2NB_BROWSER_ARTIFACTS") or None)
    print(json.dumps(res, indent=1))
    print(f"browser click test: 1 passed, 0 failed ({res['seconds']} s)")
