"""Build ``helpers/data/imagenet_hierarchy.json``: the WordNet id and hypernym chain of each
of the 1000 ImageNet (ILSVRC-2012) classes, in the class order torchvision uses.

Inputs (none of them is needed at run time; ``helpers.cnn.imagenet`` reads only the
JSON file this script writes):

- the WordNet ids in class order: ``timm/data/_info/imagenet_synsets.txt`` from the
  timm wheel (``TIMM_VERSION`` below). Looked up in this order: ``--timm-wheel PATH``
  (or ``$TIMM_WHEEL``), an installed ``timm`` package (its file is read, the package
  is not imported), else ``pip download timm==TIMM_VERSION --no-deps`` into a
  temporary folder;
- WordNet 3.0, read with nltk from the plain database files (``--wordnet DIR`` or
  ``$WORDNET_DIR``, default ``/usr/share/wordnet`` as installed by Debian's
  ``wordnet-base``). nltk also wants a ``lexnames`` file, which Debian does not
  ship; this script writes it (the 45 lexicographer file names of WordNet 3.0) into
  a temporary copy of the database folder;
- the class names of ``torchvision.models.VGG16_Weights.IMAGENET1K_V1``.

Which hypernym path
-------------------
A synset can reach the root ``entity.n.01`` by several paths (a sports car is both a
``container`` and a ``vehicle``; a Chihuahua is both a ``domestic_animal`` and a
``mammal``). We keep exactly one, chosen deterministically:

1. the LONGEST path (most edges), which in practice follows the taxonomy
   (mammal, vehicle) rather than the short functional shortcuts;
2. among equally long paths, the one whose list of synset names, read from the root
   down, sorts first.

With this rule, the path kept above any synset on a class's chain is the one that
would be kept for that synset itself, so the 1000 chains together form one tree
(checked by :func:`build`).

Run ``python data/build_imagenet_hierarchy.py`` from the repository root; ``--check``
compares instead of writing and exits 1 when the committed file is out of date.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import weakref
import zipfile
from pathlib import Path

TIMM_VERSION = "1.0.15"
TIMM_MEMBER = "timm/data/_info/imagenet_synsets.txt"
DEFAULT_WORDNET = "/usr/share/wordnet"
OUT = Path(__file__).resolve().parent.parent / "helpers" / "data" / "imagenet_hierarchy.json"
ROOT_SYNSET = "entity.n.01"

# WordNet 3.0's lexicographer files, in the order of their numbers (00 to 44); see
# the lexnames(5WN) manual page. nltk reads "<number> <name> <part of speech>".
LEXNAMES = (
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal",
    "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
    "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
    "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon",
    "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
    "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body",
    "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather",
    "adj.ppl",
)
_POS_NUMBER = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
WORDNET_FILES = ("data.noun", "data.verb", "data.adj", "data.adv", "index.noun", "index.verb",
                 "index.adj", "index.adv", "noun.exc", "verb.exc", "adj.exc", "adv.exc",
                 "cntlist.rev")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- inputs


def parse_synset_list(text: str) -> list[str]:
    """The wnid list file (one ``nXXXXXXXX`` per line) -> list of 1000 wnids."""
    wnids = [line.strip() for line in text.splitlines() if line.strip()]
    bad = [w for w in wnids if len(w) != 9 or w[0] != "n" or not w[1:].isdigit()]
    if len(wnids) != 1000 or bad or len(set(wnids)) != 1000:
        raise ValueError(f"Expected 1000 distinct WordNet noun ids, got {len(wnids)} "
                         f"({len(set(wnids))} distinct, malformed: {bad[:3]}).")
    return wnids


def read_timm_synsets(wheel: str | os.PathLike | None = None, allow_download: bool = True) -> tuple[str, str]:
    """Text of timm's ``imagenet_synsets.txt`` and a note on where it came from.

    Raises FileNotFoundError when no source is available (no wheel, no installed
    timm, and ``allow_download`` is false or pip fails).
    """
    wheel = wheel or os.environ.get("TIMM_WHEEL")
    if wheel:
        with zipfile.ZipFile(wheel) as z:
            return z.read(TIMM_MEMBER).decode("utf-8"), f"wheel {Path(wheel).name}"
    spec = importlib.util.find_spec("timm")  # locates the package without importing it
    if spec is not None and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / "data" / "_info" / "imagenet_synsets.txt"
        if path.is_file():
            return path.read_text("utf-8"), "installed timm package"
    if not allow_download:
        raise FileNotFoundError("timm's imagenet_synsets.txt not found: pass --timm-wheel PATH, set "
                                f"$TIMM_WHEEL, or `pip install timm=={TIMM_VERSION} --no-deps`.")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               f"timm=={TIMM_VERSION}", "-d", tmp]
        if subprocess.run(cmd).returncode != 0:
            raise FileNotFoundError(f"`{' '.join(cmd)}` failed; download the wheel by hand and pass --timm-wheel.")
        (found,) = Path(tmp).glob("timm-*.whl")
        with zipfile.ZipFile(found) as z:
            return z.read(TIMM_MEMBER).decode("utf-8"), f"wheel {found.name} (pip download)"


def open_wordnet(root: str | os.PathLike | None = None):
    """An nltk WordNet reader on the plain WordNet 3.0 database folder ``root``.

    Returns (reader, sha256 of data.noun). The folder is mirrored into a temporary
    folder of links with a ``lexnames`` file added, so ``root`` may be read-only.
    """
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class _Reader(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):
            # nltk maps other WordNet versions onto its own 3.0 data for the
            # multilingual extension; we read 3.0 itself and need no mapping.
            return None

    root = Path(root or os.environ.get("WORDNET_DIR") or DEFAULT_WORDNET)
    missing = [f for f in WORDNET_FILES if not (root / f).is_file()]
    if missing:
        raise FileNotFoundError(f"WordNet database files {missing} not found in {root}; install Debian's "
                                "`wordnet-base` or pass --wordnet DIR (or set $WORDNET_DIR).")
    tmp = Path(tempfile.mkdtemp(prefix="wordnet-"))
    for f in WORDNET_FILES:
        (tmp / f).symlink_to((root / f).resolve())
    (tmp / "lexnames").write_text("".join(f"{i:02d}\t{name}\t{_POS_NUMBER[name.split('.')[0]]}\n"
                                          for i, name in enumerate(LEXNAMES)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available"
        reader = _Reader(str(tmp), None)
    weakref.finalize(reader, shutil.rmtree, tmp, True)  # the links go when the reader does
    if reader.get_version() != "3.0":
        raise ValueError(f"{root} holds WordNet {reader.get_version()}, but ImageNet's ids are WordNet 3.0 offsets.")
    return reader, sha256_bytes((root / "data.noun").read_bytes())


def torchvision_class_names() -> list[str]:
    from torchvision.models import VGG16_Weights

    return list(VGG16_Weights.IMAGENET1K_V1.meta["categories"])


# --------------------------------------------------------------------------- the derivation


def choose_path(paths: list[list]) -> list:
    """One of nltk's ``hypernym_paths()`` (each root first): the longest; ties go to
    the one whose synset names, root first, sort first."""
    return min(paths, key=lambda p: (-len(p), [s.name() for s in p]))


def wnid_of(synset) -> str:
    return f"{synset.pos()}{synset.offset():08d}"


def build(wnids: list[str], names: list[str], wordnet) -> dict:
    """The content of the data file (without the ``sources`` record).

    Returns a dict with ``classes`` (one entry per class index: index, wnid, name,
    synset, chain of wnids from the class up to the root) and ``synsets`` (wnid ->
    nltk synset name, for every wnid on any chain). Raises ValueError when an input
    is inconsistent or the chains do not form one tree.
    """
    if len(wnids) != len(names):
        raise ValueError(f"{len(wnids)} wnids but {len(names)} class names.")
    classes, synsets, parent = [], {}, {}
    for i, (wnid, name) in enumerate(zip(wnids, names)):
        syn = wordnet.synset_from_pos_and_offset(wnid[0], int(wnid[1:]))
        path = choose_path(syn.hypernym_paths())
        if path[0].name() != ROOT_SYNSET or path[-1] != syn:
            raise ValueError(f"class {i} ({wnid}): hypernym path {path} does not run from {ROOT_SYNSET}.")
        chain = [wnid_of(s) for s in reversed(path)]
        for s in path:
            synsets[wnid_of(s)] = s.name()
        for child, up in zip(chain[:-1], chain[1:]):
            if parent.setdefault(child, up) != up:
                raise ValueError(f"{child} has two parents ({parent[child]}, {up}): chains do not form a tree.")
        classes.append({"index": i, "wnid": wnid, "name": name, "synset": syn.name(), "chain": chain})
    return {"classes": classes, "synsets": dict(sorted(synsets.items()))}


def dumps(doc: dict) -> str:
    """Deterministic JSON text: one class per line, so diffs stay readable."""
    head = {k: v for k, v in doc.items() if k not in ("classes", "synsets")}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)},")
    lines.append('  "classes": [')
    lines.append(",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in doc["classes"]))
    lines.append("  ],")
    lines.append('  "synsets": {')
    lines.append(",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in doc["synsets"].items()))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def build_document(timm_wheel=None, wordnet_dir=None, allow_download=True) -> dict:
    """Read every input and return the whole document, ``sources`` included."""
    import nltk
    import torchvision

    text, origin = read_timm_synsets(timm_wheel, allow_download)
    reader, noun_sha = open_wordnet(wordnet_dir)
    doc = {
        "format": 1,
        "description": "WordNet 3.0 id and hypernym chain (class first, root entity.n.01 last; "
                       "longest path, ties by name) of each ImageNet class, in torchvision's order. "
                       "Built by data/build_imagenet_hierarchy.py.",
        "notice": "Contains data derived from WordNet 3.0. WordNet 3.0 Copyright 2006 by Princeton "
                  "University. All rights reserved. The WordNet licence and disclaimer are in data/README.md.",
        "sources": {
            "class_names": f"torchvision {torchvision.__version__.split('+')[0]} VGG16_Weights.IMAGENET1K_V1",
            "wnids": f"timm {TIMM_VERSION} {TIMM_MEMBER}",
            "wnids_sha256": sha256_bytes(text.encode("utf-8")),
            "wordnet": "WordNet 3.0",
            "wordnet_data_noun_sha256": noun_sha,
            "reader": f"nltk {nltk.__version__}",
        },
    }
    doc.update(build(parse_synset_list(text), torchvision_class_names(), reader))
    print(f"wnids from {origin}; WordNet from {wordnet_dir or os.environ.get('WORDNET_DIR') or DEFAULT_WORDNET}",
          file=sys.stderr)
    return doc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--timm-wheel", help="path of a timm wheel (default: $TIMM_WHEEL, installed timm, pip download)")
    ap.add_argument("--wordnet", help=f"WordNet 3.0 database folder (default: $WORDNET_DIR or {DEFAULT_WORDNET})")
    ap.add_argument("--out", default=str(OUT), help="file to write (default: %(default)s)")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = ap.parse_args(argv)
    text = dumps(build_document(args.timm_wheel, args.wordnet))
    out = Path(args.out)
    if args.check:
        same = out.is_file() and out.read_text("utf-8") == text
        print(f"{out} is {'up to date' if same else 'OUT OF DATE: rerun without --check'}.")
        return 0 if same else 1
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes, {len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
