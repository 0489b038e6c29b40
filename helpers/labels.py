"""Which network and which stimuli produced a result, in words (no torch needed).

Untrained networks and schematic drawings are legitimate controls and rehearsals,
but their numbers must never pass for the paper's. Every model loaded by
:mod:`helpers.cnn.models` carries a :class:`ModelInfo`; every result computed from it
(activations, selectivity) carries a ``meta`` dict and the :class:`ModelMeta`
properties that read it; :func:`title` turns either into a one-line figure title that
says which network (and UNTRAINED where that is so) and which stimuli.
"""

from __future__ import annotations

from dataclasses import dataclass

UNTRAINED_NOTE = "UNTRAINED (random weights)"  # added to a title whose model label does not say so itself
SCHEMATIC_NOTE = "measured on generated drawings"  # the stimuli part of a title (not photographs)
TITLE_SEPARATOR = " · "
PAPER_CATEGORIES = ("face", "i-see-face", "car", "dog")  # the paper's four categories (300 images in all)
STANDIN = "STAND-IN"  # ModelInfo.weights of a weights file not torchvision's own: "STAND-IN <file name>"
ORGANISM_ARCH = "mini-vgg16"  # the model organism (helpers.organism): VGG16's layout, fewer channels
ORGANISM_LOSSES = {"ce": "cross-entropy", "soft": "soft labels"}


@dataclass(frozen=True)
class ModelInfo:
    """What a model is, for labels and cache keys.

    Attributes
    ----------
    arch : torchvision architecture name, e.g. "vgg16", or ORGANISM_ARCH (the model organism)
    weights : weights name, e.g. "IMAGENET1K_V1", "ce" or "soft" (organism), "untrained", or
        "STAND-IN <file name>" for a weights file that is not torchvision's own (a rehearsal's
        seeded random weights served where the ImageNet ones would be: :mod:`helpers.cnn.models`)
    seed : the seed of the random initialisation (untrained models), else None
    """

    arch: str
    weights: str
    seed: int | None = None

    @property
    def trained(self) -> bool:
        return self.weights != "untrained"

    @property
    def standin(self) -> bool:
        """Weights loaded where the trained ones would be, but not torchvision's file (see
        :mod:`helpers.cnn.models`): a rehearsal of the full profile, whose numbers mean nothing."""
        return self.weights.startswith(STANDIN)

    @property
    def label(self) -> str:
        if self.arch == ORGANISM_ARCH:
            if self.trained:
                return (f"Mini-VGG16 organism ({ORGANISM_LOSSES.get(self.weights, self.weights)}), trained on "
                        "generated drawings — not the paper's VGG16")
            return f"Mini-VGG16 organism, UNTRAINED (random weights, seed {self.seed})"
        name = self.arch.upper() if self.arch.startswith("vgg") else self.arch
        if self.standin:
            file = self.weights.split(" ", 1)[1] if " " in self.weights else "?"
            return f"{name}, STAND-IN weights ({file}; not torchvision's ImageNet weights)"
        if self.trained:
            return f"{name}, ImageNet weights ({self.weights})"
        return f"{name}, UNTRAINED (random weights, seed {self.seed})"


class ModelMeta:
    """Mixin for results that carry a ``meta`` dict describing where they came from
    (keys ``model``, ``trained``, ``schematic``, ``source``, as
    :func:`helpers.cnn.activations.collect` writes them)."""

    meta: dict

    @property
    def trained(self) -> bool:
        return bool(self.meta.get("trained", False))

    @property
    def model_label(self) -> str:
        return str(self.meta.get("model", "unknown model"))

    @property
    def schematic(self) -> bool:
        """Whether the stimuli were the generated schematic drawings."""
        return bool(self.meta.get("schematic", False))

    @property
    def stimuli_source(self) -> str:
        """Where the stimuli came from, e.g. ``folder photos/`` or ``schematic drawings (...)``."""
        return str(self.meta.get("source", ""))


def title_for(model_label: str, trained: bool, schematic: bool = False) -> str:
    """A one-line figure title that never lets untrained or schematic results pass for the paper's.

    ``model_label`` (e.g. :attr:`ModelInfo.label`), then ``UNTRAINED (random weights)`` when
    the network is untrained and its label does not already say UNTRAINED, then
    ``measured on generated drawings`` when the stimuli are drawings; the parts are
    joined by :data:`TITLE_SEPARATOR`, e.g. ``"Mini-VGG16 organism, UNTRAINED (random
    weights, seed 0) · measured on generated drawings"``.
    """
    parts = [" ".join(str(model_label).split())]
    if not trained and "UNTRAINED" not in parts[0]:
        parts.append(UNTRAINED_NOTE)
    if schematic:
        parts.append(SCHEMATIC_NOTE)
    return TITLE_SEPARATOR.join(parts)


def title(result, schematic: bool | None = None) -> str:
    """:func:`title_for` read off a result: anything with a ``meta`` dict (activations,
    selectivity results; see :class:`ModelMeta`) or with ``model_label`` and ``trained``
    attributes (feature visualisations). ``schematic`` overrides what the result says."""
    meta = getattr(result, "meta", None)
    if isinstance(meta, dict) and "model" in meta:
        label, trained, drawn = str(meta["model"]), bool(meta.get("trained", False)), bool(meta.get("schematic"))
    elif hasattr(result, "model_label") and hasattr(result, "trained"):
        label, trained = str(result.model_label), bool(result.trained)
        drawn = bool(getattr(result, "schematic", False))
    else:
        raise TypeError(f"Cannot tell which model produced a {type(result).__name__}: it has neither a meta "
                        "dict with 'model' nor model_label/trained attributes.")
    return title_for(label, trained, drawn if schematic is None else schematic)
