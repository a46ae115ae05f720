#!/usr/bin/env python3
"""Writes significance-reference.json: expected values of Cx's experiment statistics
(docs/experiments.md, "Significance"), computed from raw per-unit data with numpy and scipy,
independently of the C# implementation (which only sees the aggregated sums written here).

Run from this folder with Debian's python3-scipy (scipy 1.10, numpy 1.24):
    /usr/bin/python3 significance-reference.py > significance-reference.json
CI never runs this script; ExperimentStatisticsTests reads the committed JSON.
"""
import json

import numpy as np
from scipy import stats

ALPHA = 0.05
MIXING = 0.05


def sums(y, x):
    return {
        "units": int(len(y)),
        "sum": float(np.sum(y)),
        "sumSquares": float(np.sum(y * y)),
        "covariateSum": float(np.sum(x)),
        "covariateSumSquares": float(np.sum(x * x)),
        "crossSum": float(np.sum(x * y)),
    }


def msprt(effect, v, n_c, n_t):
    """Mixture SPRT, normal mixing N(0, tau^2), tau^2 = MIXING^2 * v / (1/n_c + 1/n_t)."""
    tau2 = MIXING**2 * v / (1.0 / n_c + 1.0 / n_t)
    lam = np.sqrt(v / (v + tau2)) * np.exp(tau2 * effect**2 / (2 * v * (v + tau2)))
    half = np.sqrt(2 * v * (v + tau2) / tau2 * np.log(np.sqrt((v + tau2) / v) / ALPHA))
    return float(min(1.0, 1.0 / lam)), float(effect - half), float(effect + half)


def compare(yc, yt, conversion):
    """Treatment vs control: the z test (conversion, binomial variance) or Welch's t test."""
    effect = yt.mean() - yc.mean()
    if conversion:
        vc, vt = yc.mean() * (1 - yc.mean()), yt.mean() * (1 - yt.mean())
    else:
        vc, vt = yc.var(ddof=1), yt.var(ddof=1)
    v = vc / len(yc) + vt / len(yt)
    se = np.sqrt(v)
    out = {"effect": float(effect), "standardError": float(se)}
    if conversion:
        z = effect / se
        p = 2 * stats.norm.sf(abs(z))
        crit = stats.norm.ppf(1 - ALPHA / 2)
        out.update(statistic=float(z), pValue=float(p), degreesOfFreedom=None)
    else:
        t, p = stats.ttest_ind(yt, yc, equal_var=False)
        df = v**2 / ((vc / len(yc)) ** 2 / (len(yc) - 1) + (vt / len(yt)) ** 2 / (len(yt) - 1))
        crit = stats.t.ppf(1 - ALPHA / 2, df)
        out.update(statistic=float(t), pValue=float(p), degreesOfFreedom=float(df))
    out.update(lower=float(effect - crit * se), upper=float(effect + crit * se))
    sp, sl, su = msprt(effect, v, len(yc), len(yt))
    out.update(sequentialPValue=sp, sequentialLower=sl, sequentialUpper=su)
    return out


def margins(yc, yt, conversion):
    """The guardrail's tolerated harm (issue 14): a non-inferiority test of the effect against the
    margin boundary b = -tolerance * |control mean| (increase) or +tolerance * |control mean|
    (decrease). The fixed-horizon one-sided p-value (harm beyond the margin) is scipy's Welch test of
    the treatment shifted by -b against the control, or the z test of (effect - b) / se; the
    always-valid p-value is the mixture SPRT of (effect - b)."""
    out = []
    effect = yt.mean() - yc.mean()
    if conversion:
        vc, vt = yc.mean() * (1 - yc.mean()), yt.mean() * (1 - yt.mean())
    else:
        vc, vt = yc.var(ddof=1), yt.var(ddof=1)
    v = vc / len(yc) + vt / len(yt)
    for direction in ["increase", "decrease"]:
        for tolerance in [0.0, 0.02, 0.1]:
            delta = tolerance * abs(yc.mean())
            b = -delta if direction == "increase" else delta
            harm_side = "less" if direction == "increase" else "greater"
            if conversion:
                z = (effect - b) / np.sqrt(v)
                p = stats.norm.cdf(z) if direction == "increase" else stats.norm.sf(z)
                statistic = z
            else:
                statistic, p = stats.ttest_ind(yt - b, yc, equal_var=False, alternative=harm_side)
            sp, _, _ = msprt(effect - b, v, len(yc), len(yt))
            out.append(
                {
                    "direction": direction,
                    "toleratedHarm": tolerance,
                    "boundary": float(b),
                    "statistic": float(statistic),
                    "pValue": float(p),
                    "sequentialPValue": sp,
                }
            )
    return out


def welch_adjusted(yc, yt):
    """Welch's t test on CUPED-adjusted values (the sample variance, as C# uses after CUPED)."""
    effect = yt.mean() - yc.mean()
    vc, vt = yc.var(ddof=1), yt.var(ddof=1)
    v = vc / len(yc) + vt / len(yt)
    t, p = stats.ttest_ind(yt, yc, equal_var=False)
    return {"effect": float(effect), "standardError": float(np.sqrt(v)), "statistic": float(t), "pValue": float(p)}


def z_adjusted(yc, yt):
    effect = yt.mean() - yc.mean()
    v = yc.var(ddof=1) / len(yc) + yt.var(ddof=1) / len(yt)
    z = effect / np.sqrt(v)
    return {"effect": float(effect), "standardError": float(np.sqrt(v)), "statistic": float(z), "pValue": float(2 * stats.norm.sf(abs(z)))}


def benjamini_hochberg(p):
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return [float(v) for v in out]


