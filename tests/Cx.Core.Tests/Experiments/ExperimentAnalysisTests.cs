using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Experiments;

namespace Cx.Core.Tests.Experiments;

/// <summary>The decision rule of the significance run over per-arm samples, and the analysis as the experiment document stores it.</summary>
public sealed class ExperimentAnalysisTests
{
    private static readonly ExperimentDefinition Experiment = new()
    {
        Key = "checkout",
        Name = "Checkout",
        Control = "control",
        Variations =
        [
            new ExperimentVariation
            {
                Key = "control",
                Weight = 5000,
                Serves = "a",
            },
            new ExperimentVariation
            {
                Key = "one-page",
                Weight = 5000,
                Serves = "b",
            },
        ],
        PrimaryMetric = new ExperimentMetric
        {
            Key = "rate",
            Kind = ExperimentMetricKind.Conversion,
            Event = "purchase",
        },
        Guardrails =
        [
            new ExperimentMetric
            {
                Key = "revenue",
                Kind = ExperimentMetricKind.Mean,
                Event = "purchase",
                Property = "amount",
            },
        ],
        Status = ExperimentStatus.Running,
    };

    private static MetricSample Conversions(long units, long converted) => new(units, converted, converted);

    private static MetricSample Values(long units, double mean, double sd) =>
        new(units, mean * units, (sd * sd * (units - 1)) + (mean * mean * units));

    private static ExperimentAnalysis Analyze(MetricSample[] primary, MetricSample[] guardrail) =>
        ExperimentSignificance.Analyze(
            Experiment,
            "run-1",
            DateTimeOffset.UnixEpoch,
            [(Experiment.PrimaryMetric!, "primary", primary), (Experiment.Guardrails[0], "guardrail", guardrail)],
            new ExperimentOptions()
        );

    [Fact]
    public void Should_name_the_treatment_that_crosses_the_boundary_without_harming_a_guardrail()
    {
        var analysis = Analyze([Conversions(5000, 500), Conversions(5000, 700)], [Values(5000, 30, 10), Values(5000, 30, 10)]);
        Assert.Equal(ExperimentDecisions.Winner, analysis.Decision);
        Assert.Equal("one-page", analysis.Winner);
        Assert.Equal(["control"], analysis.Losers);
    }

    [Fact]
    public void Should_refuse_a_winner_that_harms_a_guardrail()
    {
        var analysis = Analyze([Conversions(5000, 500), Conversions(5000, 700)], [Values(5000, 30, 10), Values(5000, 25, 10)]);
        Assert.Equal(ExperimentDecisions.GuardrailHarmed, analysis.Decision);
        Assert.Null(analysis.Winner);
    }

    private static ExperimentAnalysis AnalyzeTolerating(double? tolerance, MetricSample[] primary, MetricSample[] guardrail)
    {
        var experiment = Experiment with { Guardrails = [Experiment.Guardrails[0] with { ToleratedHarm = tolerance }] };
        return ExperimentSignificance.Analyze(
            experiment,
            "run-1",
            DateTimeOffset.UnixEpoch,
            [(experiment.PrimaryMetric!, "primary", primary), (experiment.Guardrails[0], "guardrail", guardrail)],
            new ExperimentOptions()
        );
    }

    [Fact]
    public void Should_let_a_winner_through_when_the_guardrail_harm_is_within_its_tolerance()
    {
        // Revenue per unit falls 1 % (30 -> 29.7) on 20,000 units per arm: significant without a tolerance, within 5 %.
        MetricSample[] primary = [Conversions(20000, 2000), Conversions(20000, 2600)];
        MetricSample[] guardrail = [Values(20000, 30, 1), Values(20000, 29.7, 1)];
        var strict = AnalyzeTolerating(null, primary, guardrail);
        Assert.Equal(ExperimentDecisions.GuardrailHarmed, strict.Decision);
        Assert.True(strict.Metrics[1].Arms[1].Harmed);
        Assert.Null(strict.Metrics[1].Arms[1].Margin);

        var tolerant = AnalyzeTolerating(0.05, primary, guardrail);
        Assert.Equal(ExperimentDecisions.Winner, tolerant.Decision);
        Assert.Equal("one-page", tolerant.Winner);
        var arm = tolerant.Metrics[1].Arms[1];
        Assert.False(arm.Harmed);
        Assert.Equal(-0.05 * 30, arm.Margin!.Value, 6);
        Assert.True(arm.MarginPValue > 0.5, "the effect lies on the safe side of the margin");
        Assert.Null(tolerant.Metrics[0].Arms[1].Harmed); // the primary metric has no harm
    }

