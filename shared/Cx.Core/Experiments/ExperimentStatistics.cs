namespace Cx.Core.Experiments;

/// <summary>
/// The sufficient statistics of one metric in one arm: units, and per unit the metric value
/// <c>y</c> and its pre-experiment covariate <c>x</c> (the same metric over the pre-period, 0
/// when the unit has no history) summed as Σy, Σy², Σx, Σx², Σxy. Sums merge, so partial
/// aggregates (one per shard, per day) add up to the arm's.
/// </summary>
public readonly record struct MetricSample(
    long Units,
    double Sum,
    double SumSquares,
    double CovariateSum = 0,
    double CovariateSumSquares = 0,
    double CrossSum = 0
)
{
    /// <summary>The sample with one more unit of value <paramref name="y"/> and covariate <paramref name="x"/>.</summary>
    public MetricSample Add(double y, double x = 0) =>
        new(Units + 1, Sum + y, SumSquares + y * y, CovariateSum + x, CovariateSumSquares + x * x, CrossSum + x * y);

    public static MetricSample operator +(MetricSample a, MetricSample b) =>
        new(
            a.Units + b.Units,
            a.Sum + b.Sum,
            a.SumSquares + b.SumSquares,
            a.CovariateSum + b.CovariateSum,
            a.CovariateSumSquares + b.CovariateSumSquares,
            a.CrossSum + b.CrossSum
        );

    public double Mean => Units == 0 ? 0 : Sum / Units;

    /// <summary>The sample variance of y (n - 1 in the denominator); 0 below two units.</summary>
    public double Variance => Units < 2 ? 0 : Math.Max(0, (SumSquares - Sum * Sum / Units) / (Units - 1));

    public double CovariateMean => Units == 0 ? 0 : CovariateSum / Units;

    public double CovariateVariance =>
        Units < 2 ? 0 : Math.Max(0, (CovariateSumSquares - CovariateSum * CovariateSum / Units) / (Units - 1));

    /// <summary>The sample covariance of y and x (n - 1 in the denominator).</summary>
    public double Covariance => Units < 2 ? 0 : (CrossSum - Sum * CovariateSum / Units) / (Units - 1);

    /// <summary>
    /// Mean, variance and units of y, unadjusted; for a conversion (y is 0 or 1) the variance is
    /// the binomial p (1 - p) of the z test.
    /// </summary>
    public Moments ToMoments(bool conversion) => new(Mean, conversion ? Mean * (1 - Mean) : Variance, Units);
}

/// <summary>The mean, the per-unit sample variance and the units of an arm's metric (adjusted or not).</summary>
public readonly record struct Moments(double Mean, double Variance, long Units);

/// <summary>How a treatment arm compares with the control on one metric.</summary>
public sealed record Comparison
{
    public double ControlMean { get; init; }

    public double TreatmentMean { get; init; }

    /// <summary>Treatment mean minus control mean.</summary>
    public double Effect { get; init; }

    /// <summary>Effect over the control mean (0 when the control mean is 0).</summary>
    public double RelativeEffect { get; init; }

    public double StandardError { get; init; }

    /// <summary>z (conversion) or Welch's t (sum and mean).</summary>
    public double Statistic { get; init; }

    /// <summary>Welch-Satterthwaite degrees of freedom; null for the z test.</summary>
    public double? DegreesOfFreedom { get; init; }

    /// <summary>The fixed-horizon two-sided p-value (valid for one look only).</summary>
    public double PValue { get; init; }

    public double Lower { get; init; }

    public double Upper { get; init; }

    /// <summary>The always-valid p-value of the mixture SPRT (valid at every look).</summary>
    public double SequentialPValue { get; init; }

    public double SequentialLower { get; init; }

    public double SequentialUpper { get; init; }
}

/// <summary>
/// A guardrail's non-inferiority test against its tolerated harm: <see cref="Boundary"/> is the
/// effect at the margin (−tolerance·|control mean| for an increase metric, + for a decrease one),
/// <see cref="Statistic"/> (effect − boundary) / se, <see cref="PValue"/> the fixed-horizon one-sided
/// p-value of harm beyond the margin, <see cref="SequentialPValue"/> the always-valid p-value of
/// (effect − boundary), and <see cref="Beyond"/> whether the effect lies past the boundary on the harm side.
/// </summary>
public sealed record MarginTest(double Boundary, double Statistic, double PValue, double SequentialPValue, bool Beyond);

/// <summary>A sample-ratio-mismatch test: Pearson's chi-square of the units per arm against the weights.</summary>
public sealed record SampleRatioTest(double ChiSquare, int DegreesOfFreedom, double PValue, bool Mismatch);

