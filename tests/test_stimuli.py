"""Stimulus folders, bad inputs, preprocessing, sets in memory."""

import io

import numpy as np
import pytest
from PIL import Image

from helpers.stimuli import sets as stimuli
from helpers.stimuli.sets import Preprocess, load_folder
from helpers.labels import PAPER_CATEGORIES
from helpers.organism.world import measurement_stimuli


def _png(path, size=(40, 30), colour=(200, 30, 30), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)
    return path


def _jpeg_bytes(size=(64, 48)):
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture
def messy_folder(tmp_path):
    root = tmp_path / "stimuli"
    for i in range(3):
        _png(root / "face" / f"f{i}.png", colour=(220, 180, 150))
    _png(root / "car" / "c0.png", colour=(20, 20, 200))
    (root / "car" / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg" * 10)
    (root / "car" / "truncated.jpg").write_bytes(_jpeg_bytes()[:400])
    (root / "car" / "empty.png").write_bytes(b"")
    (root / "car" / "notes.txt").write_text("stimulus notes")
    _png(root / "car" / "tiny.png", size=(8, 8))
    _png(root / "car" / "gray.png", mode="L", colour=128)
    _png(root / "car" / "rgba.png", mode="RGBA", colour=(10, 200, 10, 0))
    Image.new("CMYK", (40, 40), (0, 255, 255, 0)).save(root / "car" / "cmyk.jpg")
    Image.fromarray(np.full((32, 32), 65535, np.uint16)).save(root / "car" / "deep16.png")
    _png(root / "car" / "huge.png", size=(200, 200))
    _png(root / "Hunde-ü" / "日本の犬.png", colour=(120, 80, 40))
    (root / "empty_category").mkdir()
    _png(root / ".hidden" / "x.png")
    (root / ".DS_Store").write_bytes(b"junk")
    return root


def test_bad_files_are_skipped_and_reported(messy_folder):
    with pytest.warns(UserWarning, match="skipped"):
        s = load_folder(messy_folder, Preprocess(resize=32, crop=32), max_pixels=20_000)
    assert s.categories == ["Hunde-ü", "car", "face"]
    reasons = {p.rsplit("/", 1)[-1]: r for p, r in s.skipped}
    assert "0 bytes" in reasons["empty.png"]
    assert "not an image" in reasons["notes.txt"]
    assert "not an image" in reasons["corrupt.jpg"] or "corrupt" in reasons["corrupt.jpg"]
    assert "truncated" in reasons["truncated.jpg"]
    assert "too small" in reasons["tiny.png"]
    assert "too large" in reasons["huge.png"]
    assert "no usable image" in reasons["empty_category"]
    kept = sorted(p.rsplit("/", 1)[-1] for p in s.paths)
    assert kept == sorted(["日本の犬.png", "c0.png", "gray.png", "rgba.png", "cmyk.jpg", "deep16.png",
                           "f0.png", "f1.png", "f2.png"])
    assert s.counts() == {"Hunde-ü": 1, "car": 5, "face": 3}
    assert s.labels.shape == (9,) and s.labels.dtype == np.int64
    x = s.batch(range(len(s)))
    assert x.shape == (9, 3, 32, 32) and np.isfinite(x.numpy()).all()


def test_colour_modes_become_sensible_rgb(messy_folder):
    with pytest.warns(UserWarning):
        s = load_folder(messy_folder, Preprocess(resize=32, crop=32), max_pixels=20_000)
    img = {p.rsplit("/", 1)[-1]: s.image(i) for i, p in enumerate(s.paths)}
    assert (img["deep16.png"] == 255).all()  # 16-bit white stays white, not clipped garbage
    assert (img["gray.png"] == 128).all()
    assert (img["rgba.png"] == 255).all()  # fully transparent -> white background
    r, g, b = img["cmyk.jpg"].reshape(-1, 3).mean(axis=0)
    assert r > 200 and g < 60 and b < 60  # CMYK (0, 255, 255, 0) is red


def test_sixteen_bit_scaling():
    arr = np.array([[0, 32768], [65535, 1000]], np.uint16)
    out = np.asarray(stimuli.to_rgb(Image.fromarray(arr)))[..., 0]
    np.testing.assert_array_equal(out, [[0, 128], [255, 4]])


def test_single_or_no_category_is_an_error(tmp_path):
    _png(tmp_path / "only" / "a.png")
    with pytest.raises(ValueError, match="at least two"):
        load_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_folder(tmp_path / "nope")


def test_unequal_classes_and_category_order(tmp_path):
    for i in range(5):
        _png(tmp_path / "dog" / f"{i}.png")
    _png(tmp_path / "cat" / "0.png")
    s = load_folder(tmp_path, categories=["dog", "cat"])
    assert s.categories == ["dog", "cat"] and s.counts() == {"dog": 5, "cat": 1}
    with pytest.raises(FileNotFoundError, match="zebra"):
        load_folder(tmp_path, categories=["dog", "zebra"])


def test_resize_and_centre_crop_like_torchvision(tmp_path):
    """Shorter edge to `resize`, then the centre `crop`: compare with torchvision's transforms."""
    import torch
    from torchvision.transforms import v2

    yy, xx = np.mgrid[0:120, 0:200]
    smooth = np.stack([127 + 100 * np.sin(xx / 9), 127 + 100 * np.cos(yy / 7), (xx + yy) % 256], -1)
    pil = Image.fromarray(smooth.astype(np.uint8))
    pre = Preprocess(resize=64, crop=56)
    ours = pre.normalize(pre.resize_crop(pil)[None])[0]
    tv = v2.Compose([v2.PILToTensor(), v2.Resize(64, antialias=True), v2.CenterCrop(56),
                     v2.ToDtype(torch.float32, scale=True), v2.Normalize(pre.mean, pre.std)])(pil)
    assert ours.shape == tv.shape == (3, 56, 56)
    # Different resampling kernels (PIL vs torch antialias) differ by a few grey levels at most.
    assert (ours - tv).abs().mean() < 0.05


def test_preprocess_defaults_are_torchvisions_vgg16_transforms():
    from torchvision.models import VGG16_Weights

    t = VGG16_Weights.IMAGENET1K_V1.transforms()
    p = Preprocess()
    assert (p.resize, p.crop) == (t.resize_size[0], t.crop_size[0]) == (256, 224)
    assert p.mean == pytest.approx(tuple(t.mean)) and p.std == pytest.approx(tuple(t.std))


def test_drawings_roundtrip_through_a_folder(tmp_path):
    s = measurement_stimuli(3, 32, seed=2, categories=["face", "i-see-face", "car"])  # no breed sub-folders
    s.save(tmp_path)
    loaded = load_folder(tmp_path, Preprocess(resize=32, crop=32), categories=s.categories)
    assert loaded.counts() == s.counts()
    np.testing.assert_array_equal(loaded.images(), s.images())


# --------------------------------------------------------------------------- everything not used is reported


def test_default_preprocessing_does_not_depend_on_the_profile(tmp_path, monkeypatch):
    for c in ("a", "b"):
        _png(tmp_path / c / "x.png", size=(300, 260))
    for profile in ("quick", "full"):
        monkeypatch.setenv("COURSE_PROFILE", profile)
        s = load_folder(tmp_path)
        assert s.preprocess == Preprocess() and s.images([0]).shape == (1, 224, 224, 3)


def test_links_pipes_and_unreadable_folders_are_listed(tmp_path, monkeypatch):
    import os

    root = tmp_path / "stim"
    _png(root / "face" / "ok.png")
    _png(root / "car" / "ok.png")
    (root / "car" / "gone.png").symlink_to(tmp_path / "nowhere.png")
    os.mkfifo(root / "car" / "pipe.png")  # opening it would block: it must not be opened
    (root / "car" / "locked").mkdir()
    _png(root / "car" / "locked" / "hidden-away.png")
    (root / "dangling-category").symlink_to(tmp_path / "no-such-folder")
    (root / "stray.png").write_bytes(b"x")
    (root / "face" / "loop").symlink_to(root / "face", target_is_directory=True)
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):  # root ignores permissions, so refuse the read here
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.warns(UserWarning, match="skipped"):
        s = load_folder(root, Preprocess(32, 32))
    reasons = {p.rsplit("/", 1)[-1]: r for p, r in s.skipped}
    assert "broken symbolic link" in reasons["gone.png"]
    assert "not a regular file" in reasons["pipe.png"]
    assert "cannot be read" in reasons["locked"] and "Permission denied" in reasons["locked"]
    assert "broken symbolic link" in reasons["dangling-category"]
    assert "not in a category sub-folder" in reasons["stray.png"]
    assert "loop" in reasons["loop"]
    assert s.counts() == {"car": 1, "face": 1}


