"""ImageNet class metadata: known facts, the distance, and the committed data file
being what its builder derives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data import build_imagenet_hierarchy
from helpers.cnn import imagenet
DOG_BREEDS = range(151, 269)  # Chihuahua .. Mexican hairless


def _builder():
    return build_imagenet_hierarchy


# --------------------------------------------------------------------------- known facts


def test_names_and_ids():
    names, ids = imagenet.class_names(), imagenet.wnids()
    assert len(names) == len(ids) == len(set(ids)) == 1000
    assert names[151] == "Chihuahua" and names[268] == "Mexican hairless" and names[817] == "sports car"
    assert ids[0] == "n01440764" and ids[151] == "n02085620" and ids[817] == "n04285008"
    chain = imagenet.hypernym_chain(151)
    assert chain[0] == "chihuahua.n.03" and chain[-1] == "entity.n.01"
    assert "dog.n.01" in chain and "mammal.n.01" in chain  # the taxonomic path, not domestic_animal's
    assert imagenet.hypernym_chain(151, wnid=True)[0] == "n02085620"
    assert "vehicle.n.01" in imagenet.hypernym_chain(817)


def test_dogs_are_exactly_the_118_breeds():
    groups = imagenet.coarse_groups()
    dogs = [i for i, g in enumerate(groups) if g == "dog"]
    assert dogs == list(DOG_BREEDS) and len(dogs) == 118
    assert [i for i in range(1000) if "dog.n.01" in imagenet.hypernym_chain(i)] == dogs
    names = imagenet.class_names()
    for i, expected in ((269, "mammal (other)"), (0, "fish"), (817, "vehicle"), (934, "food")):
        assert imagenet.coarse_group(i) == expected, (i, names[i])
    assert names[934] == "hotdog"
    assert set(groups) <= set(imagenet.GROUPS)


def test_distance_definition():
    d = imagenet.distance_matrix()
    assert d.shape == (1000, 1000) and not d.flags.writeable
    assert np.array_equal(d, d.T) and not np.diag(d).any()
    off = ~np.eye(1000, dtype=bool)
    assert (d[off] >= 1).all()
    # Chihuahua (toy_dog < dog) vs Mexican hairless (< dog): 2 steps from Chihuahua to dog.n.01
    assert imagenet.hierarchical_distance(151, 268) == 2
    assert imagenet.hierarchical_distance(151, 151) == 0
    breeds = d[np.ix_(DOG_BREEDS, DOG_BREEDS)]
    assert breeds.max() < d[151, 817]
    assert imagenet.hierarchical_distance(151, 152) < imagenet.hierarchical_distance(151, 817)
    # max(d_i, d_j) from the chains themselves, for a few pairs
    for i, j in ((151, 817), (0, 1), (409, 530), (2, 999)):
        ci, cj = imagenet.hypernym_chain(i), imagenet.hypernym_chain(j)
        lca = next(s for s in ci if s in cj)
        assert d[i, j] == max(ci.index(lca), cj.index(lca))


def test_mistake_severity_is_vectorised():
    y = np.array([[151, 151], [817, 3]])
    p = np.array([[151, 152], [151, 3]])
    sev = imagenet.mistake_severity(y, p)
    assert sev.shape == (2, 2)
    assert sev[0, 0] == 0 and sev[1, 1] == 0 and sev[0, 1] == imagenet.hierarchical_distance(151, 152)
    with pytest.raises(ValueError, match="shape"):
        imagenet.mistake_severity([1, 2], [1])
    with pytest.raises(ValueError, match="0..999"):
        imagenet.mistake_severity([1000], [0])
    with pytest.raises(IndexError):
        imagenet.hierarchical_distance(-1, 3)


def test_soft_labels():
    y = np.array([151, 817, 0])
    s = imagenet.soft_labels(y)
    assert s.shape == (3, 1000) and s.dtype == np.float32
    assert np.allclose(s.sum(axis=1), 1, atol=1e-5) and (s.argmax(axis=1) == y).all()
    assert s[0, 152] > s[0, 817]  # another breed is a better mistake than a car
    sharp = imagenet.soft_labels(151, temperature=0.05)
    assert sharp.shape == (1000,) and sharp[151] > 0.999
    with pytest.raises(ValueError):
        imagenet.soft_labels(y, temperature=0)


# --------------------------------------------------------------------------- the data file


def test_data_file_is_consistent():
    doc = json.loads(imagenet.DATA_FILE.read_text("utf-8"))
    assert imagenet.DATA_FILE.stat().st_size < 500_000
    assert build_imagenet_hierarchy.OUT == imagenet.DATA_FILE
    classes, synsets = doc["classes"], doc["synsets"]
    assert [c["index"] for c in classes] == list(range(1000))
    assert [c["name"] for c in classes] == imagenet.class_names(), \
        "torchvision's class names changed: rebuild with data/build_imagenet_hierarchy.py"
    parent = {}
    for c in classes:
        chain = c["chain"]
        assert chain[0] == c["wnid"] and synsets[chain[-1]] == "entity.n.01"
        assert synsets[chain[0]] == c["synset"]
        for child, up in zip(chain[:-1], chain[1:]):
            assert parent.setdefault(child, up) == up, "chains must form one tree"
    assert set(synsets) == {w for c in classes for w in c["chain"]}


def _wordnet_or_skip(builder):
    pytest.importorskip("nltk", reason="nltk is not installed (pip install nltk) - cannot re-derive the file")
    try:
        return builder.open_wordnet()
    except FileNotFoundError as e:
        pytest.skip(f"WordNet 3.0 database not available ({e})")


def test_data_file_is_what_the_builder_derives():
    """Re-derive chains and synset names from WordNet with the builder's own code.

    The wnids come from timm's list when it is available locally, else from the
    committed file (then ``test_wnids_match_timm`` is the one that is skipped)."""
    builder = _builder()
    reader, noun_sha = _wordnet_or_skip(builder)
    committed = json.loads(builder.OUT.read_text("utf-8"))
    try:
        wnids = builder.parse_synset_list(builder.read_timm_synsets(allow_download=False)[0])
    except FileNotFoundError:
        wnids = [c["wnid"] for c in committed["classes"]]
    rebuilt = builder.build(wnids, imagenet.class_names(), reader)
    assert rebuilt["classes"] == committed["classes"], \
        "helpers/data/imagenet_hierarchy.json is out of date: run python data/build_imagenet_hierarchy.py"
    assert rebuilt["synsets"] == committed["synsets"]
    full = dict(committed)
    full.update(rebuilt)
    assert builder.dumps(full) == builder.OUT.read_text("utf-8"), "formatting differs from the builder's"
    if noun_sha != committed["sources"]["wordnet_data_noun_sha256"]:
        pytest.skip("derived content matches, but this WordNet data.noun is a different build from the "
                    "one recorded (fine: same WordNet 3.0 offsets)")


def test_wnids_match_timm():
    builder = _builder()
    try:
        text, origin = builder.read_timm_synsets(allow_download=False)
    except FileNotFoundError as e:
        pytest.skip(f"timm's synset list not available offline ({e})")
    committed = json.loads(builder.OUT.read_text("utf-8"))
    assert builder.parse_synset_list(text) == imagenet.wnids(), f"wnids differ from {origin}"
    assert builder.sha256_bytes(text.encode("utf-8")) == committed["sources"]["wnids_sha256"]
