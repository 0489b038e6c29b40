"""Regenerate ``helpers/data/demo_set.csv``: which Caltech-101 images form the demo set.

The selection is a pure function of the folder sizes, the number per category and
the seed (see ``helpers.stimuli.demo.select_demo_files``), so no download is needed:

    python data/build_demo_list.py           # rewrite helpers/data/demo_set.csv
    python data/build_demo_list.py --check   # exit 1 if the committed file differs
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.stimuli.demo import DEMO_LIST, select_demo_files, write_demo_list  # noqa: E402


def render() -> str:
    """The CSV text the committed file must hold."""
    buf = io.StringIO()
    write_demo_list(select_demo_files(), buf)
    return buf.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        same = DEMO_LIST.is_file() and DEMO_LIST.read_text("utf-8") == text
        print(f"{DEMO_LIST} is {'up to date' if same else 'OUT OF DATE: rerun without --check'}.")
        return 0 if same else 1
    DEMO_LIST.write_text(text, "utf-8")
    print(f"wrote {DEMO_LIST} ({len(text.splitlines()) - 1} images)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
