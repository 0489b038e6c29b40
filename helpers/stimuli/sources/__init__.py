"""Image sources added to the Caltech-101 demo set for the paper's categories.

The paper compares faces, face pareidolia ("i-see-face"), cars and dogs; the essay
compares a dog unit's response to other dog breeds with its response to cars and cups.
Caltech-101 (:mod:`helpers.stimuli.demo`) has faces, cars, cups and one dog breed. Two more
sources fill the gaps, one module each:

- :mod:`helpers.stimuli.sources.facesinthings`: about 75 pareidolia photographs from the
  "Faces in Things" dataset, fetched one by one from URLs pinned to git commits,
  best-effort (the category is left out, loudly, when fewer than 50 arrive).
- :mod:`helpers.stimuli.sources.oxford_pet`: 15 photographs of each of five dog breeds from
  Oxford-IIIT Pet, streamed out of its MD5-checked archive without storing it.

:func:`helpers.stimuli.demo.demo_set` puts them together with the Caltech-101 images. Both
use the package's single helpers: :mod:`helpers.download` (the downloader and the
streaming reader), :mod:`helpers.cache` (atomic manifests, checksums, deleting only
inside their folders, never replacing a folder a learner filled),
:func:`helpers.stimuli.sets.check_image` and :func:`helpers.stimuli.sets.check_name`, and
:func:`helpers.config.data_root` for where the photographs live.
"""