/// <summary>
/// The statistics of the significance run, pure functions over aggregates (docs/experiments.md,
/// "Significance"): the two-proportion z test and Welch's t test, the always-valid confidence
/// interval of the mixture sequential probability ratio test (Johari, Pekelis, Walsh: "Always
/// valid inference", 2017), the sample-ratio-mismatch chi-square, Benjamini-Hochberg, and CUPED.
/// Checked against scipy (tests/Cx.Core.Tests/Experiments/significance-reference.py).
/// </summary>
public static class ExperimentStatistics
{
    /// <summary>A sample ratio mismatch is flagged below this p-value.</summary>
    public const double SrmThreshold = 0.001;

    /// <summary>
    /// Compares treatment with control: the standard error is the unpooled sqrt(s²c/nc + s²t/nt)
    /// over the moments' variances; <paramref name="conversion"/> uses the normal distribution (the
    /// two-proportion z test when the moments are <see cref="MetricSample.ToMoments"/>'s),
    /// otherwise Welch's t with the Welch-Satterthwaite degrees of freedom. The sequential
    /// interval is the mixture SPRT's with mixing variance τ² = (<paramref name="mixing"/> · σ)²,
    /// σ² the per-unit variance the standard error implies, so <paramref name="mixing"/> is the
    /// effect size, in per-unit standard deviations, that the test is tuned to find fastest.
    /// </summary>
    public static Comparison Compare(Moments control, Moments treatment, bool conversion, double alpha, double mixing)
    {
        var effect = treatment.Mean - control.Mean;
        var varC = control.Variance;
        var varT = treatment.Variance;
        var aC = control.Units > 0 ? varC / control.Units : 0;
        var aT = treatment.Units > 0 ? varT / treatment.Units : 0;
        var v = aC + aT;
        var se = Math.Sqrt(v);
        var relative = control.Mean == 0 ? 0 : effect / control.Mean;
        if (!(se > 0) || control.Units < 2 || treatment.Units < 2)
        {
            return new Comparison
            {
                ControlMean = control.Mean,
                TreatmentMean = treatment.Mean,
                Effect = effect,
                RelativeEffect = relative,
                PValue = 1,
                Lower = double.NegativeInfinity,
                Upper = double.PositiveInfinity,
                SequentialPValue = 1,
                SequentialLower = double.NegativeInfinity,
                SequentialUpper = double.PositiveInfinity,
            };
        }
        var statistic = effect / se;
        double p,
            critical;
        double? df = null;
        if (conversion)
        {
            p = 2 * NormalSf(Math.Abs(statistic));
            critical = NormalQuantile(1 - alpha / 2);
        }
        else
        {
            var d = v * v / (aC * aC / Math.Max(1, control.Units - 1) + aT * aT / Math.Max(1, treatment.Units - 1));
            df = d;
            p = 2 * StudentSf(Math.Abs(statistic), d);
            critical = StudentQuantile(1 - alpha / 2, d);
        }
        var (sequentialP, half) = Sequential(effect, v, 1.0 / control.Units + 1.0 / treatment.Units, alpha, mixing);
        return new Comparison
        {
            ControlMean = control.Mean,
            TreatmentMean = treatment.Mean,
            Effect = effect,
            RelativeEffect = relative,
            StandardError = se,
            Statistic = statistic,
            DegreesOfFreedom = df,
            PValue = Math.Min(1, p),
            Lower = effect - critical * se,
            Upper = effect + critical * se,
            SequentialPValue = sequentialP,
            SequentialLower = effect - half,
            SequentialUpper = effect + half,
        };
    }

    /// <summary>
    /// The mixture SPRT with a normal mixing distribution N(0, τ²) over the effect, for an
    /// estimate <paramref name="effect"/> of variance <paramref name="variance"/> (V):
    /// Λ = sqrt(V / (V + τ²)) · exp(τ² d² / (2 V (V + τ²))); the always-valid p-value is
    /// min(1, 1/Λ) and the interval d ± sqrt(2 V (V + τ²) / τ² · ln(sqrt((V + τ²) / V) / α)).
    /// τ² = mixing² · V / <paramref name="inverseUnits"/> (the per-unit variance times mixing²).
    /// </summary>
    public static (double PValue, double HalfWidth) Sequential(
        double effect,
        double variance,
        double inverseUnits,
        double alpha,
        double mixing
    )
    {
        var tau2 = mixing * mixing * variance / inverseUnits;
        var sum = variance + tau2;
        var logLambda = 0.5 * Math.Log(variance / sum) + tau2 * effect * effect / (2 * variance * sum);
        var p = Math.Min(1, Math.Exp(-logLambda));
        var half = Math.Sqrt(2 * variance * sum / tau2 * (0.5 * Math.Log(sum / variance) - Math.Log(alpha)));
        return (p, half);
    }