def test_duplicate_categories_are_refused(tmp_path):
    for c in ("dog", "cat"):
        _png(tmp_path / c / "0.png")
    with pytest.raises(ValueError, match="more than once"):
        load_folder(tmp_path, categories=["dog", "cat", "dog"])
    with pytest.raises(ValueError, match="Duplicate category names"):
        stimuli.StimulusSet(["dog", "dog"], np.array([0, 1]), ["a", "b"], Preprocess())


def test_a_file_is_not_a_stimulus_folder(tmp_path):
    (tmp_path / "list.txt").write_text("face.jpg")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        load_folder(tmp_path / "list.txt")


# --------------------------------------------------------------------------- pixels and subcategories


def test_subcategories_from_nested_folders_survive_subset_concat_and_save(tmp_path):
    for breed, colour in (("beagle", (150, 100, 50)), ("dalmatian", (240, 240, 240))):
        for i in range(2):
            _png(tmp_path / "dog" / breed / f"{breed}{i}.png", colour=colour)
    _png(tmp_path / "dog" / "mutt.png")
    _png(tmp_path / "car" / "c0.png")
    s = load_folder(tmp_path, Preprocess(32, 32))
    assert s.categories == ["car", "dog"]
    assert s.subcategories.tolist() == ["", "beagle", "beagle", "dalmatian", "dalmatian", ""]
    assert "2 subcategories (beagle, dalmatian)" in repr(s)
    sub = s.subset([1, 3])
    assert sub.subcategories.tolist() == ["beagle", "dalmatian"]
    plain = stimuli.StimulusSet(["a", "b"], np.array([0, 1]), ["x/0", "x/1"], Preprocess(32, 32),
                                pixels=np.zeros((2, 32, 32, 3), np.uint8))
    assert plain.subcategories is None and "subcategories" not in repr(plain)
    both = stimuli.concatenate([sub, s.subset([0])])
    assert both.categories == ["car", "dog"] and both.labels.tolist() == [1, 1, 0]  # subset keeps all categories
    assert both.subcategories.tolist() == ["beagle", "dalmatian", ""]
    again = load_folder(both.save(tmp_path / "copy"), Preprocess(32, 32))
    assert again.subcategories.tolist() == ["", "beagle", "dalmatian"]
    np.testing.assert_array_equal(again.images(), both.images([2, 0, 1]))


