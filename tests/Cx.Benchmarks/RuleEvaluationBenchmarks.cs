using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Cx.Core.Content;
using Cx.Core.Profiles;
using Cx.Core.Rules;

namespace Cx.Benchmarks;

/// <summary>
/// Evaluating a compiled 5-condition segment rule on an in-memory profile (facts loaded once, as
/// segmentation does for all rules of a profile). One benchmark operation is one evaluation, on one
/// thread: evaluations per second per core = 1 / mean time.
/// </summary>
[MemoryDiagnoser]
public class RuleEvaluationBenchmarks
{
    private const string Rule = """
        {"all":[
          {"field":"loyaltyTier","op":"in","value":["gold","platinum"]},
          {"field":"lastLogin","op":"within","value":"P30D"},
          {"field":"preferences.newsletter","op":"eq","value":true},
          {"field":"interactionHistory.kind","op":"eq","value":"purchase"},
          {"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":500}}
        ]}
        """;

    private const string Profile = """
        {"id":"c1","email":"ana@example.com","name":"Ana Silva","loyaltyTier":"gold","lastLogin":"2026-11-20T12:00:00.000Z",
         "preferences":{"language":"pt-PT","newsletter":true},
         "interactionHistory":[{"at":"2026-11-01T00:00:00.000Z","kind":"page_view"},{"at":"2026-11-02T00:00:00.000Z","kind":"search"},
                               {"at":"2026-11-10T00:00:00.000Z","kind":"purchase"}]}
        """;

    private static readonly long Now = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private CompiledRule _rule = null!;
    private ProfileFacts _member = null!;
    private ProfileFacts _nonMember = null!;

    [GlobalSetup]
    public void Setup()
    {
        var schema = new ContentSchema(
            CustomerProfile.ContentType,
            CustomerProfile.Components.ToDictionary(c => c.Key, StringComparer.Ordinal)
        );
        var slots = new RuleSlots(schema);
        _rule = RuleCompiler.Compile(RuleParser.Parse(JsonDocument.Parse(Rule).RootElement, schema), slots);
        using var profile = JsonDocument.Parse(Profile);
        _member = slots.Load(profile.RootElement, "c1");
        _member.Behaviors[0] = 640;
        _nonMember = slots.Load(profile.RootElement, "c1");
        _nonMember.Behaviors[0] = 120; // fails on the last condition: every condition is evaluated
        if (!_rule(_member, Now) || _rule(_nonMember, Now))
        {
            throw new InvalidOperationException("The benchmark profiles do not give the expected results.");
        }
    }

    /// <summary>All five conditions hold.</summary>
    [Benchmark(Baseline = true)]
    public bool Member() => _rule(_member, Now);

    /// <summary>The first four hold, the behavioural one does not.</summary>
    [Benchmark]
    public bool NonMember() => _rule(_nonMember, Now);
}