    /// <summary>
    /// Tests a guardrail's treatment against the margin of its tolerated harm (relative to the
    /// control's mean): the same standard error, test family and mixture SPRT as
    /// <see cref="Compare"/>, with the null hypothesis moved from 0 to the boundary. With a
    /// tolerance of 0 it is <see cref="Compare"/>'s test, one-sided on the harm side.
    /// </summary>
    public static MarginTest Margin(
        Moments control,
        Moments treatment,
        bool conversion,
        bool decrease,
        double toleratedHarm,
        double alpha,
        double mixing
    )
    {
        var delta = toleratedHarm * Math.Abs(control.Mean);
        var boundary = decrease ? delta : -delta;
        var effect = treatment.Mean - control.Mean;
        var aC = control.Units > 0 ? control.Variance / control.Units : 0;
        var aT = treatment.Units > 0 ? treatment.Variance / treatment.Units : 0;
        var v = aC + aT;
        var se = Math.Sqrt(v);
        if (!(se > 0) || control.Units < 2 || treatment.Units < 2)
        {
            return new MarginTest(boundary, 0, 1, 1, false);
        }
        var statistic = (effect - boundary) / se;
        var harm = decrease ? statistic : -statistic; // > 0: past the boundary on the harm side
        var p = conversion
            ? NormalSf(harm)
            : StudentSf(harm, v * v / (aC * aC / Math.Max(1, control.Units - 1) + aT * aT / Math.Max(1, treatment.Units - 1)));
        var (sequentialP, _) = Sequential(effect - boundary, v, 1.0 / control.Units + 1.0 / treatment.Units, alpha, mixing);
        return new MarginTest(boundary, statistic, Math.Min(1, p), sequentialP, harm > 0);
    }

