"""The networks: loading them, reading their activations, naming their classes.

- :mod:`helpers.cnn.models`       VGG16 and other torchvision CNNs, the paper's layer names
- :mod:`helpers.cnn.activations`  per-filter maximum activations, streamed and cached (forward hooks)
- :mod:`helpers.cnn.imagenet`     ImageNet class names, WordNet hierarchy, mistake severity
"""
