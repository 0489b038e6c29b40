"""Regenerate ``data/pareidolia_set.csv``: which Faces in Things images form i-see-face.

Two steps, both pure functions of committed files (see ``data/README.md``):

1. ``data/facesinthings_candidates.csv`` is the candidate pool: the rows of the
   upstream ``metadata.csv`` (mhamilton723/FacesInThings at the commit in
   ``helpers.sources.facesinthings.METADATA_COMMIT``) that lie wholly within its first
   64,000 characters and pass the filter (one face, "Easy", accident or design
   stated, no flag but 'Interesting'). Rebuilding it needs a copy of that file:
   ``--metadata PATH``.
2. ``data/pareidolia_set.csv`` is the seeded, stratified draw from the pool, each
   image pinned to a commit of 3lbom/pareidolia with its stored size, taken from
   ``data/facesinthings_pins.csv``. This step runs offline.

    python data/build_pareidolia_list.py                    # rewrite the list (step 2)
    python data/build_pareidolia_list.py --check            # exit 1 if the committed list differs
    python data/build_pareidolia_list.py --metadata metadata.csv [--check]   # step 1 as well
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.sources import facesinthings as fit  # noqa: E402


def render_candidates(rows) -> str:
    """The candidate CSV text for candidate rows."""
    buf = io.StringIO()
    fit.write_rows(rows, fit.CANDIDATE_COLUMNS, buf)
    return buf.getvalue()


def render(candidates=None) -> str:
    """The list CSV text the committed ``pareidolia_set.csv`` must hold, drawn from
    ``candidates`` (rows; default: the committed pool)."""
    buf = io.StringIO()
    rows = fit.build_pareidolia_list(fit.read_candidates() if candidates is None else candidates, fit.read_pins())
    fit.write_rows(rows, fit.LIST_COLUMNS, buf)
    return buf.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    ap.add_argument("--metadata", type=Path, help="upstream metadata.csv: rebuild the candidate pool from it too")
    args = ap.parse_args(argv)
    try:
        outputs, pool = [], None
        if args.metadata:
            pool = fit.metadata_candidates(args.metadata.read_text("utf-8"))
            outputs.append((fit.CANDIDATES, render_candidates(pool)))
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
