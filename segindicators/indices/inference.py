"""Bootstrap confidence intervals and the expected value under random allocation, for all segments at once.

Each draw resamples every unit's counts; the draws are stacked as extra segments (draw ``d`` of segment ``s``
becomes segment ``d * nseg + s``), so the same registry kernels compute all draws × municipalities × years in
a few ``np.bincount`` calls. Draws are processed in chunks so that memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.indices._prepare import Missing, prepare
from segindicators.indices.citywide import _compute, _long_result, resolve_indices
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP, ssum

_MULTIGROUP_NAME = {"dissimilarity": "multigroup_dissimilarity", "theil_h": "multigroup_theil_h"}


def _integer_totals(t: np.ndarray) -> np.ndarray:
    ti = np.rint(t)
    if not np.allclose(ti, t, rtol=0, atol=1e-9):
        raise ValueError(
            "bootstrap resampling needs whole-number counts (persons); the totals contain fractions. "
            "Round the counts first if they are estimates"
        )
    return ti.astype(np.int64)


def _simulate(rng, ti, probs, size):
    """Binomial (probs 1-D) or multinomial (probs 2-D) draws of each unit's counts, shape size (+ (K,))."""
    if probs.ndim == 1:
        return rng.binomial(ti, np.clip(probs, 0.0, 1.0), size=size).astype(np.float64)
    return rng.multinomial(ti, probs, size=size).astype(np.float64)


