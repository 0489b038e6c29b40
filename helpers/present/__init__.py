"""Presentation: figures, diagrams and interactive explorers.

- :mod:`helpers.present.plots`     figures shared by the notebooks and the command line
- :mod:`helpers.present.diagrams`  the pipeline and VGG16's blocks, drawn in code
- :mod:`helpers.present.widgets`   interactive explorers (sliders) for the notebooks
"""
