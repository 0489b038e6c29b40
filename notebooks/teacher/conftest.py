"""`make test` runs these notebooks with nbval (Makefile). Their kernels use the cache the test
session's notebooks share (tests/conftest.py, ``_private_dirs``): a kernel starts with the
environment of the test process when its notebook's first cell is set up."""

import os

import pytest

_SAVED = pytest.StashKey["str | None"]()  # COURSE_CACHE before the item's setup


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    shared = os.environ.get("COURSE_TEST_NOTEBOOK_CACHE")
    if shared:
        item.stash[_SAVED] = os.environ.get("COURSE_CACHE")
        os.environ["COURSE_CACHE"] = shared


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    if _SAVED in item.stash:
        saved = item.stash[_SAVED]
        if saved is None:
            os.environ.pop("COURSE_CACHE", None)
        else:
            os.environ["COURSE_CACHE"] = saved

