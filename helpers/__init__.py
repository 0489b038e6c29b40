"""Helpers for the course "Category selectivity in CNNs".

Each module is one idea:

- :mod:`helpers.config`       profiles (``COURSE_PROFILE``), cache folder, one seed function
- :mod:`helpers.stimuli`      stimulus sets: folders of images, generated schematic set
- :mod:`helpers.models`       VGG16 and other torchvision CNNs, the paper's layer names
- :mod:`helpers.activations`  per-filter maximum activations, streamed and cached
- :mod:`helpers.selectivity`  eq. 1, eq. 2, permutation test, per-layer summary
- :mod:`helpers.plots`        figures shared by the notebooks and the command line
- :mod:`helpers.datasets`     the downloadable demo photographs (Caltech-101 selection)
- :mod:`helpers.imagenet`     ImageNet class names, WordNet hierarchy, mistake severity
- :mod:`helpers.miniworld`    a generated mini-ImageNet (dog breeds, cars, cups, ...) and measurement drawings
- :mod:`helpers.organism`     the model organism: a small VGG16-shaped network trained on that world
- :mod:`helpers.featureviz`   activation maximisation and dataset exemplars
- :mod:`helpers.course`       glue for the notebooks (set-up, shared data, exercise checks)
"""

__version__ = "0.1.0"

from .config import UntrainedWarning, get_profile, seed_everything  # noqa: E402,F401