def bootstrap_indices(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    by: str | Sequence[str] = (),
    indices: str | Sequence[str] | None = None,
    draws: int = 999,
    level: float = 0.95,
    rng: np.random.Generator | int | None = None,
    expected_random: str | Sequence[str] | None = ("dissimilarity", "theil_h"),
    random_draws: int = 199,
    min_unit_size: float = 50,
    max_cells: int = 1_000_000,
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Segregation indices with percentile bootstrap CIs and the expected value under random allocation.

    *Bootstrap*: each unit's counts are redrawn from a multinomial with the unit's own size :math:`t_i` and
    observed shares :math:`p_{ik}` (a binomial :math:`x_i^* \sim Bin(t_i, p_i)` for two groups) and the index
    is recomputed; ``ci_low``/``ci_high`` are the :math:`(1 \mp level)/2` percentiles of the draws
    (Efron & Tibshirani 1993; for segregation indices Allen, Burgess, Davidson & Windmeijer 2015, "More reliable
    inference for the dissimilarity index of segregation", Econometrics Journal 18(1), who also show that D is
    biased upwards in small units, so the percentile interval is centred above the truth there).

    *Random allocation* (``expected_random``): with unit sizes fixed, every resident independently belongs to
    group k with the segment's overall share :math:`P_k` (:math:`x_i \sim Bin(t_i, P)`), i.e. no segregation
    except chance; the mean index over the draws is ``expected_random``, so ``value − expected_random`` is the
    excess over random (Carrington & Troske 1997, J. Bus. Econ. Stat. 15(4); Allen et al. 2015). This binomial
    null lets the group total vary slightly across draws (a hypergeometric null would fix it); the difference is
    negligible at RegSO sizes.

    Parameters
    ----------
    counts, group, total, by, indices, missing
        As in :func:`segindicators.indices.segregation_indices`. Counts must be whole numbers.
    draws : int
        Number of bootstrap (and random-allocation) draws.
    level : float
        Confidence level of the percentile interval.
    rng : numpy Generator or int seed, optional
        Source of randomness; pass a seed for reproducible results.
    expected_random : str or list of str or None
        Index names for which to compute the random-allocation expectation (default D and H, the two the
        literature reports "excess over random" for); ``None`` skips it. Rows of other indices get NaN in
        ``expected_random`` with the flag token ``expected_random_not_computed``.
    random_draws : int
        Number of random-allocation draws (capped at ``draws``). Only their mean is used, so fewer draws are
        needed than for percentiles: with 199 draws the Monte Carlo error of ``expected_random`` is about
        1/14 of the null distribution's standard deviation.
    min_unit_size : float
        Units with fewer residents than this are counted per segment in the ``flags`` token
        ``small_units=N`` (their shares are noisy and they bias D upwards).
    max_cells : int
        Bound on units × draws handled per chunk (memory ≈ 50 bytes × max_cells for two groups).

    Returns
    -------
    DataFrame
        ``by`` columns, ``index``, ``value``, ``ci_low``, ``ci_high``, ``expected_random`` (if requested),
        ``flags``. Draws where an index is undefined (e.g. no group member drawn) are ignored in the
        percentiles; ``attrs["draws"]``, ``attrs["level"]`` record the settings.

    Examples
    --------
    >>> df = pd.DataFrame({"k": ["A"] * 4, "x": [100, 60, 40, 0], "t": [100] * 4})
    >>> r = bootstrap_indices(df, group="x", total="t", by="k", indices="dissimilarity", draws=200, rng=1)
    >>> row = r.iloc[0]
    >>> bool(row.ci_low < row.value < row.ci_high), bool(row.expected_random < 0.1)
    (True, True)
    """
    if draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    multigroup = not isinstance(group, str)
    names = resolve_indices(indices, multigroup)
    registry = MULTIGROUP if multigroup else TWO_GROUP
    prep = prepare(counts, group=group, total=total, by=by, missing=missing)
    rng = np.random.default_rng(rng)
    point = _compute(prep, names, multigroup)

    # order units by (segment, observed p) so the Gini sort of each draw sees nearly ordered input
    p_first = prep.x / prep.t if prep.x.ndim == 1 else prep.x[:, 0] / prep.t
    order = np.lexsort((p_first, prep.codes))
    x, t, c, nseg = prep.x[order], prep.t[order], prep.codes[order], prep.nseg
    if expected_random is not None and multigroup:
        # the two-group names D and H stand for their multigroup counterparts with a list of groups
        names_in = [expected_random] if isinstance(expected_random, str) else list(expected_random)
        expected_random = [_MULTIGROUP_NAME.get(nm, nm) for nm in names_in]
    rand_names = [] if expected_random is None else resolve_indices(expected_random, multigroup)
    rand_names = [nm for nm in names if nm in rand_names]
    rand_pos = [names.index(nm) for nm in rand_names]
    n = len(t)
    ti = _integer_totals(t)
    p_obs = x / t if x.ndim == 1 else x / t[:, None]
    T = ssum(t, c, nseg)
    if x.ndim == 1:
        p_null = (ssum(x, c, nseg) / T)[c]
    else:
        p_null = (np.column_stack([ssum(x[:, k], c, nseg) for k in range(x.shape[1])]) / T[:, None])[c]

    chunk = max(1, min(draws, max_cells // max(n, 1)))

    def simulated(probs: np.ndarray, ndraws: int, run: list[str]):
        """Yield (start, values (m, nseg, len(run))) chunk by chunk: a loop over chunks, not over areas."""
        for start in range(0, ndraws, chunk):
            m = min(chunk, ndraws - start)
            codes_m = (np.arange(m)[:, None] * nseg + c[None, :]).ravel()
            xs = _simulate(rng, ti, probs, (m, n)).reshape(m * n, *x.shape[1:])
            t_m = np.tile(t, m)
            with np.errstate(divide="ignore", invalid="ignore"):
                yield (
                    start,
                    np.stack(
                        [registry[nm](xs, t_m, codes_m, m * nseg).reshape(m, nseg) for nm in run], axis=-1
                    ),
                )

    boot = np.empty((draws, nseg, len(names)))
    for start, vals in simulated(p_obs, draws, names):
        boot[start : start + len(vals)] = vals
    random_draws = min(random_draws, draws)
    null_sum = np.zeros((nseg, len(rand_names)))
    null_cnt = np.zeros((nseg, len(rand_names)))
    if rand_names:
        for _, vals in simulated(p_null, random_draws, rand_names):
            ok = np.isfinite(vals)
            null_sum += np.where(ok, vals, 0.0).sum(axis=0)
            null_cnt += ok.sum(axis=0)

    alpha = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(boot)
        if finite.all():
            lo, hi = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        else:
            lo, hi = np.nanquantile(np.where(finite, boot, np.nan), [alpha, 1 - alpha], axis=0)
    out = _long_result(prep.keys, names, point)
    out["ci_low"] = lo.reshape(-1)
    out["ci_high"] = hi.reshape(-1)
    notes = np.full((nseg, len(names)), "", dtype=object)
    if rand_names:
        er = np.full((nseg, len(names)), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            er[:, rand_pos] = null_sum / null_cnt
        notes[:, [i for i in range(len(names)) if i not in rand_pos]] = "expected_random_not_computed"
        out["expected_random"] = er.reshape(-1)
    small = np.bincount(c, weights=(t < min_unit_size).astype(float), minlength=nseg).astype(int)
    small_tok = np.repeat(np.where(small > 0, np.char.add("small_units=", small.astype(str)), ""), len(names))
    flags = out["flags"].to_numpy(dtype=object)
    joined = [
        ";".join(tok for tok in (f, s, nt) if tok)
        for f, s, nt in zip(flags, small_tok, notes.reshape(-1), strict=True)
    ]
    out["flags"] = pd.array(joined, dtype="str")
    out = out[[col for col in out.columns if col != "flags"] + ["flags"]]
    out.attrs.update(prep.attrs, draws=draws, level=level, min_unit_size=min_unit_size)
    return out