def test_concatenate_merges_categories_and_refuses_mixtures(tmp_path):
    a, b = measurement_stimuli(2, 32, seed=0, categories=["face", "car"]), measurement_stimuli(3, 32, seed=1, categories=["car", "dog"])
    ab = stimuli.concatenate([a, b], categories=["dog", "car", "face"])
    assert ab.counts() == {"dog": 3, "car": 5, "face": 2}
    np.testing.assert_array_equal(ab.images(), np.concatenate([a.images(), b.images()]))
    assert ab.schematic and ab.pixels.shape == (10, 32, 32, 3)
    with pytest.raises(ValueError, match="different preprocessing"):
        stimuli.concatenate([a, measurement_stimuli(2, 48, categories=PAPER_CATEGORIES)])
    on_disk = load_folder(a.save(tmp_path / "a"), Preprocess(32, 32))
    with pytest.raises(ValueError, match="file-based and in-memory"):
        stimuli.concatenate([a, on_disk])
    with pytest.raises(ValueError, match="exactly"):
        stimuli.concatenate([a, b], categories=["face", "car"])


def test_pixels_are_a_public_checked_argument():
    px = np.zeros((2, 8, 8, 3), np.uint8)
    s = stimuli.StimulusSet(["a", "b"], [0, 1], ["x", "y"], Preprocess(8, 8), pixels=px)
    assert s.images().shape == (2, 8, 8, 3)
    f0 = s.fingerprint()
    s.pixels[1, 0, 0, 0] = 1  # edited in place: a new fingerprint, never a stale key
    assert s.fingerprint() != f0
    with pytest.raises(ValueError, match="uint8"):
        stimuli.StimulusSet(["a", "b"], [0, 1], ["x", "y"], Preprocess(8, 8), pixels=px.astype(float))
    with pytest.raises(ValueError, match="subcategories"):
        stimuli.StimulusSet(["a", "b"], [0, 1], ["x", "y"], Preprocess(8, 8), pixels=px, subcategories=["p"])


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "a\\b", ".hidden", "", " x", "tab\there"])
def test_names_that_would_be_paths_are_refused(bad):
    with pytest.raises(ValueError):
        stimuli.check_name(bad)
    assert stimuli.check_name("i-see-face") == "i-see-face" and stimuli.check_name("Hunde-ü") == "Hunde-ü"
