"""Which PyTorch build `make setup` installs (tools/torch_index.sh, called by the Makefile):
PyPI's with an NVIDIA GPU, else the CPU index's when it answers, else PyPI's; TORCH_INDEX
forces either. A server on 127.0.0.1 stands in for the CPU index, stand-in `nvidia-smi`s for
the GPU; nothing is installed (`make -n`)."""

import http.server
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from test_environment import pip_pins

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "torch_index.sh"
PINS = pip_pins("requirements-torch.txt")
PYPI_ARGS = f"-r {ROOT / 'requirements-torch.txt'}"


class _Index(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # a wheel index that knows torch
        self.send_response(200 if self.path.rstrip("/") == "/whl/cpu/torch" else 404)
        self.end_headers()
        self.wfile.write(b"<html><body><a href='torch-2.13.0+cpu-cp311.whl'>torch</a></body></html>")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def index_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
    server.shutdown()


@pytest.fixture
def closed_port_url():
    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/whl/cpu"


@pytest.fixture
def silent_url():
    """A server that accepts connections and never answers (a blackholed network)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield f"http://127.0.0.1:{s.getsockname()[1]}/whl/cpu"
    s.close()


@pytest.fixture
def run(tmp_path):
    """Run the script (or make) with a stand-in nvidia-smi: "gpu" works, "none" fails (as with
    no driver loaded); it shadows any real one."""
    def _run(gpu="none", cmd=None, **env):
        bin_dir = tmp_path / f"bin-{gpu}"
        bin_dir.mkdir(exist_ok=True)
        smi = bin_dir / "nvidia-smi"
        smi.write_text("#!/bin/sh\necho 'GPU 0: Stand-in (UUID: GPU-0)'\n" if gpu == "gpu"
                       else "#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
        smi.chmod(0o755)
        full_env = {"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path),
                    "PYTHON": sys.executable, "NVIDIA_PROC": str(tmp_path / "no-such-driver"), **env}
        return subprocess.run(cmd or ["bash", str(SCRIPT)], cwd=ROOT, env=full_env, capture_output=True,
                              text=True, timeout=60)
    return _run


def cpu_args(url):
    return f"--extra-index-url {url} torch=={PINS['torch']}+cpu torchvision=={PINS['torchvision']}+cpu"


def test_no_gpu_and_the_cpu_index_answers_gives_the_cpu_build(run, index_url):
    proc = run(TORCH_CPU_INDEX=index_url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == cpu_args(index_url)
    assert "no NVIDIA GPU found" in proc.stderr and "CPU-only" in proc.stderr


def test_no_gpu_and_no_cpu_index_falls_back_to_pypi(run, closed_port_url):
    proc = run(TORCH_CPU_INDEX=closed_port_url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == PYPI_ARGS
    assert f"{closed_port_url} could not be reached" in proc.stderr


def test_an_index_that_never_answers_costs_only_the_timeout(run, silent_url):
    proc = run(TORCH_CPU_INDEX=silent_url, TORCH_INDEX_TIMEOUT="1")  # run() gives up after 60 s
    assert proc.stdout.strip() == PYPI_ARGS and "waited up to 1 s" in proc.stderr


def test_a_gpu_gets_pypis_cuda_build_even_when_the_cpu_index_answers(run, index_url, tmp_path):
    proc = run("gpu", TORCH_CPU_INDEX=index_url)
    assert proc.stdout.strip() == PYPI_ARGS and "an NVIDIA GPU is present" in proc.stderr
    driver = tmp_path / "nvidia"  # a loaded driver without nvidia-smi on PATH
    driver.mkdir()
    proc = run(TORCH_CPU_INDEX=index_url, NVIDIA_PROC=str(driver))
    assert proc.stdout.strip() == PYPI_ARGS


def test_torch_index_forces_either(run, index_url, closed_port_url):
    proc = run("gpu", TORCH_INDEX="pypi", TORCH_CPU_INDEX=index_url)
    assert proc.stdout.strip() == PYPI_ARGS and "TORCH_INDEX=pypi" in proc.stderr
    # A forced index is not probed (here it would not answer) and its tag pins the build.
    proc = run("gpu", TORCH_INDEX=closed_port_url)
    assert proc.returncode == 0 and proc.stdout.strip() == cpu_args(closed_port_url)
    proc = run(TORCH_INDEX="https://download.pytorch.org/whl/cu126/")
    assert proc.stdout.strip() == (f"--extra-index-url https://download.pytorch.org/whl/cu126 "
                                   f"torch=={PINS['torch']}+cu126 torchvision=={PINS['torchvision']}+cu126")
    proc = run(TORCH_INDEX="https://example.org/simple")
    assert proc.returncode == 2 and proc.stdout == "" and "cannot tell the build" in proc.stderr


def test_pypi_pins_are_exact_builds():
    text = (ROOT / "requirements-torch.txt").read_text()
    assert re.search(r"^torch===\d", text, re.M), "torch===X: PyPI's build, never a local +cpu wheel"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("case", ["cpu", "gpu", "unreachable", "forced"])
def test_make_setup_installs_the_chosen_build(run, tmp_path, index_url, closed_port_url, case):
    """`make -n` prints the install commands without running them (the choice is made while
    make expands the recipe), for a virtual environment that does not exist yet."""
    venv = tmp_path / "venv"
    make = ["make", "-n", "setup", f"VENV={venv}", f"PYTHON={sys.executable}"]
    if case == "forced":
        make.append("TORCH_INDEX=pypi")
    cpu_index = closed_port_url if case == "unreachable" else index_url
    proc = run("gpu" if case == "gpu" else "none", cmd=make, TORCH_CPU_INDEX=cpu_index)
    assert proc.returncode == 0, proc.stderr
    installs = [l for l in proc.stdout.replace("\\\n", " ").splitlines() if "-m pip install" in l]
    torch_args = cpu_args(index_url) if case == "cpu" else PYPI_ARGS
    assert re.search(rf"-m pip install {re.escape(torch_args)}\s+-r requirements\.txt -c constraints\.txt",
                     installs[0]), installs
    assert "PyTorch: " in proc.stderr, "make must say which build it chose"
    assert not venv.exists(), "make -n must not create anything"
