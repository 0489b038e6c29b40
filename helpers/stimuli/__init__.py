"""Stimuli: what the networks are shown.

- :mod:`helpers.stimuli.sets`      the stimulus-set class, preprocessing, folders of images
- :mod:`helpers.stimuli.equalize`  luminance, contrast and spectrum equalised across a set (SHINE-style)
- :mod:`helpers.stimuli.demo`      the downloadable demo photographs (Caltech-101 selection plus the sources)
- :mod:`helpers.stimuli.sources`   Faces in Things (i-see-face) and Oxford-IIIT Pet (dog breeds)
"""
