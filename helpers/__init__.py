"""Helpers for the course "Category selectivity in CNNs".

Each module is one idea:

- :mod:`helpers.profiles`     the two profiles (``COURSE_PROFILE``), read only by the edges below
- :mod:`helpers.course`       edge: glue for the notebooks (set-up, the profile's data, exercise checks)
- :mod:`helpers.__main__`     edge: the command line, ``python -m helpers report``
- :mod:`helpers.envcheck`     edge: is this machine ready for the course?
- :mod:`helpers.config`       where things are kept (cache, data folder, package data) and the one seed function
- :mod:`helpers.cache`        atomic writes, checksums, format versions, load-or-compute
- :mod:`helpers.download`     one file from the network: resumable, size-capped, verified (or streamed)
- :mod:`helpers.labels`       which network and stimuli produced a result, in words (no torch)
- :mod:`helpers.stimuli`      stimulus sets: folders of images, generated schematic set
- :mod:`helpers.datasets`     the downloadable demo photographs (Caltech-101 selection, plus the sources)
- :mod:`helpers.sources`      Faces in Things (i-see-face) and Oxford-IIIT Pet (dog breeds) for the demo set
- :mod:`helpers.models`       VGG16 and other torchvision CNNs, the paper's layer names
- :mod:`helpers.activations`  per-filter maximum activations, streamed and cached
- :mod:`helpers.selectivity`  the per-layer analysis (analyze, decisions, summary table, saving); re-exports below
- :mod:`helpers.measure`      eq. 1 and eq. 2 on arrays, silent filters, input checks
- :mod:`helpers.rules`        which filters count as selective: rules validated, Benjamini–Hochberg, decisions
- :mod:`helpers.permutation`  the permutation test of eq. 2, resolved for Benjamini–Hochberg
- :mod:`helpers.bootstrap`    uncertainty from the stimuli: images resampled within category
- :mod:`helpers.binomial`     binomial proportions: exact tails, Clopper–Pearson and Wilson intervals
- :mod:`helpers.analysis`     beyond the paper: ROC AUC, RSA, linear read-out, detector depth
- :mod:`helpers.featureviz`   activation maximisation: parameterisations, transforms, objectives, render loop
- :mod:`helpers.exemplars`    the stimuli that drive a filter most and least, with activation maps
- :mod:`helpers.imagenet`     ImageNet class names, WordNet hierarchy, mistake severity
- :mod:`helpers.miniworld`    a generated mini-ImageNet (dog breeds, cars, cups, ...) and measurement drawings
- :mod:`helpers.organism`     the model organism: a small VGG16-shaped network trained on that world
- :mod:`helpers.organism_stimuli` fresh held-out images of the organism's training classes, as a stimulus set
- :mod:`helpers.emergence`    does selectivity emerge with training? proportions side by side, trained minus untrained
- :mod:`helpers.breeds`       the essay's experiment: breed-selective units, other breeds vs cars and cups, cross-fitted
- :mod:`helpers.geometry`     class geometry: centroid RDMs, does a group of classes (the breeds) cluster?
- :mod:`helpers.claims`       the paper's four claims and the essay's fifth, scored on a run (verdicts from intervals)
- :mod:`helpers.verdicts`     conclusions computed from the numbers: what a test shows and what it does not
- :mod:`helpers.plots`        figures shared by the notebooks and the command line (course colours, figure audit)
- :mod:`helpers.diagrams`     the pipeline and VGG16's blocks, drawn in code (matplotlib)
- :mod:`helpers.widgets`      interactive explorers for the notebooks
"""

__version__ = "0.1.0"

from .config import UntrainedWarning, seed_everything  # noqa: E402,F401