    [Fact]
    public void Should_block_the_winner_when_the_harm_is_significantly_beyond_the_tolerance()
    {
        // Revenue falls 10 % (30 -> 27): well beyond a 2 % tolerance.
        var analysis = AnalyzeTolerating(
            0.02,
            [Conversions(20000, 2000), Conversions(20000, 2600)],
            [Values(20000, 30, 1), Values(20000, 27, 1)]
        );
        Assert.Equal(ExperimentDecisions.GuardrailHarmed, analysis.Decision);
        Assert.Null(analysis.Winner);
        var arm = analysis.Metrics[1].Arms[1];
        Assert.True(arm.Harmed);
        Assert.True(arm.MarginSequentialPValue < 0.05);
    }

    [Fact]
    public void Should_not_block_on_a_harm_beyond_the_tolerance_that_is_not_significant()
    {
        // Revenue falls 3 % against a 2 % tolerance, but with so few units and so much noise that it proves nothing.
        var analysis = AnalyzeTolerating(
            0.02,
            [Conversions(2000, 200), Conversions(2000, 400)],
            [Values(2000, 30, 30), Values(2000, 29.1, 30)]
        );
        Assert.Equal(ExperimentDecisions.Winner, analysis.Decision);
        Assert.False(analysis.Metrics[1].Arms[1].Harmed);
    }

    [Fact]
    public void Should_flag_a_sample_ratio_mismatch_before_anything_else()
    {
        var analysis = Analyze([Conversions(6000, 600), Conversions(4000, 700)], [Values(6000, 30, 10), Values(4000, 30, 10)]);
        Assert.Equal(ExperimentDecisions.SampleRatioMismatch, analysis.Decision);
        Assert.True(analysis.SampleRatio!.Mismatch);
        Assert.Null(analysis.Winner);
    }

    [Fact]
    public void Should_let_the_control_win_when_every_treatment_is_significantly_worse()
    {
        var analysis = Analyze([Conversions(5000, 700), Conversions(5000, 500)], [Values(5000, 30, 10), Values(5000, 30, 10)]);
        Assert.Equal("control", analysis.Winner);
        Assert.Equal(["one-page"], analysis.Losers);
    }

    [Fact]
    public void Should_decide_nothing_on_a_small_difference_or_too_few_units()
    {
        Assert.Equal(
            ExperimentDecisions.NoDecision,
            Analyze([Conversions(5000, 500), Conversions(5000, 520)], [Values(5000, 30, 10), Values(5000, 30, 10)]).Decision
        );
        Assert.Equal(
            ExperimentDecisions.TooFewUnits,
            Analyze([Conversions(50, 5), Conversions(50, 40)], [Values(50, 30, 10), Values(50, 30, 10)]).Decision
        );
    }

    [Fact]
    public void Should_store_the_analysis_in_the_document_and_read_it_back()
    {
        var analysis = Analyze([Conversions(5000, 500), Conversions(5000, 700)], [Values(5000, 30, 10), Values(5000, 30, 10)]);
        var decided = Experiment with { Winner = "one-page", ArchivedVariations = ["control"], Analysis = analysis };
        // As the registry stores it: the definition options, which leave out default values (false, 0).
        var json = JsonSerializer.SerializeToElement(decided, DefinitionJson.Options);
        var read = DefinitionJson.Deserialize<ExperimentDefinition>(json);
        Assert.Equal("one-page", read.Winner);
        Assert.Equal(analysis.Metrics[0].Arms[1].AdjustedPValue, read.Analysis!.Metrics[0].Arms[1].AdjustedPValue);
        Assert.Equal(analysis.SampleRatio!.PValue, read.Analysis.SampleRatio!.PValue);
        Assert.False(read.Analysis.SampleRatio.Mismatch);
        Assert.False(read.Analysis.Metrics[0].Arms[0].Significant);
    }

