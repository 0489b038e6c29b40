"""The generated world: deterministic images, disjoint splits, the class hierarchy and its soft labels."""

import numpy as np
import pytest

from helpers.cnn import imagenet
from helpers.organism import world as miniworld
from helpers.organism.world import BREEDS, CLASSES


def test_classes_breeds_and_no_face_class():
    assert len(BREEDS) >= 6 and CLASSES[:len(BREEDS)] == BREEDS
    objects = [c for c in CLASSES if c not in BREEDS]
    assert "car" in objects and "cup" in objects and len(objects) >= 6
    assert len(set(CLASSES)) == len(CLASSES)
    # faces, face-like objects and the novel category are measured, never trained on
    assert not {"face", "i-see-face", "clock", "house", "socket", "umbrella"} & set(CLASSES)
    assert miniworld.PAPER_CATEGORIES == ("face", "i-see-face", "car", "dog")
    assert miniworld.MEASUREMENT_CATEGORIES == miniworld.PAPER_CATEGORIES + miniworld.NOVEL_CATEGORIES
    assert not set(miniworld.NOVEL_CATEGORIES) & set(CLASSES) and set(miniworld.ANIMALS) <= set(CLASSES)
    assert {"cat", "horse", "owl", "frog"} <= set(CLASSES)


def test_draw_is_deterministic_per_rng():
    a = miniworld.draw("husky", 64, np.random.default_rng(5))
    b = miniworld.draw("husky", 64, np.random.default_rng(5))
    c = miniworld.draw("husky", 64, np.random.default_rng(6))
    assert a.dtype == np.uint8 and a.shape == (64, 64, 3)
    assert a.tobytes() == b.tobytes() and a.tobytes() != c.tobytes()
    assert miniworld.draw("face", 48, np.random.default_rng(0)).shape == (48, 48, 3)
    assert miniworld.draw("dog", 32, np.random.default_rng(0)).shape == (32, 32, 3)


def test_dataset_is_deterministic_and_extends():
    x1, y1 = miniworld.dataset("train", 3, 32, seed=1)
    x2, y2 = miniworld.dataset("train", 3, 32, seed=1)
    assert x1.shape == (3 * len(CLASSES), 32, 32, 3) and x1.dtype == np.uint8
    assert y1.dtype == np.int64 and np.array_equal(y1, np.repeat(np.arange(len(CLASSES)), 3))
    assert x1.tobytes() == x2.tobytes() and np.array_equal(y1, y2)
    x3, _ = miniworld.dataset("train", 3, 32, seed=2)
    assert not np.array_equal(x1, x3)
    # image i of class k depends only on (seed, split, k, i): a larger set extends a smaller one
    x5, _ = miniworld.dataset("train", 5, 32, seed=1)
    assert np.array_equal(x5.reshape(len(CLASSES), 5, 32, 32, 3)[:, :3].reshape(x1.shape), x1)
    sub, ys = miniworld.dataset("train", 3, 32, seed=1, classes=("cup", "beagle"))
    assert np.array_equal(ys, [CLASSES.index("cup")] * 3 + [CLASSES.index("beagle")] * 3)
    assert np.array_equal(sub[:3], x1[3 * CLASSES.index("cup"):3 * CLASSES.index("cup") + 3])


def test_splits_share_no_image():
    train, _ = miniworld.dataset("train", 8, 32, seed=0)
    test, _ = miniworld.dataset("test", 8, 32, seed=0)
    measure, *_ = miniworld.measurement_set(8, 32, seed=0)
    h_train, h_test, h_measure = (set(miniworld.image_hashes(x)) for x in (train, test, measure))
    assert len(h_train) == len(train) and len(h_test) == len(test)  # no duplicates within a split either
    assert not h_train & h_test and not h_train & h_measure and not h_test & h_measure


