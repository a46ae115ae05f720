using System.Text.Json;
using Cx.Core.Experiments;

namespace Cx.Core.Tests.Experiments;

/// <summary>
/// The significance statistics against significance-reference.json, which
/// significance-reference.py computes with scipy and numpy from raw per-unit data (the C# side sees
/// only the aggregated sums). Tolerances: distributions and p-values within 1e-9 absolute or 1e-7
/// relative; means, effects, standard errors and intervals within 1e-9 relative (sums of squares
/// against numpy's two-pass variance).
/// </summary>
public sealed class ExperimentStatisticsTests
{
    private static readonly JsonElement Reference = Load();

    private static JsonElement Load()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "tests", "Cx.Core.Tests", "Experiments", "significance-reference.json");
            if (File.Exists(path))
            {
                return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
            }
        }
        throw new InvalidOperationException("significance-reference.json not found above " + AppContext.BaseDirectory);
    }

    private static void Close(double expected, double actual, double relative, double absolute, string what)
    {
        var tolerance = Math.Max(absolute, relative * Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (tolerance {tolerance:R})");
    }

    private static void Probability(double expected, double actual, string what) => Close(expected, actual, 1e-7, 1e-9, what);

    private static void Value(double expected, double actual, string what) => Close(expected, actual, 1e-9, 1e-12, what);

    private static MetricSample Sample(JsonElement arm) =>
        new(
            arm.GetProperty("units").GetInt64(),
            arm.GetProperty("sum").GetDouble(),
            arm.GetProperty("sumSquares").GetDouble(),
            arm.GetProperty("covariateSum").GetDouble(),
            arm.GetProperty("covariateSumSquares").GetDouble(),
            arm.GetProperty("crossSum").GetDouble()
        );

    public static TheoryData<string> DataSets() =>
        [.. Reference.GetProperty("dataSets").EnumerateArray().Select(d => d.GetProperty("name").GetString()!)];

    private static JsonElement DataSet(string name) =>
        Reference.GetProperty("dataSets").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name);

    [Fact]
    public void Should_read_five_reference_data_sets_computed_by_scipy()
    {
        Assert.Equal(5, Reference.GetProperty("dataSets").GetArrayLength());
        Assert.StartsWith("/usr/bin/python3 significance-reference.py", Reference.GetProperty("command").GetString());
    }

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Should_compare_each_arm_with_the_control_as_scipy_does(string name)
    {
        var set = DataSet(name);
        var conversion = set.GetProperty("kind").GetString() == "conversion";
        var alpha = set.GetProperty("alpha").GetDouble();
        var mixing = set.GetProperty("mixing").GetDouble();
        var arms = set.GetProperty("arms").EnumerateArray().Select(Sample).ToArray();
        foreach (var expected in set.GetProperty("comparisons").EnumerateArray())
        {
            var arm = expected.GetProperty("arm").GetInt32();
            var actual = ExperimentStatistics.Compare(
                arms[0].ToMoments(conversion),
                arms[arm].ToMoments(conversion),
                conversion,
                alpha,
                mixing
            );
            var at = $"{name} arm {arm} ";
            Value(expected.GetProperty("effect").GetDouble(), actual.Effect, at + "effect");
            Value(expected.GetProperty("standardError").GetDouble(), actual.StandardError, at + "standardError");
            Value(expected.GetProperty("statistic").GetDouble(), actual.Statistic, at + "statistic");
            Probability(expected.GetProperty("pValue").GetDouble(), actual.PValue, at + "pValue");
            if (expected.GetProperty("degreesOfFreedom").ValueKind == JsonValueKind.Null)
            {
                Assert.Null(actual.DegreesOfFreedom);
            }
            else
            {
                Value(expected.GetProperty("degreesOfFreedom").GetDouble(), actual.DegreesOfFreedom!.Value, at + "df");
            }
            Value(expected.GetProperty("lower").GetDouble(), actual.Lower, at + "lower");
            Value(expected.GetProperty("upper").GetDouble(), actual.Upper, at + "upper");
            Probability(expected.GetProperty("sequentialPValue").GetDouble(), actual.SequentialPValue, at + "sequentialPValue");
            Value(expected.GetProperty("sequentialLower").GetDouble(), actual.SequentialLower, at + "sequentialLower");
            Value(expected.GetProperty("sequentialUpper").GetDouble(), actual.SequentialUpper, at + "sequentialUpper");
            // The always-valid interval is wider than the fixed-horizon one: the price of peeking.
            Assert.True(actual.SequentialUpper - actual.SequentialLower > actual.Upper - actual.Lower, at + "sequential wider");
        }
    }

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Should_test_a_guardrail_against_its_tolerated_harm_as_scipy_does(string name)
    {
        var set = DataSet(name);
        var conversion = set.GetProperty("kind").GetString() == "conversion";
        var alpha = set.GetProperty("alpha").GetDouble();
        var mixing = set.GetProperty("mixing").GetDouble();
        var arms = set.GetProperty("arms").EnumerateArray().Select(Sample).ToArray();
        var checkedCount = 0;
        foreach (var comparison in set.GetProperty("comparisons").EnumerateArray())
        {
            var arm = comparison.GetProperty("arm").GetInt32();
            foreach (var expected in comparison.GetProperty("margins").EnumerateArray())
            {
                var decrease = expected.GetProperty("direction").GetString() == "decrease";
                var tolerance = expected.GetProperty("toleratedHarm").GetDouble();
                var actual = ExperimentStatistics.Margin(
                    arms[0].ToMoments(conversion),
                    arms[arm].ToMoments(conversion),
                    conversion,
                    decrease,
                    tolerance,
                    alpha,
                    mixing
                );
                var at = $"{name} arm {arm} {expected.GetProperty("direction").GetString()} {tolerance} ";
                Value(expected.GetProperty("boundary").GetDouble(), actual.Boundary, at + "boundary");
                Value(expected.GetProperty("statistic").GetDouble(), actual.Statistic, at + "statistic");
                Probability(expected.GetProperty("pValue").GetDouble(), actual.PValue, at + "pValue");
                Probability(expected.GetProperty("sequentialPValue").GetDouble(), actual.SequentialPValue, at + "sequentialPValue");
                Assert.Equal(decrease ? actual.Statistic > 0 : actual.Statistic < 0, actual.Beyond);
                checkedCount++;
            }
        }
        Assert.Equal(6 * set.GetProperty("comparisons").GetArrayLength(), checkedCount);
    }

    [Fact]
    public void Should_reduce_the_margin_test_to_the_plain_test_without_tolerance()
    {
        var set = DataSet("revenue-three-arms");
        var arms = set.GetProperty("arms").EnumerateArray().Select(Sample).ToArray();
        var plain = ExperimentStatistics.Compare(arms[0].ToMoments(false), arms[2].ToMoments(false), false, 0.05, 0.05);
        var margin = ExperimentStatistics.Margin(arms[0].ToMoments(false), arms[2].ToMoments(false), false, false, 0, 0.05, 0.05);
        Assert.Equal(plain.SequentialPValue, margin.SequentialPValue, 12);
        Assert.Equal(plain.PValue / 2, margin.PValue, 12); // one-sided on the harm side (the effect is negative)
        var tolerant = ExperimentStatistics.Margin(arms[0].ToMoments(false), arms[2].ToMoments(false), false, false, 0.02, 0.05, 0.05);
        Assert.True(tolerant.PValue > margin.PValue, "a tolerated harm weakens the evidence of harm");
    }

    [Theory]
    [MemberData(nameof(DataSets))]
    public void Should_adjust_with_cuped_as_numpy_does(string name)
    {
        var set = DataSet(name);
        var conversion = set.GetProperty("kind").GetString() == "conversion";
        var arms = set.GetProperty("arms").EnumerateArray().Select(Sample).ToArray();
        var (theta, adjusted) = ExperimentStatistics.Cuped(arms);
        var cuped = set.GetProperty("cuped");
        Value(cuped.GetProperty("theta").GetDouble(), theta, name + " theta");
        var expectedArms = cuped.GetProperty("adjusted").EnumerateArray().ToArray();
        for (var i = 0; i < arms.Length; i++)
        {
            Value(expectedArms[i].GetProperty("mean").GetDouble(), adjusted[i].Mean, $"{name} arm {i} adjusted mean");
            Close(
                expectedArms[i].GetProperty("variance").GetDouble(),
                adjusted[i].Variance,
                1e-8,
                1e-12,
                $"{name} arm {i} adjusted variance"
            );
        }
        foreach (var comparison in set.GetProperty("comparisons").EnumerateArray())
        {
            var arm = comparison.GetProperty("arm").GetInt32();
            var expected = comparison.GetProperty("cuped");
            var actual = ExperimentStatistics.Compare(adjusted[0], adjusted[arm], conversion, 0.05, 0.05);
            Value(expected.GetProperty("effect").GetDouble(), actual.Effect, $"{name} arm {arm} cuped effect");
            Close(expected.GetProperty("standardError").GetDouble(), actual.StandardError, 1e-8, 1e-12, $"{name} arm {arm} cuped se");
            Close(expected.GetProperty("statistic").GetDouble(), actual.Statistic, 1e-8, 1e-12, $"{name} arm {arm} cuped statistic");
            Probability(expected.GetProperty("pValue").GetDouble(), actual.PValue, $"{name} arm {arm} cuped pValue");
        }
    }

    [Fact]
    public void Should_shrink_the_standard_error_when_the_metric_has_history()
    {
        var arms = DataSet("revenue-three-arms").GetProperty("arms").EnumerateArray().Select(Sample).ToArray();
        var (theta, adjusted) = ExperimentStatistics.Cuped(arms);
        Assert.True(theta > 0.3);
        var raw = ExperimentStatistics.Compare(arms[0].ToMoments(false), arms[2].ToMoments(false), false, 0.05, 0.05);
        var reduced = ExperimentStatistics.Compare(adjusted[0], adjusted[2], false, 0.05, 0.05);
        Assert.True(reduced.StandardError < 0.9 * raw.StandardError);
    }

    [Fact]
    public void Should_leave_the_arms_unchanged_without_history()
    {
        var arms = DataSet("conversion-null-no-history").GetProperty("arms").EnumerateArray().Select(Sample).ToArray();
        var (theta, adjusted) = ExperimentStatistics.Cuped(arms);
        Assert.Equal(0, theta);
        Assert.Equal(arms[0].Mean, adjusted[0].Mean);
        Assert.Equal(arms[1].Variance, adjusted[1].Variance);
    }

    [Fact]
    public void Should_test_the_sample_ratio_as_scipy_chisquare_does()
    {
        var cases = Reference.GetProperty("srm").EnumerateArray().ToList();
        Assert.Contains(cases, c => c.GetProperty("mismatch").GetBoolean());
        Assert.Contains(cases, c => !c.GetProperty("mismatch").GetBoolean());
        foreach (var c in cases)
        {
            var units = c.GetProperty("units").EnumerateArray().Select(u => u.GetInt64()).ToArray();
            var weights = c.GetProperty("weights").EnumerateArray().Select(w => w.GetDouble()).ToArray();
            var actual = ExperimentStatistics.SampleRatio(units, weights);
            var at = string.Join('/', units);
            Value(c.GetProperty("chiSquare").GetDouble(), actual.ChiSquare, at + " chi");
            Assert.Equal(units.Length - 1, actual.DegreesOfFreedom);
            Probability(c.GetProperty("pValue").GetDouble(), actual.PValue, at + " p");
            Assert.Equal(c.GetProperty("mismatch").GetBoolean(), actual.Mismatch);
        }
    }

    [Fact]
    public void Should_not_flag_an_experiment_without_units()
    {
        var actual = ExperimentStatistics.SampleRatio([0, 0], [5000, 5000]);
        Assert.False(actual.Mismatch);
        Assert.Equal(1, actual.PValue);
    }

    [Fact]
    public void Should_adjust_p_values_as_benjamini_hochberg()
    {
        foreach (var c in Reference.GetProperty("benjaminiHochberg").EnumerateArray())
        {
            var p = c.GetProperty("pValues").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var expected = c.GetProperty("adjusted").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var actual = ExperimentStatistics.BenjaminiHochberg(p);
            for (var i = 0; i < p.Length; i++)
            {
                Value(expected[i], actual[i], $"BH {i}");
                Assert.True(actual[i] >= p[i]);
            }
        }
    }

    [Fact]
    public void Should_compute_the_distributions_as_scipy_does()
    {
        var d = Reference.GetProperty("distributions");
        foreach (var c in d.GetProperty("normalSf").EnumerateArray())
        {
            Probability(c.GetProperty("p").GetDouble(), ExperimentStatistics.NormalSf(c.GetProperty("z").GetDouble()), "norm.sf");
        }
        foreach (var c in d.GetProperty("normalQuantile").EnumerateArray())
        {
            Value(c.GetProperty("z").GetDouble(), ExperimentStatistics.NormalQuantile(c.GetProperty("p").GetDouble()), "norm.ppf");
        }
        foreach (var c in d.GetProperty("studentSf").EnumerateArray())
        {
            Probability(
                c.GetProperty("p").GetDouble(),
                ExperimentStatistics.StudentSf(c.GetProperty("t").GetDouble(), c.GetProperty("df").GetDouble()),
                "t.sf"
            );
        }
        foreach (var c in d.GetProperty("studentQuantile").EnumerateArray())
        {
            Value(
                c.GetProperty("t").GetDouble(),
                ExperimentStatistics.StudentQuantile(c.GetProperty("p").GetDouble(), c.GetProperty("df").GetDouble()),
                "t.ppf"
            );
        }
        foreach (var c in d.GetProperty("chiSquareSf").EnumerateArray())
        {
            Probability(
                c.GetProperty("p").GetDouble(),
                ExperimentStatistics.ChiSquareSf(c.GetProperty("x").GetDouble(), c.GetProperty("df").GetDouble()),
                "chi2.sf"
            );
        }
    }

    [Fact]
    public void Should_merge_partial_aggregates_into_the_whole()
    {
        var whole = default(MetricSample);
        var first = default(MetricSample);
        var second = default(MetricSample);
        for (var i = 0; i < 100; i++)
        {
            var y = i % 7 * 1.5;
            var x = i % 3;
            whole = whole.Add(y, x);
            first = i < 40 ? first.Add(y, x) : first;
            second = i >= 40 ? second.Add(y, x) : second;
        }
        Assert.Equal(whole, first + second);
    }

    [Fact]
    public void Should_answer_no_evidence_for_degenerate_arms()
    {
        var zero = new Moments(0, 0, 1000);
        var actual = ExperimentStatistics.Compare(zero, zero, true, 0.05, 0.05);
        Assert.Equal(1, actual.PValue);
        Assert.Equal(1, actual.SequentialPValue);
        Assert.True(double.IsNegativeInfinity(actual.SequentialLower));
    }
}
