"""Regenerate ``helpers/data/pareidolia_set.csv``: which Faces in Things images form i-see-face.

Two steps, both pure functions of committed files (see ``data/README.md``):

1. ``data/facesinthings_candidates.csv`` is the candidate pool: the rows of the
   upstream ``metadata.csv`` (mhamilton723/FacesInThings at the commit in
   ``helpers.stimuli.sources.facesinthings.METADATA_COMMIT``) that lie wholly within its first
   64,000 characters and pass the filter (:func:`keep_row`: one face, "Easy", accident
   or design stated, no flag but 'Interesting'). Rebuilding it needs a copy of that
   file: ``--metadata PATH``.
2. ``helpers/data/pareidolia_set.csv`` is the seeded, stratified draw from the pool
   (:func:`build_pareidolia_list`), each image pinned to a commit of 3lbom/pareidolia
   with its stored size, taken from ``data/facesinthings_pins.csv``. This step runs
   offline.

The pool and the pins are inputs of this builder only; the package reads just the
resulting list (:func:`helpers.stimuli.sources.facesinthings.read_pareidolia_list`).

    python data/build_pareidolia_list.py                    # rewrite the list (step 2)
    python data/build_pareidolia_list.py --check            # exit 1 if the committed list differs
    python data/build_pareidolia_list.py --metadata metadata.csv [--check]   # step 1 as well
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import zlib
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.stimuli.sources import facesinthings as fit  # noqa: E402

HERE = Path(__file__).resolve().parent
CANDIDATES = HERE / "facesinthings_candidates.csv"
PINS = HERE / "facesinthings_pins.csv"
N_IMAGES = 75
SEED = 2024
METADATA_PREFIX = 64_000  # characters of metadata.csv whose complete rows form the candidate pool
KEPT_FLAGS = ("", "['Interesting']")  # any other flag (NSFW, ...) excludes a row
CANDIDATE_COLUMNS = ("file", "url", "Is there a face?", "Hard to spot?", "Accident or design?", "Flags", "num_boxes")
PIN_COLUMNS = ("file", "commit", "width", "height", "status", "evidence")


# --------------------------------------------------------------------------- the selection


def keep_row(row: dict) -> bool:
    """The metadata filter: one face ("Yes", one box), "Easy" to spot, accident or
    design stated, and no flag other than 'Interesting' (an annotator's remark, not
    a content warning; NSFW and every other flag exclude the row)."""
    return (row.get("Is there a face?") == "Yes" and row.get("num_boxes") == "1"
            and row.get("Hard to spot?") == "Easy" and row.get("Accident or design?") in fit.STRATA
            and row.get("Flags", "") in KEPT_FLAGS)


def metadata_candidates(text: str, prefix: int = METADATA_PREFIX) -> list[dict]:
    """Rows of an upstream ``metadata.csv`` (its text) that lie wholly within its
    first ``prefix`` characters and pass :func:`keep_row`, reduced to
    :data:`CANDIDATE_COLUMNS`, in file order."""
    head = text[:prefix]
    head = head[: head.rfind("\n") + 1]
    rows = csv.DictReader(io.StringIO(head, newline=""))
    missing = [c for c in CANDIDATE_COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise ValueError(f"this is not Faces in Things' metadata.csv: columns {missing} are missing.")
    return [{c: r[c] for c in CANDIDATE_COLUMNS} for r in rows if keep_row(r)]


def write_rows(rows: Iterable[dict], columns: Sequence[str], out) -> None:
    """Write dict rows as CSV (header first, ``\\n`` line ends) to a path or text stream."""
    if not hasattr(out, "write"):
        with open(out, "w", newline="", encoding="utf-8") as f:
            return write_rows(rows, columns, f)
    w = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)


def read_candidates(path: str | os.PathLike = CANDIDATES) -> list[dict]:
    """The committed candidate pool (the filtered upstream rows), checked."""
    path = Path(path)
    rows = fit.read_table(path, CANDIDATE_COLUMNS, "rebuild it with data/build_pareidolia_list.py --metadata FILE")
    bad = [r["file"] for r in rows if not fit.FILE_NAME.fullmatch(r["file"]) or not keep_row(r)
           or r["url"] != fit.pinned_url(r["file"], "main")]  # upstream's own URLs name the branch
    if bad:
        raise ValueError(f"{path}: rows {bad[:3]} are not Faces in Things candidates; rebuild the file.")
    return rows


def read_pins(path: str | os.PathLike = PINS) -> dict[str, dict]:
    """file -> {commit, width, height, status, evidence} for the images looked up in
    ``3lbom/pareidolia``; status ``ok``, or ``absent`` (no such file there);
    evidence says what the pin rests on (see ``data/README.md``)."""
    path = Path(path)
    rows = fit.read_table(path, PIN_COLUMNS, "see data/README.md for how the pins were looked up")
    out = {}
    for r in rows:
        if not fit.FILE_NAME.fullmatch(r["file"]) or r["status"] not in ("ok", "absent") or r["file"] in out or (
                r["status"] == "ok" and not (fit.COMMIT.fullmatch(r["commit"]) and r["width"].isdigit()
                                             and r["height"].isdigit())):
            raise ValueError(f"{path}: malformed or repeated row {r}.")
        out[r["file"]] = r
    return out


def build_pareidolia_list(candidates: Sequence[dict], pins: dict[str, dict], n: int = N_IMAGES,
                          seed: int = SEED) -> list[dict]:
    """The seeded selection as rows of ``fit.LIST_COLUMNS``, sorted by file name.

    The pool is split by "Accident or design?"; the first stratum gets ``ceil(n/2)``
    images, the second the rest (or whatever the first could not fill). Each stratum
    is shuffled with ``numpy.random.default_rng([seed, crc32(stratum)])`` and walked
    in that order, skipping images pinned as ``absent``, until its share is full.
    Raises ValueError naming the first image that still needs a pin.
    """
    strata = {s: [r for r in candidates if r["Accident or design?"] == s] for s in fit.STRATA}
    first, second = fit.STRATA
    quota = {first: -(-n // 2), second: n // 2}
    quota[second] += max(0, quota[first] - len(strata[first]))
    chosen = []
    for s in fit.STRATA:
        rng = np.random.default_rng([seed, zlib.crc32(s.encode())])
        taken = 0
        for i in rng.permutation(len(strata[s])):
            if taken == quota[s]:
                break
            row = strata[s][int(i)]
            pin = pins.get(row["file"])
            if pin is None:
                raise ValueError(f"{row['file']} (data/{fit.shard(row['file'])}/ in {fit.IMAGE_REPO}) has no pin: "
                                 f"look up the commit and size of that file and add a row to {PINS.name}.")
            if pin["status"] == "absent":
                continue
            chosen.append({"file": row["file"], "url": fit.pinned_url(row["file"], pin["commit"]),
                           "commit": pin["commit"], "width": pin["width"], "height": pin["height"],
                           "accident_or_design": s, "hard_to_spot": row["Hard to spot?"], "flags": row["Flags"]})
            taken += 1
    return sorted(chosen, key=lambda r: r["file"])


# --------------------------------------------------------------------------- the command line


def render_candidates(rows) -> str:
    """The candidate CSV text for candidate rows."""
    buf = io.StringIO()
    write_rows(rows, CANDIDATE_COLUMNS, buf)
    return buf.getvalue()


def render(candidates=None) -> str:
    """The list CSV text the committed ``pareidolia_set.csv`` must hold, drawn from
    ``candidates`` (rows; default: the committed pool)."""
    buf = io.StringIO()
    rows = build_pareidolia_list(read_candidates() if candidates is None else candidates, read_pins())
    write_rows(rows, fit.LIST_COLUMNS, buf)
    return buf.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    ap.add_argument("--metadata", type=Path, help="upstream metadata.csv: rebuild the candidate pool from it too")
    args = ap.parse_args(argv)
    try:
        outputs, pool = [], None
        if args.metadata:
            pool = metadata_candidates(args.metadata.read_text("utf-8"))
            outputs.append((CANDIDATES, render_candidates(pool)))
        outputs.append((fit.PAREIDOLIA_LIST, render(pool)))
    except (OSError, ValueError) as e:
        print(f"build_pareidolia_list: {e}", file=sys.stderr)
        return 2
    status = 0
    for path, text in outputs:
        if args.check:
            same = path.is_file() and path.read_text("utf-8") == text
            print(f"{path} is {'up to date' if same else 'OUT OF DATE: rerun without --check'}.")
            status |= 0 if same else 1
        else:
            path.write_text(text, "utf-8")
            print(f"wrote {path} ({len(text.splitlines()) - 1} rows)")
    return status


if __name__ == "__main__":
    sys.exit(main())