    /// <summary>Pearson's chi-square of the units per arm against the weights (any positive scale); a mismatch below p 0.001.</summary>
    public static SampleRatioTest SampleRatio(IReadOnlyList<long> units, IReadOnlyList<double> weights)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(units.Count, weights.Count);
        double total = 0,
            weightSum = 0;
        for (var i = 0; i < units.Count; i++)
        {
            total += units[i];
            weightSum += weights[i];
        }
        if (total == 0 || units.Count < 2)
        {
            return new SampleRatioTest(0, Math.Max(0, units.Count - 1), 1, false);
        }
        double chi = 0;
        for (var i = 0; i < units.Count; i++)
        {
            var expected = total * weights[i] / weightSum;
            var diff = units[i] - expected;
            chi += diff * diff / expected;
        }
        var df = units.Count - 1;
        var p = ChiSquareSf(chi, df);
        return new SampleRatioTest(chi, df, p, p < SrmThreshold);
    }

    /// <summary>Benjamini-Hochberg adjusted p-values (q-values), in the order given: q(i) = min over ranks j ≥ rank(i) of p(j) · m / j, at most 1.</summary>
    public static double[] BenjaminiHochberg(IReadOnlyList<double> pValues)
    {
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ToArray();
        var adjusted = new double[m];
        var running = 1.0;
        for (var rank = m; rank >= 1; rank--)
        {
            var index = order[rank - 1];
            running = Math.Min(running, pValues[index] * m / rank);
            adjusted[index] = running;
        }
        return adjusted;
    }

    /// <summary>
    /// CUPED: θ = cov(y, x) / var(x) over the units of every arm together, and per arm the adjusted
    /// metric y - θ (x - x̄), x̄ the mean covariate of all units: its mean ȳ - θ (x̄ₐ - x̄) and its
    /// variance var(y) - 2θ cov(y, x) + θ² var(x) within the arm. With no history (var(x) = 0) θ is
    /// 0 and the arms are unchanged.
    /// </summary>
    public static (double Theta, Moments[] Adjusted) Cuped(IReadOnlyList<MetricSample> arms)
    {
        var all = default(MetricSample);
        foreach (var arm in arms)
        {
            all += arm;
        }
        var varX = all.CovariateVariance;
        var theta = varX > 1e-12 ? all.Covariance / varX : 0;
        var meanX = all.CovariateMean;
        var adjusted = new Moments[arms.Count];
        for (var i = 0; i < arms.Count; i++)
        {
            var a = arms[i];
            var variance = a.Variance - 2 * theta * a.Covariance + theta * theta * a.CovariateVariance;
            adjusted[i] = new Moments(a.Mean - theta * (a.CovariateMean - meanX), Math.Max(0, variance), a.Units);
        }
        return (theta, adjusted);
    }

    // ---- Distributions ----

    /// <summary>P(Z > z) for a standard normal Z.</summary>
    public static double NormalSf(double z) =>
        z >= 0 ? 0.5 * RegularizedGammaQ(0.5, z * z / 2) : 1 - 0.5 * RegularizedGammaQ(0.5, z * z / 2);

    /// <summary>The standard normal quantile: Acklam's approximation refined by one Halley step.</summary>
    public static double NormalQuantile(double p)
    {
        if (p <= 0)
        {
            return double.NegativeInfinity;
        }
        if (p >= 1)
        {
            return double.PositiveInfinity;
        }
        double[] a =
        [
            -3.969683028665376e+01,
            2.209460984245205e+02,
            -2.759285104469687e+02,
            1.383577518672690e+02,
            -3.066479806614716e+01,
            2.506628277459239e+00,
        ];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c =
        [
            -7.784894002430293e-03,
            -3.223964580411365e-01,
            -2.400758277161838e+00,
            -2.549732539343734e+00,
            4.374664141464968e+00,
            2.938163982698783e+00,
        ];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        double x;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x =
                (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p <= 1 - low)
        {
            var q = p - 0.5;
            var r = q * q;
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
                * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x =
                -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        var e = (1 - NormalSf(x)) - p;
        var u = e * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - u / (1 + x * u / 2);
    }

    /// <summary>P(T > t) for Student's t with <paramref name="df"/> degrees of freedom (real-valued).</summary>
    public static double StudentSf(double t, double df)
    {
        var tail = 0.5 * RegularizedBeta(df / 2, 0.5, df / (df + t * t));
        return t >= 0 ? tail : 1 - tail;
    }

    /// <summary>The Student t quantile, by bisection on <see cref="StudentSf"/> (p in (0, 1)).</summary>
    public static double StudentQuantile(double p, double df)
    {
        if (p == 0.5)
        {
            return 0;
        }
        if (p < 0.5)
        {
            return -StudentQuantile(1 - p, df);
        }
        var target = 1 - p;
        double lo = 0,
            hi = 1;
        while (StudentSf(hi, df) > target)
        {
            lo = hi;
            hi *= 2;
        }
        for (var i = 0; i < 200 && hi - lo > 1e-13 * hi; i++)
        {
            var mid = (lo + hi) / 2;
            if (StudentSf(mid, df) > target)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /// <summary>P(X > x) for a chi-square X with <paramref name="df"/> degrees of freedom.</summary>
    public static double ChiSquareSf(double x, double df) => x <= 0 ? 1 : RegularizedGammaQ(df / 2, x / 2);

    /// <summary>ln Γ(x), Lanczos (g = 7, 9 terms), x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        ReadOnlySpan<double> g =
        [
            0.99999999999980993,
            676.5203681218851,
            -1259.1392167224028,
            771.32342877765313,
            -176.61502916214059,
            12.507343278686905,
            -0.13857109526572012,
            9.9843695780195716e-6,
            1.5056327351493116e-7,
        ];
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }
        x -= 1;
        var sum = g[0];
        for (var i = 1; i < 9; i++)
        {
            sum += g[i] / (x + i);
        }
        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>Q(a, x) = Γ(a, x) / Γ(a): the series for P below a + 1, Lentz's continued fraction above.</summary>
    public static double RegularizedGammaQ(double a, double x)
    {
        if (x <= 0)
        {
            return 1;
        }
        var front = Math.Exp(-x + a * Math.Log(x) - LogGamma(a));
        if (x < a + 1)
        {
            double term = 1 / a,
                sum = term;
            for (var n = 1; n < 10_000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-16)
                {
                    break;
                }
            }
            return 1 - sum * front;
        }
        const double tiny = 1e-300;
        var b = x + 1 - a;
        var c = 1 / tiny;
        var d = 1 / b;
        var h = d;
        for (var i = 1; i < 10_000; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }
            c = b + an / c;
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }
        return front * h;
    }

    /// <summary>The regularized incomplete beta I_x(a, b), by the continued fraction (with the symmetry for x above the mean).</summary>
    public static double RegularizedBeta(double a, double b, double x)
    {
        if (x <= 0)
        {
            return 0;
        }
        if (x >= 1)
        {
            return 1;
        }
        var front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2) ? front * BetaFraction(a, b, x) / a : 1 - front * BetaFraction(b, a, 1 - x) / b;
    }

    private static double BetaFraction(double a, double b, double x)
    {
        const double tiny = 1e-300;
        var qab = a + b;
        var qap = a + 1;
        var qam = a - 1;
        var c = 1.0;
        var d = 1 - qab * x / qap;
        if (Math.Abs(d) < tiny)
        {
            d = tiny;
        }
        d = 1 / d;
        var h = d;
        for (var m = 1; m < 10_000; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }
            c = 1 + aa / c;
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }
            c = 1 + aa / c;
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }
        return h;
    }
}
