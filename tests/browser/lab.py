"""Helpers of the browser test: a throw-away JupyterLab server on localhost and the small notebook it opens.

The server runs in a temporary folder with its own settings, workspace and runtime folders (nothing in
the user's ~/.jupyter is read or written), on a free port, with a random token; `jupyter_lab` stops it
(and only it: the process group it started) when the block ends."""
from __future__ import annotations
import contextlib, json, os, secrets, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from pathlib import Path

import nbformat

CHROMIUM = os.environ.get("SAM2NB_CHROMIUM", "/usr/bin/chromium")   # Debian's `chromium` package

# The notebook a person would use: the ipympl backend, the segmenter on one synthetic pet photo with the
# tiny model's random weights (what is tested is the click round trip, not the mask's quality).
SEGMENTER_CELL = """\
%matplotlib widget
import json
import numpy as np
import matplotlib.pyplot as plt
from IPython.display import display
from sam2nb.core import tiny_model, weights_label
from sam2nb.pets import render_pet, next_click, click_segmenter

image, trimap = render_pet(np.random.default_rng(0), (120, 160), "cat")
model = tiny_model(image_size=128)
with plt.ioff():                 # shown once, by the display below
    w = click_segmenter(model, image, figsize=(4, 3))
(x, y), _ = next_click(trimap != 2)   # the pet's centre: where the browser will click
w.fig.canvas.draw()
px, py = w.ax.transData.transform((x, y))
print("TARGET " + json.dumps(dict(x=x, y=y, fx=px / w.fig.bbox.width, fy=1 - py / w.fig.bbox.height)))
print(weights_label(model))
display(w.fig.canvas)
"""

STATE_CELL = """\
print("STATE " + json.dumps(dict(prompts=w.prompts(), mask_pixels=int(w.segments.get(0, {}).get(1, np.zeros(1)).sum()),
                                 shape=list(image.shape[:2]))))
"""

def write_notebook(path:str|Path) -> Path:
    "The two-cell notebook the browser runs: the segmenter, then a cell that prints what the kernel recorded."
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SEGMENTER_CELL), nbformat.v4.new_code_cell(STATE_CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = Path(path); nbformat.write(nb, path)
    return path

def free_port() -> int:
    "A TCP port on 127.0.0.1 that nothing listens on right now."
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def _wait_for(url:str, proc, log:Path, timeout:float=90.0):
    start = time.time()
    while time.time() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200: return
        except (urllib.error.URLError, ConnectionError, TimeoutError): pass
        time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")

def _shutdown_kernels(base:str, token:str):
    "Ask the server to shut down every kernel it runs."
    headers = {"Authorization": f"token {token}"}
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{base}/api/kernels", headers=headers), timeout=10) as r:
            kernels = json.load(r)
        for k in kernels:
            urllib.request.urlopen(urllib.request.Request(f"{base}/api/kernels/{k['id']}", method="DELETE", headers=headers), timeout=30).close()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
        print(f"could not shut the kernels down through the server ({e}); stopping the server shuts them down too")

@contextlib.contextmanager
def jupyter_lab(root:str|Path, # the folder served (the notebook lives here); settings go to root/.lab
               ):
    "Start JupyterLab on a free localhost port with a random token; yields (base_url, token); stops it afterwards."
    root = Path(root).resolve()
    conf = root/".lab"
    settings = conf/"settings"/"@jupyterlab"/"apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    # no news or update checks: the test machine has no network, and their pop-ups would cover the page
    (settings/"notification.jupyterlab-settings").write_text(json.dumps(dict(fetchNews="false", checkForUpdates=False)))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(conf/"config"), JUPYTERLAB_SETTINGS_DIR=str(conf/"settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(conf/"workspaces"), JUPYTER_RUNTIME_DIR=str(conf/"runtime"),
               OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    port, token = free_port(), secrets.token_hex(16)
    log = conf/"lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                                 f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                                 f"--ServerApp.root_dir={root}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                                 "--LabApp.extension_manager=readonly"] + (["--allow-root"] if os.geteuid() == 0 else []),
                                cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/api/status?token={token}", proc, log)
        yield base, token
    finally:
        if proc.poll() is None:
            _shutdown_kernels(base, token)   # kernels run in sessions of their own: stop them through the server
            os.killpg(proc.pid, signal.SIGTERM)   # the server and the kernels it started: its own process group
            try: proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL); proc.wait()
