"""Equalising low-level statistics (SHINE's lumMatch and specMatch): targets met with
stated tolerances, spectra matched with phases kept, idempotent, flat images, errors."""

import re
import warnings

import numpy as np
import pytest

from helpers.stimuli import equalize as S

EXACT = 1e-9  # grey levels: float64 arithmetic on values up to 255


def textured(n=6, size=24, seed=0):
    """Smooth random textures of low saturation, one per image, each with its own mean
    and contrast: moderate targets then clip nothing."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        grey = np.kron(rng.normal(size=(size // 4, size // 4)), np.ones((4, 4)))  # low frequencies
        grey = grey + 0.3 * rng.normal(size=(size, size))
        tint = 0.25 * rng.normal(size=(size, size, 3))
        img = 90 + 10 * i + (6 + 2 * i) * (grey[..., None] + tint)
        out.append(np.clip(np.round(img), 0, 255))
    return np.stack(out).astype(np.uint8)


def amplitude(y):
    """Full 2-D amplitude spectrum (orthonormal: Parseval holds in grey levels)."""
    return np.abs(np.fft.fft2(y, norm="ortho"))


def test_mean_and_contrast_hit_their_targets():
    images = textured()
    y0 = S.luma(images)
    exact = S.equalize_exact(images, mean=120, contrast=25)
    y = S.luma(exact)
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 120, atol=EXACT, rtol=0)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 25, atol=EXACT, rtol=0)
    # The chroma (RGB - luma) is scaled by each image's own contrast factor: hues stay.
    gain = 25 / y0.std(axis=(1, 2))
    np.testing.assert_allclose(exact - y[..., None], gain[:, None, None, None] * (images - y0[..., None]),
                               atol=EXACT, rtol=0)
    eq = S.equalize(images, mean=120, contrast=25)
    assert eq.images.dtype == np.uint8 and eq.images.shape == images.shape
    assert eq.clipped_fraction == 0 and len(eq.flat) == 0 and (eq.mean, eq.contrast) == (120, 25)
    # Rounding moves each channel by at most 0.5, so luma, its mean and its std too.
    y8 = S.luma(eq.images)
    assert np.abs(y8.mean(axis=(1, 2)) - 120).max() <= 0.5
    assert np.abs(y8.std(axis=(1, 2)) - 25).max() <= 0.5
    assert np.abs(eq.images - exact).max() <= 0.5


def test_default_targets_are_the_set_averages():
    images = textured()
    y = S.luma(images)
    eq = S.equalize(images)
    assert eq.mean == pytest.approx(y.mean(axis=(1, 2)).mean(), abs=EXACT)
    assert eq.contrast == pytest.approx(y.std(axis=(1, 2)).mean(), abs=EXACT)
    # A grey image stays grey.
    grey = np.repeat(images[..., :1], 3, axis=-1)
    out = S.equalize(grey).images
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 0], out[..., 2])


def test_spectra_matched_and_phases_kept():
    images = textured(n=5, size=32, seed=1)
    y0 = S.luma(images)
    exact = S.equalize_exact(images, mean=110, contrast=20, spectrum=True)
    y = S.luma(exact)
    amp = amplitude(y)
    target = amp.mean(axis=0)
    np.testing.assert_allclose(amp[:, 1:, :], np.broadcast_to(target[1:, :], amp[:, 1:, :].shape), atol=1e-8,
                               rtol=0)
    np.testing.assert_allclose(amp[:, 0, 1:], np.broadcast_to(target[0, 1:], amp[:, 0, 1:].shape), atol=1e-8, rtol=0)
    # The shared spectrum is the mean of the originals', scaled to the target contrast.
    orig = amplitude(y0).mean(axis=0)
    orig[0, 0] = target[0, 0] = 0
    np.testing.assert_allclose(target, orig * 20 / np.sqrt((orig ** 2).sum() / y.shape[1] / y.shape[2]),
                               rtol=1e-9, atol=1e-9)
    # Phases kept wherever the original has a coefficient to speak of.
    f0, f = np.fft.fft2(y0), np.fft.fft2(y)
    keep = np.abs(f0) > 1e-6 * np.abs(f0).max()
    keep[:, 0, 0] = False
    dphase = np.angle(f[keep] * np.conj(f0[keep]))
    assert np.abs(dphase).max() < 1e-7
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 110, atol=EXACT, rtol=0)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 20, atol=EXACT, rtol=0)
    # After rounding: each luma value moves by at most 0.5, so (Parseval) the RMS over
    # frequencies of the amplitude error is at most 0.5 too.
    eq = S.equalize(images, mean=110, contrast=20, spectrum=True)
    assert eq.clipped_fraction == 0 and eq.spectrum
    err = amplitude(S.luma(eq.images)) - target
    err[:, 0, 0] = 0
    assert np.sqrt((err ** 2).mean(axis=(1, 2))).max() <= 0.5


@pytest.mark.parametrize("spectrum", [False, True])
def test_equalising_twice_changes_nothing(spectrum):
    images = textured(seed=2)
    once = S.equalize_exact(images, spectrum=spectrum)
    np.testing.assert_allclose(S.equalize_exact(once, spectrum=spectrum), once, atol=1e-8, rtol=0)
    first = S.equalize(images, mean=100, contrast=22, spectrum=spectrum).images
    again = S.equalize(first, mean=100, contrast=22, spectrum=spectrum).images
    # The uint8 result is already within rounding of the targets: re-equalising moves
    # pixels by at most one grey level.
    assert np.abs(again.astype(int) - first).max() <= 1


def test_constant_images_get_the_mean_and_are_reported():
    images = textured(n=4)
    images[2] = 200  # no contrast at all: no contrast to scale, no phases to keep
    eq = S.equalize(images, mean=128, contrast=20, spectrum=True)
    assert eq.flat.tolist() == [2]
    assert np.unique(eq.images[2]).tolist() == [128]
    y = S.luma(eq.images)
    assert np.abs(y[[0, 1, 3]].std(axis=(1, 2)) - 20).max() <= 0.5
    # The default contrast averages over the images that have one.
    others = S.luma(images[[0, 1, 3]]).std(axis=(1, 2)).mean()
    assert S.equalize(images).contrast == pytest.approx(others, abs=EXACT)
    all_flat = S.equalize(np.full((3, 8, 8, 3), 50, np.uint8), mean=90)
    assert all_flat.contrast == 0 and all_flat.flat.tolist() == [0, 1, 2] and (all_flat.images == 90).all()


def test_clipping_is_reported_and_warned():
    images = textured(n=3)
    with pytest.warns(UserWarning, match="clipped"):
        eq = S.equalize(images, mean=250, contrast=60)
    exact = S.equalize_exact(images, mean=250, contrast=60)
    expected = ((exact < 0) | (exact > 255)).any(axis=-1).mean(axis=(1, 2))
    np.testing.assert_allclose(eq.clipped, expected)
    assert 0 < eq.clipped_fraction < 1 and eq.images.max() == 255


def test_bad_input_is_refused():
    good = textured(n=2)
    with pytest.raises(ValueError, match="must be uint8"):
        S.equalize(good.astype(np.float32))
    with pytest.raises(ValueError, match=r"shape \(N, H, W, 3\)"):
        S.equalize(good[0])
    with pytest.raises(ValueError, match=r"shape \(N, H, W, 3\)"):
        S.equalize(good[..., :2])
    with pytest.raises(ValueError, match="empty"):
        S.equalize(good[:0])
    with pytest.raises(ValueError, match="NumPy array"):
        S.equalize(good.tolist())
    with pytest.raises(ValueError, match="mean must be a grey level"):
        S.equalize(good, mean=300)
    with pytest.raises(ValueError, match="contrast must be"):
        S.equalize(good, contrast=-1)


def test_equalised_stimulus_set(small_stimuli):
    # Schematic drawings are flat shapes: scaled to one contrast, some clip.
    with pytest.warns(UserWarning, match="clipped"):
        eq = S.equalize_set(small_stimuli, mean=128, contrast=30)
    assert re.search(r", \d+\.\d\d% of pixels clipped", eq.source)
    assert len(eq) == len(small_stimuli) and eq.categories == small_stimuli.categories
    assert np.array_equal(eq.labels, small_stimuli.labels) and eq.paths == small_stimuli.paths
    assert eq.schematic == small_stimuli.schematic and eq.preprocess == small_stimuli.preprocess
    assert "equalised: mean luma 128.0, RMS contrast 30.0" in eq.source and "SHINE" in eq.source
    assert eq.source.startswith(small_stimuli.source)
    images = eq.images()
    assert images.shape == small_stimuli.images().shape and images.dtype == np.uint8
    with pytest.warns(UserWarning, match="clipped"):
        assert np.array_equal(images, S.equalize(small_stimuli.images(), 128, 30).images)
    assert eq.fingerprint() != small_stimuli.fingerprint()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("spectrum", [False, True])
def test_non_finite_grey_levels_are_refused(bad, spectrum):
    """One NaN pixel used to turn its whole image into NaN, without a word."""
    images = np.random.default_rng(0).uniform(0, 255, (3, 8, 8, 3))
    images[1, 2, 3, 0] = bad
    with pytest.raises(ValueError, match=r"1 image\(s\) hold NaN or infinite values \(the first: image 1\)"):
        S.equalize_exact(images, spectrum=spectrum)


def test_grey_levels_too_large_to_equalise_are_refused_without_warnings():
    images = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3))
    images[0] *= 1e305  # finite, but the squares of the standard deviation overflow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="image 0 holds grey levels too large"):
            S.equalize_exact(images)
