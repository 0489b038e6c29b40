"""Test set-up: quick profile, private cache folders, and no network beyond 127.0.0.1."""

import os
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

os.environ["COURSE_PROFILE"] = "quick"
os.environ.setdefault("MPLBACKEND", "Agg")


#: Test files handed out first, longest first: the full-profile rehearsal (its postBuild alone takes
#: minutes) and the learner notebooks; ``make test`` keeps this order (--no-loadscope-reorder).
FIRST_FILES = ("test_rehearsal.py", "test_learner_notebooks.py")
#: ... and the files kept for after the other unit tests: the rehearsal's second half, which needs
#: the first half's postBuild (it waits for it), then nbval's teacher notebooks.
LATE_FILES = ("test_rehearsal_later.py",)


def pytest_collection_modifyitems(config, items):
    """Order the session's items by file as :data:`FIRST_FILES` and :data:`LATE_FILES` say (the
    rest keep their order): with two processes, the longest file starts at once and the other
    process works through the rest meanwhile, and the end is made of short files."""
    def rank(item) -> int:
        name = item.path.name
        if name in FIRST_FILES:
            return FIRST_FILES.index(name)
        if name in LATE_FILES:
            return len(FIRST_FILES) + 1
        return len(FIRST_FILES) + (2 if item.path.suffix == ".ipynb" else 0)

    items.sort(key=rank)  # stable: within a rank, pytest's order


class _TeacherNotebookCache:
    """nbval's kernels (the teacher editions, notebooks/teacher/) start with the environment of the
    test process when a notebook's first cell is set up: give them the cache the session's
    notebooks share (:func:`_private_dirs`) for that moment. Registered as a plugin, not written
    as conftest hooks, which would reach only the items under tests/."""

    key = pytest.StashKey["str | None"]()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        shared = os.environ.get("COURSE_TEST_NOTEBOOK_CACHE")
        if shared and item.path.suffix == ".ipynb":
            item.stash[self.key] = os.environ.get("COURSE_CACHE")
            os.environ["COURSE_CACHE"] = shared

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item):
        if self.key in item.stash:
            saved = item.stash[self.key]
            if saved is None:
                os.environ.pop("COURSE_CACHE", None)
            else:
                os.environ["COURSE_CACHE"] = saved


def pytest_configure(config):
    config.pluginmanager.register(_TeacherNotebookCache(), "course-teacher-notebook-cache")


@pytest.fixture(autouse=True, scope="session")
def _private_dirs(tmp_path_factory):
    """Private cache, weights and data folders for this process's tests; and one cache for the
    notebooks the session executes (the learner editions here, the teacher editions under nbval:
    :class:`_TeacherNotebookCache`), named by ``COURSE_TEST_NOTEBOOK_CACHE`` and shared by the
    xdist workers, so that the second edition of a notebook finds what the first computed, as a
    learner's second run does. Its entries are keyed by content (network, stimuli, settings), so
    sharing them never serves a stale result."""
    root = tmp_path_factory.mktemp("course")
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "notebook-cache"
    old = {k: os.environ.get(k) for k in ("COURSE_CACHE", "TORCH_HOME", "COURSE_DATA", "COURSE_TEST_NOTEBOOK_CACHE")}
    os.environ["COURSE_TEST_NOTEBOOK_CACHE"] = str(shared)
    os.environ["COURSE_CACHE"] = str(root / "cache")
    os.environ["TORCH_HOME"] = str(root / "torch")
    os.environ["COURSE_DATA"] = str(root / "data")
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Tests may talk to servers they start on loopback, never to the internet."""
    real = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")):
            raise OSError(f"test tried to reach {host}: tests must stay offline")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def vgg16():
    """An untrained VGG16 (seed 0), initialised here rather than written to the test cache."""
    from helpers.cnn.models import load_vgg16

    return load_vgg16(pretrained=False, seed=0, cache=False)


@pytest.fixture(scope="session")
def small_stimuli():
    from helpers.labels import PAPER_CATEGORIES
    from helpers.organism.world import measurement_stimuli

    return measurement_stimuli(n_per_category=6, size=48, seed=0, categories=PAPER_CATEGORIES)


def coloured_set(n_per_category=12, size=32, seed=0):
    """Images whose category is its dominant colour, with clutter: red, green, blue."""
    from helpers.stimuli.sets import Preprocess, StimulusSet

    rng = np.random.default_rng(seed)
    cats = ["red", "green", "blue"]
    pixels, labels = [], []
    for k in range(3):
        for _ in range(n_per_category):
            img = rng.integers(0, 90, (size, size, 3)).astype(np.uint8)
            y, x = rng.integers(0, size // 2, 2)
            img[y:y + size // 2, x:x + size // 2, k] = rng.integers(180, 256)
            pixels.append(img)
            labels.append(k)
    return StimulusSet(cats, np.array(labels), [f"gen:{i}" for i in range(len(labels))],
                       Preprocess(resize=size, crop=size), pixels=np.stack(pixels))


def jpeg_bytes(seed: int, size: int = 24) -> bytes:
    """A JPEG of seeded noise, ``size`` x ``size`` px: a stand-in photograph for download tests."""
    import io

    from PIL import Image

    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def coloured():
    return coloured_set()


# --------------------------------------------------------------------------- a local web server


@pytest.fixture
def direct_network(monkeypatch):
    """No pauses between download retries, no proxy between us and 127.0.0.1."""
    from helpers import download

    monkeypatch.setattr(download, "BACKOFF_SECONDS", 0.0)
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.files``; ``server.behaviour[path]`` can be an HTTP status to
    answer with, or a set of quirks: 'cut' (the first response stops halfway after
    announcing the full length), 'cut_always', 'ignore_range' (always 200), 'endless'
    (no length announced, the file's bytes repeated until the client hangs up)."""

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        how = srv.behaviour.get(self.path, set())
        if isinstance(how, int):
            self.send_error(how)
            return
        data = srv.files.get(self.path)
        if data is not None and "endless" in how:
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(data)
            except OSError:  # the client hung up, as it should
                return
        if data is None:
            self.send_error(404)
            return
        start, rng = 0, self.headers.get("Range")
        if rng and "ignore_range" not in how:
            start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = "cut_always" in how or ("cut" in how and self.path not in srv.cut_done)
        if cut:
            srv.cut_done.add(self.path)
            body = body[: len(body) // 2]
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture
def http_server():
    """A local HTTP server (127.0.0.1) serving ``srv.files`` (path -> bytes), misbehaving on
    request (``srv.behaviour``, see :class:`_Handler`); ``srv.requests`` lists (path, Range);
    ``srv.url(path)`` is the address of ``path`` (default: the server's root, a base URL)."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.files = {}
    srv.behaviour, srv.requests, srv.cut_done = {}, [], set()
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    srv.url = lambda path="": f"http://127.0.0.1:{srv.server_address[1]}{path}"
    yield srv
    srv.shutdown()
    srv.server_close()
