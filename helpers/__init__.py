"""Helpers for the course "Category selectivity in CNNs".

The package is built in floors; a module imports only from its own floor or the ones below
(``tests/test_layout.py`` checks it from the code):

====================  ====================================================================
floor                 what lives there
====================  ====================================================================
ground                :mod:`helpers.config` (folders, the one seed function),
                      :mod:`helpers.cache` (atomic writes, checksums, load-or-compute),
                      :mod:`helpers.download` (one verified file from the network),
                      :mod:`helpers.labels` (which network and stimuli produced a result)
:mod:`helpers.stats`  the statistics core, NumPy only: eq. 1 and eq. 2 (``measure``),
                      selection ``rules``, ``permutation`` test, ``bootstrap``,
                      ``binomial`` intervals, the per-layer analysis (``selectivity``)
:mod:`helpers.stimuli`  stimulus ``sets`` and folders, the ``equalize``-r, the ``demo``
                      photographs and their ``sources``
:mod:`helpers.cnn`    the networks: ``models`` (VGG16, layer names), ``activations``
                      (hooks, streamed per-filter maxima, cache), ``imagenet`` (classes, hierarchy)
:mod:`helpers.organism`  the model organism: its generated ``world``, the ``network``
                      (trained copies, untrained controls), ``heldout`` images
:mod:`helpers.analyses`  ``auc``, ``rsa``, ``readout``, ``depth``, ``emergence``,
                      ``controls``, ``replication``, ``breeds``, ``geometry``, ``claims``
                      (the paper's claims scored), ``verdicts``, ``exemplars``, ``featureviz``
:mod:`helpers.present`  ``plots``, ``diagrams``, ``widgets``
:mod:`helpers.edge`   the only readers of ``COURSE_PROFILE``: ``profiles``, ``course``
                      (the notebooks' glue), ``exercises`` (checks that never lie),
                      ``envcheck``, ``cli`` (``python -m helpers``)
====================  ====================================================================

Every function has one home, named above. For the notebooks' convenience the modules they
use most are also reachable from the package itself, loaded on first use:
``from helpers import course`` is :mod:`helpers.edge.course` (likewise ``plots``,
``widgets``, ``diagrams``, ``selectivity``).
"""

import importlib

__version__ = "0.1.0"

from helpers.config import UntrainedWarning, seed_everything  # noqa: E402,F401

#: Short names for the modules the notebooks use most: name -> home.
SHORTCUTS = {
    "course": "helpers.edge.course",
    "plots": "helpers.present.plots",
    "widgets": "helpers.present.widgets",
    "diagrams": "helpers.present.diagrams",
    "selectivity": "helpers.stats.selectivity",
}


def __getattr__(name):
    # Loaded lazily so that `import helpers` stays free of torch and matplotlib.
    if name in SHORTCUTS:
        return importlib.import_module(SHORTCUTS[name])
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