def test_measurement_set():
    x, y, cats, breeds = miniworld.measurement_set(12, 40, seed=3)
    assert cats == ["face", "i-see-face", "car", "dog"]
    assert x.shape == (48, 40, 40, 3) and x.dtype == np.uint8
    assert np.array_equal(y, np.repeat(np.arange(4), 12)) and y.dtype == np.int64
    assert len(breeds) == 48 and set(breeds[:36]) == {""}
    assert breeds[36:] == [BREEDS[i % len(BREEDS)] for i in range(12)]  # every breed twice
    x2, y2, cats2, breeds2 = miniworld.measurement_set(4, 40, seed=3, categories=("dog", "face"))
    assert cats2 == ["dog", "face"] and breeds2[:4] == list(BREEDS[:4]) and breeds2[4:] == [""] * 4
    assert np.array_equal(x2[:4], x[36:40]) and np.array_equal(x2[4:], x[:4])  # same stream per category
    # the novel category; other stimulus seeds give other images
    x3, y3, cats3, _ = miniworld.measurement_set(4, 40, seed=3, categories=miniworld.MEASUREMENT_CATEGORIES)
    assert cats3[-1] == "umbrella" and np.array_equal(x3[:4], x[:4])
    x4, *_ = miniworld.measurement_set(4, 40, seed=4)
    assert not set(miniworld.image_hashes(x4)) & set(miniworld.image_hashes(x))


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="choose from"):
        miniworld.draw("unicorn", 64, np.random.default_rng(0))
    with pytest.raises(ValueError, match="split"):
        miniworld.dataset("measure", 2)
    with pytest.raises(ValueError, match="Unknown classes"):
        miniworld.dataset("train", 2, classes=("dog",))
    with pytest.raises(ValueError, match="size must be at least 16"):
        miniworld.dataset("train", 2, size=8)
    with pytest.raises(ValueError, match="n_per_class must be at least 1"):
        miniworld.measurement_set(0)
    with pytest.raises(ValueError, match="Unknown measurement"):
        miniworld.measurement_set(2, categories=("cup",))


@pytest.mark.parametrize("call", [
    lambda: miniworld.dataset("train", 2, seed=1.7),
    lambda: miniworld.dataset("train", 2.5),
    lambda: miniworld.dataset("train", 2, size=32.0),
    lambda: miniworld.measurement_set(2, seed=1.7),
    lambda: miniworld.measurement_set(2, seed=True),
    lambda: miniworld.measurement_set(2, seed="1"),
    lambda: miniworld.face_controls(2, seed=0.5),
    lambda: miniworld.draw("cup", 64.5),
])
def test_whole_numbers_only(call):
    with pytest.raises(ValueError, match="whole number"):
        call()


@pytest.mark.parametrize("call", [
    lambda: miniworld.dataset("train", 2, classes=()),
    lambda: miniworld.dataset("train", 2, classes=("cup",)),
    lambda: miniworld.dataset("train", 2, classes=("cup", "cup")),
    lambda: miniworld.measurement_set(2, categories=()),
    lambda: miniworld.measurement_set(2, categories=("face",)),
    lambda: miniworld.measurement_stimuli(2, categories="face"),
])
def test_empty_or_one_category_sets_are_refused(call):
    with pytest.raises(ValueError, match="at least two|list of names"):
        call()


def test_seed_and_size_limits():
    with pytest.raises(ValueError, match="seed must be at least 0"):
        miniworld.dataset("train", 2, seed=-1)
    with pytest.raises(ValueError, match="eyes"):
        miniworld.measurement_set(2, eyes="button")


# --------------------------------------------------------------------------- measurement stimuli and controls


@pytest.fixture(scope="module")
def controls():
    return miniworld.face_controls(24, 64, seed=5)


def test_controls_differ_from_their_face_only_inside_their_masks(controls):
    faces = controls.images["face"].astype(int)
    n = len(faces)
    for name in miniworld.CONTROLS:
        diff = np.abs(controls.images[name].astype(int) - faces).max(axis=-1) > 0
        mask = controls.masks[name]
        assert mask.shape == diff.shape == (n, 64, 64) and mask.dtype == bool
        assert not (diff & ~mask).any(), name  # nothing changes outside the mask
        # and something does change inside it, in every image
        assert diff.reshape(n, -1).sum(axis=1).min() >= 3, name
    # the masks are where they should be: features are inside the head, the silhouette is the head
    head = controls.masks["silhouette"]
    assert (controls.masks["featureless"] <= head).all() and (controls.masks["scrambled"] <= head).all()
    assert (controls.masks["featureless"] <= controls.masks["scrambled"]).all()
    frac = controls.masks["featureless"].sum(axis=(1, 2)) / head.sum(axis=(1, 2))
    assert 0.05 < frac.mean() < 0.6
    # the featureless head keeps no feature: its pixels inside the feature mask are skin-like, flat
    # (known answer: a silhouette is one colour inside the footprint, except where occluded/clutter)
    sil = controls.images["silhouette"][controls.footprint]
    assert sil.std(axis=0).mean() < faces[controls.footprint].std(axis=0).mean()


