"""helpers.edge.envcheck: known answers on a machine we control (offline, private folders)."""

import importlib.util

import pytest

from helpers.edge import envcheck


def items_by_name(items):
    return {name: (ok, message) for name, ok, message in items}


def never_called(url, timeout):
    raise AssertionError("the quick profile must not touch the network")


@pytest.fixture
def empty_torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path / "torch"


def test_every_item_in_order(empty_torch_home):
    items = envcheck.check_environment(probe=never_called)
    assert [name for name, _, _ in items] == list(envcheck.ITEMS)
    for name, ok, message in items:
        assert isinstance(ok, bool) and isinstance(message, str) and message, name


def test_quick_profile_without_weights_names_the_fix_and_stays_offline(empty_torch_home):
    ok, message = items_by_name(envcheck.check_environment(probe=never_called))["pretrained weights"]
    assert not ok
    assert "quick profile does not need them" in message
    assert "load_vgg16()" in message and "vgg16-397923af.pth" in message
    assert str(empty_torch_home / "hub" / "checkpoints") in message


def test_cached_weights_are_found(empty_torch_home):
    path, _ = envcheck.weights_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\0" * 1024)
    ok, message = items_by_name(envcheck.check_environment(probe=never_called))["pretrained weights"]
    assert ok and str(path) in message


def test_full_profile_unreachable_weights(empty_torch_home, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    asked = []

    def offline(url, timeout):
        asked.append((url, timeout))
        return "no route to host"

    items = items_by_name(envcheck.check_environment(probe=offline))
    ok, message = items["pretrained weights"]
    assert not ok and "no route to host" in message and "UNTRAINED" in message
    assert "load_vgg16()" in message
    assert asked and asked[0][0].endswith("vgg16-397923af.pth") and asked[0][1] <= 10
    assert items["profile"][0] and items["profile"][1].startswith("full")


def test_full_profile_reachable_weights(empty_torch_home, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    ok, message = items_by_name(envcheck.check_environment(probe=lambda url, t: None))["pretrained weights"]
    assert ok and "downloads them" in message


def test_default_probe_fails_cleanly_offline(monkeypatch):
    # conftest blocks every connection beyond loopback: the real probe must report, not raise.
    # (An address without a host name, so no DNS lookup can make the test wait.)
    reason = envcheck._probe("http://192.0.2.1/models/vgg16-397923af.pth", 2)
    assert isinstance(reason, str) and reason


def test_full_profile_without_photos(empty_torch_home, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_PROFILE", "full")
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    ok, message = items_by_name(envcheck.check_environment(probe=lambda url, t: None))["stimuli"]
    assert not ok and "fetch_demo()" in message and "COURSE_PROFILE=quick" in message


def test_quick_profile_stimuli_need_nothing(empty_torch_home, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "data"))
    ok, message = items_by_name(envcheck.check_environment(probe=never_called))["stimuli"]
    assert ok and "drawings" in message and "does not need" in message


def test_unknown_profile(empty_torch_home, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    ok, message = items_by_name(envcheck.check_environment(probe=lambda url, t: "offline"))["profile"]
    assert not ok and "'fast'" in message and "quick" in message and "full" in message


def test_unwritable_cache(empty_torch_home, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COURSE_CACHE", str(blocker / "cache"))
    ok, message = items_by_name(envcheck.check_environment(probe=never_called))["cache folder"]
    assert not ok and "COURSE_CACHE" in message


def test_missing_widget_frontend(empty_torch_home, monkeypatch):
    real = envcheck._version
    monkeypatch.setattr(envcheck, "_version", lambda d: None if d == "jupyterlab_widgets" else real(d))
    ok, message = items_by_name(envcheck.check_environment(probe=never_called))["widgets"]
    assert not ok and "jupyterlab_widgets" in message and "restart JupyterLab" in message
    assert "as text" in message


def test_missing_package_stops_early(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(envcheck.importlib.util, "find_spec",
                        lambda name, *a: None if name == "seaborn" else real(name, *a))
    items = envcheck.check_environment(probe=never_called)
    named = items_by_name(items)
    assert not named["packages"][0] and "seaborn" in named["packages"][1] and "make setup" in named["packages"][1]
    assert [n for n, _, _ in items] == list(envcheck.ITEMS)


def test_no_gpu_is_fine(empty_torch_home, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    ok, message = items_by_name(envcheck.check_environment(probe=never_called))["GPU"]
    assert ok and "CPU" in message and "minute" in message


def test_report_text():
    items = [("profile", True, "quick"), ("pretrained weights", False, "not cached; copy the file")]
    text = envcheck.format_report(items)
    lines = text.splitlines()
    assert lines[0].startswith("✓ profile") and lines[1].startswith("✗ pretrained weights")
    assert "1 item(s) to look at: pretrained weights" in text
    assert envcheck.format_report(items[:1]).endswith("All set.")