    private static ExperimentAnalysis AnalyzeDirected(
        ExperimentMetricDirection primaryDirection,
        ExperimentMetricDirection guardrailDirection,
        MetricSample[] primary,
        MetricSample[] guardrail
    )
    {
        var experiment = Experiment with
        {
            PrimaryMetric = Experiment.PrimaryMetric! with { Key = "refund-rate", Event = "refund", Direction = primaryDirection },
            Guardrails = [Experiment.Guardrails[0] with { Key = "latency", Property = "ms", Direction = guardrailDirection }],
        };
        return ExperimentSignificance.Analyze(
            experiment,
            "run-1",
            DateTimeOffset.UnixEpoch,
            [(experiment.PrimaryMetric!, "primary", primary), (experiment.Guardrails[0], "guardrail", guardrail)],
            new ExperimentOptions()
        );
    }

    [Fact]
    public void Should_name_the_treatment_that_lowers_a_decrease_primary_metric()
    {
        var analysis = AnalyzeDirected(
            ExperimentMetricDirection.Decrease,
            ExperimentMetricDirection.Decrease,
            [Conversions(5000, 700), Conversions(5000, 500)],
            [Values(5000, 30, 10), Values(5000, 30, 10)]
        );
        Assert.Equal(ExperimentDecisions.Winner, analysis.Decision);
        Assert.Equal("one-page", analysis.Winner);
        Assert.Equal(["control"], analysis.Losers);
        Assert.Equal("decrease", analysis.Metrics[0].Direction);
        // The effect stays treatment minus control: negative, and a gain for a decrease metric.
        Assert.True(analysis.Metrics[0].Arms[1].Effect < 0);
    }

    [Fact]
    public void Should_let_the_control_win_when_the_treatment_raises_a_decrease_primary_metric()
    {
        var analysis = AnalyzeDirected(
            ExperimentMetricDirection.Decrease,
            ExperimentMetricDirection.Decrease,
            [Conversions(5000, 500), Conversions(5000, 700)],
            [Values(5000, 30, 10), Values(5000, 30, 10)]
        );
        Assert.Equal(ExperimentDecisions.Winner, analysis.Decision);
        Assert.Equal("control", analysis.Winner);
        Assert.Equal(["one-page"], analysis.Losers);
    }

    [Fact]
    public void Should_refuse_a_winner_that_raises_a_decrease_guardrail()
    {
        var analysis = AnalyzeDirected(
            ExperimentMetricDirection.Increase,
            ExperimentMetricDirection.Decrease,
            [Conversions(5000, 500), Conversions(5000, 700)],
            [Values(5000, 30, 10), Values(5000, 35, 10)]
        );
        Assert.Equal(ExperimentDecisions.GuardrailHarmed, analysis.Decision);
        Assert.Null(analysis.Winner);
    }

    [Fact]
    public void Should_accept_a_winner_that_lowers_a_decrease_guardrail_but_not_an_increase_one()
    {
        MetricSample[] primary = [Conversions(5000, 500), Conversions(5000, 700)];
        MetricSample[] lower = [Values(5000, 30, 10), Values(5000, 25, 10)];
        var decrease = AnalyzeDirected(ExperimentMetricDirection.Increase, ExperimentMetricDirection.Decrease, primary, lower);
        Assert.Equal(ExperimentDecisions.Winner, decrease.Decision);
        Assert.Equal("one-page", decrease.Winner);
        Assert.True(decrease.Metrics[1].Arms[1].Significant);
        Assert.Equal("decrease", decrease.Metrics[1].Direction);
        var increase = AnalyzeDirected(ExperimentMetricDirection.Increase, ExperimentMetricDirection.Increase, primary, lower);
        Assert.Equal(ExperimentDecisions.GuardrailHarmed, increase.Decision);
        Assert.Equal("increase", increase.Metrics[1].Direction);
    }

    [Fact]
    public void Should_read_the_direction_from_a_document_and_leave_the_default_out()
    {
        var json = JsonSerializer.SerializeToElement(Experiment, DefinitionJson.Options);
        Assert.False(json.GetProperty("primaryMetric").TryGetProperty("direction", out _));
        var decreasing = Experiment with
        {
            PrimaryMetric = Experiment.PrimaryMetric! with { Direction = ExperimentMetricDirection.Decrease },
        };
        var written = JsonSerializer.SerializeToElement(decreasing, DefinitionJson.Options);
        Assert.Equal("decrease", written.GetProperty("primaryMetric").GetProperty("direction").GetString());
        var read = DefinitionJson.Deserialize<ExperimentDefinition>(written);
        Assert.Equal(ExperimentMetricDirection.Decrease, read.PrimaryMetric!.Direction);
        Assert.Equal(ExperimentMetricDirection.Increase, read.Guardrails[0].Direction);
    }
}