def data_set(name, seed, kind, arms):
    """arms: list of (units, generator(rng, n) -> (y, x))."""
    rng = np.random.default_rng(seed)
    raw = [gen(rng, n) for n, gen in arms]
    conversion = kind == "conversion"
    ys = [y for y, _ in raw]
    xs = [x for _, x in raw]
    all_x = np.concatenate(xs)
    all_y = np.concatenate(ys)
    has_history = all_x.var(ddof=1) > 1e-12
    theta = float(np.cov(all_y, all_x, ddof=1)[0, 1] / all_x.var(ddof=1)) if has_history else 0.0
    adjusted = [y - theta * (x - all_x.mean()) for y, x in raw]
    comparisons = []
    for i in range(1, len(raw)):
        c = compare(ys[0], ys[i], conversion)
        c["arm"] = i
        c["margins"] = margins(ys[0], ys[i], conversion)
        c["cuped"] = z_adjusted(adjusted[0], adjusted[i]) if conversion else welch_adjusted(adjusted[0], adjusted[i])
        comparisons.append(c)
    return {
        "name": name,
        "seed": seed,
        "kind": kind,
        "alpha": ALPHA,
        "mixing": MIXING,
        "arms": [sums(y, x) for y, x in raw],
        "cuped": {
            "theta": theta,
            "adjusted": [{"mean": float(a.mean()), "variance": float(a.var(ddof=1))} for a in adjusted],
        },
        "comparisons": comparisons,
    }


def conversion(p, p_pre):
    def gen(rng, n):
        x = (rng.random(n) < p_pre).astype(float)
        y = (rng.random(n) < np.where(x > 0, min(1, p * 2.5), p)).astype(float)
        return y, x

    return gen


def lognormal(mu, sigma, effect, history):
    def gen(rng, n):
        x = rng.lognormal(mu, sigma, n) * (rng.random(n) < history)
        y = 0.6 * x + rng.lognormal(mu, sigma, n) * effect
        return y, x

    return gen


def sparse_sum(rate, scale):
    def gen(rng, n):
        x = rng.poisson(rate, n) * rng.exponential(scale, n)
        y = np.where(rng.random(n) < 0.3, 0.0, rng.poisson(rate, n) * rng.exponential(scale, n) + 0.2 * x)
        return y, x

    return gen


def no_history(p):
    def gen(rng, n):
        return (rng.random(n) < p).astype(float), np.zeros(n)

    return gen


sets = [
    data_set("conversion-lift", 11, "conversion", [(5000, conversion(0.10, 0.2)), (5000, conversion(0.12, 0.2))]),
    data_set("conversion-null-no-history", 12, "conversion", [(8000, no_history(0.05)), (7900, no_history(0.05))]),
    data_set(
        "revenue-three-arms",
        13,
        "mean",
        [(3000, lognormal(3.0, 0.8, 1.0, 0.7)), (2900, lognormal(3.0, 0.8, 1.05, 0.7)), (3100, lognormal(3.0, 0.8, 0.9, 0.7))],
    ),
    data_set("sparse-sum-unequal", 14, "sum", [(400, sparse_sum(1.5, 10.0)), (1200, sparse_sum(1.7, 10.0))]),
    data_set("tiny", 15, "mean", [(5, lognormal(1.0, 0.5, 1.0, 1.0)), (7, lognormal(1.0, 0.5, 1.3, 1.0))]),
]

srm = []
for units, weights in [
    ([6000, 4000], [5000, 5000]),
    ([5040, 4960], [5000, 5000]),
    ([3321, 3350, 3329], [3334, 3333, 3333]),
    ([2200, 7800], [2000, 8000]),
    ([2000, 7800], [2000, 8000]),
]:
    expected = np.asarray(weights, float) / np.sum(weights) * np.sum(units)
    chi, p = stats.chisquare(units, expected)
    srm.append({"units": units, "weights": weights, "chiSquare": float(chi), "pValue": float(p), "mismatch": bool(p < 0.001)})

rng = np.random.default_rng(16)
bh_inputs = [
    [0.01, 0.04, 0.03, 0.005, 0.5],
    [float(v) for v in rng.uniform(0, 0.1, 12)],
    [0.2, 0.2, 0.2],
    [1e-9, 0.049, 0.051, 0.9],
]
bh = [{"pValues": p, "adjusted": benjamini_hochberg(p)} for p in bh_inputs]

distributions = {
    "normalSf": [{"z": z, "p": float(stats.norm.sf(z))} for z in [-3.0, -1.0, 0.0, 0.5, 1.959963984540054, 3.3, 6.0]],
    "normalQuantile": [{"p": p, "z": float(stats.norm.ppf(p))} for p in [0.001, 0.025, 0.3, 0.5, 0.975, 0.9995]],
    "studentSf": [{"t": t, "df": df, "p": float(stats.t.sf(t, df))} for t, df in [(2.0, 3.0), (1.2, 10.5), (-0.7, 4.2), (3.5, 250.0), (2.1, 12345.6)]],
    "studentQuantile": [{"p": p, "df": df, "t": float(stats.t.ppf(p, df))} for p, df in [(0.975, 4.0), (0.975, 37.3), (0.995, 1000.0), (0.1, 8.0)]],
    "chiSquareSf": [{"x": x, "df": df, "p": float(stats.chi2.sf(x, df))} for x, df in [(0.5, 1), (3.84, 1), (10.8, 1), (7.0, 2), (25.0, 9)]],
}

print(
    json.dumps(
        {
            "command": "/usr/bin/python3 significance-reference.py > significance-reference.json",
            "scipy": __import__("scipy").__version__,
            "numpy": np.__version__,
            "dataSets": sets,
            "srm": srm,
            "benjaminiHochberg": bh,
            "distributions": distributions,
        },
        indent=1,
    )
)