def test_controls_are_the_measurement_faces():
    fc = miniworld.face_controls(6, 48, seed=2, eyes="disc")
    x, _, _, _ = miniworld.measurement_set(6, 48, seed=2, eyes="disc")
    assert np.array_equal(fc.images["face"], x[:6]) and fc.eyes == "disc" and fc.seed == 2
    again = miniworld.face_controls(6, 48, seed=2, eyes="disc")
    for k in ("face",) + miniworld.CONTROLS:
        assert np.array_equal(again.images[k], fc.images[k])
    almond = miniworld.face_controls(6, 48, seed=2, eyes="almond")
    # the eye switch changes the eyes only: featureless heads and silhouettes are the same scenes
    assert np.array_equal(almond.images["featureless"], fc.images["featureless"])
    assert not np.array_equal(almond.images["face"], fc.images["face"])
    s = miniworld.control_stimuli(6, 48, seed=2)
    assert s.categories == ["face", "featureless", "scrambled", "silhouette"] and len(s) == 24
    assert np.array_equal(s.pixels[6:12], almond.images["featureless"])


def test_filled_areas_are_equal_across_measurement_categories():
    """Known answer: each object is scaled to a filled area drawn from MEASURE_AREA, the
    same range for every category, and lies wholly inside the frame; measured on the
    final 64-px images (pixels the object covers at least half of), each category's mean
    is within 10 % of the grand mean. Scaled by the longer side, faces covered about
    twice the area of cars and dogs."""
    n = 48
    areas = miniworld.filled_areas(n, 64, seed=0, categories=miniworld.MEASUREMENT_CATEGORIES)
    means = areas.reshape(len(miniworld.MEASUREMENT_CATEGORIES), n).mean(axis=1)
    assert np.all(np.abs(means / means.mean() - 1) <= 0.10), dict(zip(miniworld.MEASUREMENT_CATEGORIES, means))
    lo, hi = miniworld.MEASURE_AREA
    assert lo * 0.8 <= means.min() and means.max() <= hi * 1.1



# --------------------------------------------------------------------------- hierarchy


def test_distances_follow_the_hierarchy():
    d = miniworld.distance_matrix()
    i = {c: k for k, c in enumerate(CLASSES)}
    assert d.shape == (len(CLASSES), len(CLASSES)) and d.dtype == np.int16 and not d.flags.writeable
    assert np.array_equal(d, d.T) and not np.diag(d).any()
    b = [i[x] for x in BREEDS]
    assert (d[np.ix_(b, b)] + np.eye(len(b), dtype=np.int16) == 1).all()  # breeds are siblings
    assert d[i["husky"], i["bird"]] == 2 and d[i["husky"], i["car"]] == 3 and d[i["husky"], i["cup"]] == 3
    assert d[i["cup"], i["bottle"]] == 1 and d[i["car"], i["cup"]] == 2 and d[i["car"], i["bicycle"]] == 1
    assert miniworld.hypernym_chain("beagle") == ["beagle", "dog", "animal", "entity"]


def test_lca_heights_known_tree():
    # root -> a -> {x, y}; root -> z (a leaf one level up)
    chains = [["x", "a", "root"], ["y", "a", "root"], ["z", "root"]]
    assert imagenet.lca_heights(chains).tolist() == [[0, 1, 2], [1, 0, 2], [2, 2, 0]]


def test_soft_labels():
    q = miniworld.soft_labels(np.arange(len(CLASSES)), temperature=0.5)
    assert q.shape == (len(CLASSES), len(CLASSES)) and q.dtype == np.float32
    assert np.allclose(q.sum(axis=1), 1, atol=1e-6)
    assert (q.argmax(axis=1) == np.arange(len(CLASSES))).all()
    i = {c: k for k, c in enumerate(CLASSES)}
    for breed in BREEDS:
        row = q[i[breed]]
        others = [i[b] for b in BREEDS if b != breed]
        assert row[others].min() > row[i["car"]] and row[others].min() > row[i["cup"]]
        assert row[others].sum() > 10 * (row[i["car"]] + row[i["cup"]])
    # the formula, by hand: softmax(-d / T); exp(-1/0.5) / exp(-3/0.5) = e^4 between a sibling and a car
    husky = q[i["husky"]]
    assert husky[i["beagle"]] / husky[i["car"]] == pytest.approx(np.exp(4), rel=1e-5)
    d = miniworld.distance_matrix()[i["husky"]].astype(float)
    assert np.allclose(husky, np.exp(-d / 0.5) / np.exp(-d / 0.5).sum(), atol=1e-7)
    assert np.allclose(miniworld.soft_labels(3, 0.5), q[3])
    assert miniworld.soft_labels([0], 0.01)[0, 0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="temperature"):
        miniworld.soft_labels([0], 0)
    with pytest.raises(ValueError, match="class indices"):
        miniworld.soft_labels([len(CLASSES)])
