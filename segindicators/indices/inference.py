r"""Bootstrap intervals, bootstrap bias correction and the expected value under random allocation, all segments at once.

Each draw resamples every unit's counts; the draws are stacked as extra segments (draw ``d`` of segment ``s``
becomes segment ``d * nseg + s``), so the same registry kernels compute all draws × municipalities × years in
a few ``np.bincount`` calls. Draws are processed in chunks so that memory stays bounded. The resampling lives
in :mod:`segindicators.indices.draws`, whose :func:`~segindicators.indices.draws.bootstrap_draws` returns the
replicates this module summarises (same code, same random numbers).

**Small-unit bias.** D, H, M and the other evenness indices are biased upwards where units or groups are
small: chance alone makes small areas differ from the city's composition, so a small municipality looks more
segregated than it is, and a change in the number of areas (94 → 98 DeSO in Linköping at the 2024 break)
moves the index by itself. The bootstrap estimates that bias at the observed table,
:math:`\widehat{bias} = \overline{\theta^*} - \hat\theta`, and the bias-corrected estimate is
:math:`\hat\theta_{bc} = \hat\theta - \widehat{bias} = 2\hat\theta - \overline{\theta^*}` (Efron &
Tibshirani 1993, ch. 10; for D, Allen, Burgess, Davidson & Windmeijer 2015, "More reliable inference for the
dissimilarity index of segregation", Econometrics Journal 18(1)). This is what Elbers's R package
``segregation`` does with ``se = TRUE`` (``mutual_total``, ``dissimilarity``, ``mutual_local``, …: its
``bootstrap_summary`` reports ``est = mean(2 * est - boot_est)`` and ``bias = est - that``, i.e. the
estimates it prints are already debiased; Elbers 2023, "A method for studying differences in segregation
across time and space", Sociological Methods & Research 52(1), first online 2021). For M the first-order
bias is known in closed form, :math:`(I-1)(K-1)/(2N)` for I units, K groups and N persons (the Miller–Madow
bias of the entropies; the bootstrap reproduces it, tested), which shows why more areas (larger I) raise M
by themselves.

Two resampling schemes (``resample=``):

* ``"units"`` (default): each unit's counts are redrawn with the unit's published size fixed,
  :math:`x_i^* \sim Mult(t_i, \hat p_i)`; the same draws give the percentile intervals.
* ``"table"``: Elbers's scheme, one multinomial draw of the segment's whole unit × group table with the
  segment total fixed, :math:`n^* \sim Mult(N, n_{ig}/N)` (``stats::rmultinom`` in the R package), so unit
  sizes vary too. It is drawn as unit sizes :math:`t^* \sim Mult(N, t_i/N)` and then
  :math:`x_i^* \sim Mult(t_i^*, \hat p_i)`, which is the same distribution; a unit drawn empty drops out.

Both estimate the same first-order bias. The correction is a first-order one (the bootstrap measures the
bias at the observed table, not at the unknown true one), so a residual bias of either sign remains; in the
tests' constructed population (20 areas of 30 sampled persons) it is an order of magnitude smaller than the
raw bias for D, H and M (D: +0.029 → +0.000, H: +0.024 → −0.001, M: +0.016 → −0.001). Indices that are not
smooth where a group is nearly absent from an area are over-corrected there (Atkinson with b = 0.1:
+0.013 → −0.009), and flagged ``bias_correction_unreliable`` (:data:`SPARSE_SENSITIVE`). The corrected value is not truncated: a value below 0 (flag ``bias_corrected_below_zero``) means
"indistinguishable from no segregation".

The random-allocation expectation (``expected_random``, Carrington & Troske 1997) is a different baseline:
the index a city of these unit sizes and this composition would show with no segregation at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segindicators.indices._prepare import Missing, prepare
from segindicators.indices.citywide import _compute, _long_result, resolve_indices
from segindicators.indices.decomposition import _nesting, nested_names, nested_parts
from segindicators.indices.draws import (  # the resampling lives there; tests import _table_* from here
    Resample,
    _check,
    _chunk,
    _finite_mean,
    _replicates,
    _resampled,
    _sorted_units,
    _table_layout,  # noqa: F401
    _table_unit_totals,  # noqa: F401
    finite_quantiles,
)
from segindicators.indices.kernels import MULTIGROUP, TWO_GROUP, ssum

_MULTIGROUP_NAME = {
    "dissimilarity": "multigroup_dissimilarity",
    "theil_h": "multigroup_theil_h",
    "mutual_information": "multigroup_mutual_information",
}

#: Columns the bootstrap adds after ``value``, in output order.
BOOTSTRAP_COLUMNS = (
    "value_bias_corrected",
    "bias",
    "ci_low",
    "ci_high",
    "ci_low_bias_corrected",
    "ci_high_bias_corrected",
)


def _summary(
    keys: pd.DataFrame, names: list[str], point: np.ndarray, boot: np.ndarray, level: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """Result frame with the point values, bias, bias-corrected values and both intervals.

    Returns the frame (flags not yet joined) and per-cell flag tokens, shape (nseg, len(names)). ``boot`` is
    used up: its undefined draws are set to 0 once the percentiles are taken.
    """
    alpha = (1 - level) / 2
    draws = boot.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = finite_quantiles(boot, [alpha, 1 - alpha])
    mean_boot, nfin = _finite_mean(boot, overwrite=True)
    bias = mean_boot - point
    corrected = point - bias
    out = _long_result(keys, names, point)
    cols = {
        "value_bias_corrected": corrected,
        "bias": bias,
        "ci_low": lo,
        "ci_high": hi,
        # Elbers's interval: percentiles of the debiased draws 2·θ̂ − θ*, i.e. the basic bootstrap interval
        "ci_low_bias_corrected": 2.0 * point - hi,
        "ci_high_bias_corrected": 2.0 * point - lo,
    }
    for pos, (name, arr) in enumerate(cols.items()):
        out.insert(out.columns.get_loc("value") + 1 + pos, name, arr.reshape(-1))
    tokens = np.full(point.shape, "", dtype=object)
    undefined = ((draws - nfin) > 0) & np.isfinite(point)
    tokens[undefined] = np.char.add("undefined_draws=", (draws - nfin)[undefined].astype(str)).astype(object)
    below = np.isfinite(corrected) & (corrected < 0)
    tokens[below] = [";".join(tok for tok in (t, "bias_corrected_below_zero") if tok) for t in tokens[below]]
    return out, tokens


def _join_flags(out: pd.DataFrame, *token_arrays: np.ndarray) -> pd.DataFrame:
    flags = out["flags"].to_numpy(dtype=object)
    parts = [flags, *(np.asarray(a, dtype=object).reshape(-1) for a in token_arrays)]
    out["flags"] = pd.array(
        [";".join(tok for tok in row if tok) for row in zip(*parts, strict=True)], dtype="str"
    )
    return out[[col for col in out.columns if col != "flags"] + ["flags"]]


#: Indices whose bootstrap bias correction over-shoots where areas hold few members of one side (→ that side):
#: Atkinson's b weights the group's share as p^b, whose slope is unbounded near p = 0 for small b (and
#: (1 − p)^(1 − b) near p = 1 for large b). Found with the constructed-population tests (test_indices_bias.py):
#: with about three members a unit, b = 0.1 is corrected from +0.013 to −0.009 (D, H, M, b = 0.5 are fine).
SPARSE_SENSITIVE = {"atkinson_0.1": "group", "atkinson_0.9": "rest"}

#: Fewer members than this of the sensitive side in any unit of a segment flag its correction as unreliable.
SPARSE_COUNT = 5


def _sparse_tokens(names: list[str], x: np.ndarray, t: np.ndarray, c: np.ndarray, nseg: int) -> np.ndarray:
    """``bias_correction_unreliable`` for the :data:`SPARSE_SENSITIVE` indices of segments with sparse units."""
    tokens = np.full((nseg, len(names)), "", dtype=object)
    if x.ndim != 1:
        return tokens
    for pos, name in enumerate(names):  # a loop over index names, not units
        side = SPARSE_SENSITIVE.get(name)
        if side is not None:
            count = x if side == "group" else t - x
            sparse = np.bincount(c, weights=(count < SPARSE_COUNT).astype(float), minlength=nseg) > 0
            tokens[sparse, pos] = "bias_correction_unreliable"
    return tokens


def _small_tokens(t: np.ndarray, c: np.ndarray, nseg: int, width: int, min_unit_size: float) -> np.ndarray:
    small = np.bincount(c, weights=(t < min_unit_size).astype(float), minlength=nseg).astype(int)
    return np.repeat(np.where(small > 0, np.char.add("small_units=", small.astype(str)), ""), width)


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
    expected_random: str | Sequence[str] | None = ("dissimilarity", "theil_h", "mutual_information"),
    random_draws: int = 199,
    resample: Resample = "units",
    min_unit_size: float = 50,
    max_cells: int = 1_000_000,
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""Segregation indices with bootstrap bias correction, percentile CIs and the random-allocation baseline.

    *Bootstrap*: each unit's counts are redrawn from a multinomial with the unit's own size :math:`t_i` and
    observed shares :math:`p_{ik}` (a binomial :math:`x_i^* \sim Bin(t_i, p_i)` for two groups), or with
    ``resample="table"`` the whole table at once as in Elbers's R package ``segregation`` (see the module
    notes), and the index is recomputed; ``ci_low``/``ci_high`` are the :math:`(1 \mp level)/2` percentiles of
    the draws (Efron & Tibshirani 1993; for segregation indices Allen, Burgess, Davidson & Windmeijer 2015,
    who also show that D is biased upwards in small units, so the percentile interval is centred above the
    truth there).

    *Bias correction*: ``bias`` = mean of the draws − ``value``; ``value_bias_corrected`` = ``value`` − ``bias``
    = 2 · ``value`` − mean of the draws (Efron & Tibshirani 1993; Allen et al. 2015; Elbers's
    ``mutual_total(..., se = TRUE)``). ``ci_low_bias_corrected``/``ci_high_bias_corrected`` are the percentiles
    of the debiased draws :math:`2\hat\theta - \theta^*` (the interval Elbers's package reports with its
    debiased estimate), which is the interval to draw around ``value_bias_corrected``. Rank and compare
    municipalities on ``value_bias_corrected``; ``value`` stays the raw plug-in index.

    *Random allocation* (``expected_random``): with unit sizes fixed, every resident independently belongs to
    group k with the segment's overall share :math:`P_k` (:math:`x_i \sim Bin(t_i, P)`), i.e. no segregation
    except chance; the mean index over the draws is ``expected_random``, so ``value − expected_random`` is the
    excess over random (Carrington & Troske 1997, J. Bus. Econ. Stat. 15(4); Allen et al. 2015). This binomial
    null lets the group total vary slightly across draws (a hypergeometric null would fix it); the difference is
    negligible at RegSO sizes. For M it is close to :math:`(I-1)(K-1)/(2N)` (the χ² approximation of 2N·M).

    Parameters
    ----------
    counts, group, total, by, indices, missing
        As in :func:`segindicators.indices.segregation_indices`. Counts must be whole numbers.
    draws : int
        Number of bootstrap draws (intervals and bias).
    level : float
        Confidence level of the intervals.
    rng : numpy Generator or int seed, optional
        Source of randomness; pass a seed for reproducible results.
    expected_random : str or list of str or None
        Index names for which to compute the random-allocation expectation (default D, H and M, the ones the
        literature reports "excess over random" for); ``None`` skips it. Rows of other indices get NaN in
        ``expected_random`` with the flag token ``expected_random_not_computed``.
    random_draws : int
        Number of random-allocation draws (capped at ``draws``). Only their mean is used, so fewer draws are
        needed than for percentiles: with 199 draws the Monte Carlo error of ``expected_random`` is about
        1/14 of the null distribution's standard deviation.
    resample : {"units", "table"}
        ``"units"``: unit sizes fixed at the published totals (default); ``"table"``: Elbers's multinomial
        draw of the whole unit × group table (unit sizes vary). Results are reproducible for a given ``rng``;
        with ``"table"`` they also depend on ``max_cells`` (the chunking).
    min_unit_size : float
        Units with fewer residents than this are counted per segment in the ``flags`` token
        ``small_units=N`` (their shares are noisy and they bias the indices upwards).
    max_cells : int
        Bound on units × draws handled per chunk (memory ≈ 50 bytes × max_cells for two groups).

    Returns
    -------
    DataFrame
        ``by`` columns, ``index``, ``value`` (raw), ``value_bias_corrected``, ``bias``, ``ci_low``,
        ``ci_high``, ``ci_low_bias_corrected``, ``ci_high_bias_corrected``, ``expected_random`` (if
        requested), ``flags``. Draws where an index is undefined (e.g. no group member drawn) are left out of
        the percentiles and the bias and counted in the flag token ``undefined_draws=N``; a negative
        corrected value carries ``bias_corrected_below_zero``; ``atkinson_0.1`` (``atkinson_0.9``) rows of a
        segment where some unit has fewer than five members of the group (of the rest) carry
        ``bias_correction_unreliable``: the correction over-shoots there (see :data:`SPARSE_SENSITIVE`). ``attrs["draws"]``, ``attrs["level"]``,
        ``attrs["resample"]`` record the settings.

    Examples
    --------
    >>> df = pd.DataFrame({"k": ["A"] * 4, "x": [100, 60, 40, 0], "t": [100] * 4})
    >>> r = bootstrap_indices(df, group="x", total="t", by="k", indices="dissimilarity", draws=200, rng=1)
    >>> row = r.iloc[0]
    >>> bool(row.ci_low < row.value < row.ci_high), bool(row.expected_random < 0.1)
    (True, True)
    >>> bool(row.value_bias_corrected < row.value), bool(row.value_bias_corrected == row.value - row.bias)
    (True, True)
    """
    _check(draws, level, resample)
    multigroup = not isinstance(group, str)
    names = resolve_indices(indices, multigroup)
    registry = MULTIGROUP if multigroup else TWO_GROUP
    prep = prepare(counts, group=group, total=total, by=by, missing=missing)
    rng = np.random.default_rng(rng)
    point = _compute(prep, names, multigroup)

    x, t, c, nseg = (*_sorted_units(prep), prep.nseg)
    if expected_random is not None and multigroup:
        # the two-group names D, H and M stand for their multigroup counterparts with a list of groups
        names_in = [expected_random] if isinstance(expected_random, str) else list(expected_random)
        expected_random = [_MULTIGROUP_NAME.get(nm, nm) for nm in names_in]
    rand_names = [] if expected_random is None else resolve_indices(expected_random, multigroup)
    rand_names = [nm for nm in names if nm in rand_names]
    rand_pos = [names.index(nm) for nm in rand_names]
    T = ssum(t, c, nseg)
    if x.ndim == 1:
        p_null = (ssum(x, c, nseg) / T)[c]
    else:
        p_null = (np.column_stack([ssum(x[:, k], c, nseg) for k in range(x.shape[1])]) / T[:, None])[c]

    chunk = _chunk(draws, len(t), max_cells)
    # the replicates of bootstrap_draws (same code, same random numbers), then the random-allocation draws
    boot = _replicates(rng, registry, x, t, c, nseg, names, draws, resample, chunk)
    random_draws = min(random_draws, draws)
    null_sum = np.zeros((nseg, len(rand_names)))
    null_cnt = np.zeros((nseg, len(rand_names)))
    if rand_names:
        null = _replicates(rng, registry, x, t, c, nseg, rand_names, random_draws, "units", chunk, p_null)
        for start in range(0, random_draws, chunk):  # summed chunk by chunk: the sums' order is fixed
            vals = null[start : start + chunk]
            ok = np.isfinite(vals)
            null_sum += np.where(ok, vals, 0.0).sum(axis=0)
            null_cnt += ok.sum(axis=0)

    out, boot_tokens = _summary(prep.keys, names, point, boot, level)
    notes = np.full((nseg, len(names)), "", dtype=object)
    if rand_names:
        er = np.full((nseg, len(names)), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            er[:, rand_pos] = null_sum / null_cnt
        notes[:, [i for i in range(len(names)) if i not in rand_pos]] = "expected_random_not_computed"
        out["expected_random"] = er.reshape(-1)
    small_tok = _small_tokens(t, c, nseg, len(names), min_unit_size)
    out = _join_flags(out, small_tok, notes, boot_tokens, _sparse_tokens(names, x, t, c, nseg))
    out.attrs.update(prep.attrs, draws=draws, level=level, min_unit_size=min_unit_size, resample=resample)
    return out


def bootstrap_nested(
    counts: pd.DataFrame,
    *,
    group: str | Sequence[str],
    total: str | None = None,
    parent: str | Sequence[str],
    by: str | Sequence[str] = (),
    draws: int = 999,
    level: float = 0.95,
    rng: np.random.Generator | int | None = None,
    resample: Resample = "units",
    min_unit_size: float = 50,
    max_cells: int = 1_000_000,
    missing: Missing = "raise",
) -> pd.DataFrame:
    r"""The nested decomposition of H and M (:func:`~segindicators.indices.nested_decomposition`) with
    bootstrap bias correction and intervals.

    The child units (DeSO) are resampled exactly as in :func:`bootstrap_indices`; each draw is summed up to
    its parents (RegSO) and decomposed again, all draws × segments × parents in one call of
    :func:`~segindicators.indices.decomposition.nested_parts`. The within-parent part carries most of the
    small-unit bias (the parents are large), so its corrected value is the one to read.

    Parameters
    ----------
    counts, group, total, parent, by, missing
        As in :func:`~segindicators.indices.nested_theil`.
    draws, level, rng, resample, min_unit_size, max_cells
        As in :func:`bootstrap_indices`.

    Returns
    -------
    DataFrame
        ``by`` columns, ``index`` (the eight names of
        :data:`~segindicators.indices.decomposition.NESTED_PARTS`, ``multigroup_``-prefixed for a list
        ``group``), ``value`` and the bootstrap columns of :func:`bootstrap_indices` (no ``expected_random``),
        ``flags``.

    Examples
    --------
    >>> df = pd.DataFrame({"regso": ["R1", "R1", "R2", "R2"], "x": [60, 20, 30, 30], "t": [100] * 4})
    >>> r = bootstrap_nested(df, group="x", total="t", parent="regso", draws=200, rng=1).set_index("index")
    >>> v = r["value_bias_corrected"]
    >>> bool(abs(v["mutual_information"] - v["mutual_information_between"] - v["mutual_information_within"]) < 1e-12)
    True
    >>> bool(r.loc["mutual_information_within", "bias"] > 0)
    True
    """
    _check(draws, level, resample)
    prep, pcode, par_seg, npar, _ = _nesting(counts, group, total, parent, by, missing)
    rng = np.random.default_rng(rng)
    names = nested_names(prep.x.ndim == 2)
    nseg = prep.nseg
    point = nested_parts(prep.x, prep.t, prep.codes, pcode, par_seg, nseg, npar)
    order = np.lexsort((pcode, prep.codes))
    x, t, c, pc = prep.x[order], prep.t[order], prep.codes[order], pcode[order]
    p_obs = x / t if x.ndim == 1 else x / t[:, None]
    chunk = _chunk(draws, len(t), max_cells)
    boot = np.empty((draws, nseg, len(names)))
    for start, m, xs, ts, stack in _resampled(rng, x, t, c, nseg, p_obs, draws, chunk, resample):
        par_seg_m = (np.arange(m)[:, None] * nseg + par_seg[None, :]).ravel()
        vals = nested_parts(xs, ts, stack(c, nseg), stack(pc, npar), par_seg_m, m * nseg, m * npar)
        boot[start : start + m] = vals.reshape(m, nseg, len(names))
    out, boot_tokens = _summary(prep.keys, names, point, boot, level)
    out = _join_flags(out, _small_tokens(t, c, nseg, len(names), min_unit_size), boot_tokens)
    out.attrs.update(prep.attrs, draws=draws, level=level, min_unit_size=min_unit_size, resample=resample)
    return out
