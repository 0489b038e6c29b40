"""The full-profile rehearsal, second part: learner notebooks 06-10 under ``full`` on stand-ins,
after the same ``binder/postBuild`` (test_rehearsal.py, which runs it once per test session and
checks notebooks 00-05). Two files, so that ``make test`` can hand them to its two processes."""

import pytest

from test_learner_notebooks import LEARNER
from test_rehearsal import FIRST, check_learner_notebook, rehearsal  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow

LATER = [p for p in LEARNER if p not in FIRST]


def test_the_two_files_run_every_learner_notebook():
    assert FIRST and LATER and sorted(FIRST + LATER) == LEARNER


@pytest.mark.parametrize("path", LATER, ids=lambda p: p.stem)
def test_learner_notebook_runs_under_full_on_stand_ins(rehearsal, path):
    check_learner_notebook(rehearsal, path)
