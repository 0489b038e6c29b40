"""The model organism: a small VGG16-shaped network trained here on a generated world.

- :mod:`helpers.organism.world`    the generated mini-ImageNet and the measurement drawings
- :mod:`helpers.organism.network`  the network, its committed trained copies and untrained controls
- :mod:`helpers.organism.heldout`  fresh held-out images of the training classes, as a stimulus set
"""
