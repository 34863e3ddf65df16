"""Chart builders by chart family: from the processed inputs to figures of the standard set.

One module per family (:mod:`.trends`, :mod:`.districts`, :mod:`.indices`, :mod:`.peers`, :mod:`.plan`,
:mod:`.maps`); :mod:`segindicators.charts.registry` maps every chart of the set to its builder.
"""
