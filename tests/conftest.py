"""Test set-up: quick profile, private cache folders, and no network beyond 127.0.0.1."""

import os
import socket

import numpy as np
import pytest

os.environ["COURSE_PROFILE"] = "quick"
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _private_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    old = {k: os.environ.get(k) for k in ("COURSE_CACHE", "TORCH_HOME", "COURSE_DATA")}
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
    from helpers.models import load_vgg16

    return load_vgg16(pretrained=False, seed=0)


@pytest.fixture(scope="session")
def small_stimuli():
    from helpers.stimuli import schematic

    return schematic(n_per_category=6, size=48, seed=0)


def coloured_set(n_per_category=12, size=32, seed=0):
    """Images whose category is its dominant colour, with clutter: red, green, blue."""
    from helpers.stimuli import Preprocess, StimulusSet

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
                       Preprocess(resize=size, crop=size), _pixels=np.stack(pixels))


@pytest.fixture(scope="session")
def coloured():
    return coloured_set()
