using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Cx.Core.Content;
using Cx.Core.Flags;
using Cx.Core.Profiles;

namespace Cx.Benchmarks;

/// <summary>
/// Evaluating a published flag in process (facts of the context loaded once, as a bulk evaluation
/// does): a targeting rule of two conditions that does not match, a prerequisite, then a 50 %
/// rollout over two variations (MurmurHash3 bucket of flag key and unit id). One operation is one
/// evaluation on one thread; the target is at most 0.5 µs and 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class FlagEvaluationBenchmarks
{
    private const string Flags = """
        [
          {"key":"checkout-enabled","name":"Checkout","valueType":"boolean","enabled":true,"offVariation":"off",
           "variations":[{"key":"on","value":true},{"key":"off","value":false}],"fallthrough":{"variation":"on"}},
          {"key":"new-checkout","name":"New checkout","valueType":"string","enabled":true,"offVariation":"control",
           "variations":[{"key":"control","value":"classic"},{"key":"treatment","value":"one-page"}],
           "prerequisites":[{"flag":"checkout-enabled","variation":"on"}],
           "rules":[{"criteria":{"all":[{"field":"loyaltyTier","op":"eq","value":"platinum"},{"field":"preferences.language","op":"startsWith","value":"de"}]},
                     "serve":{"variation":"treatment"}}],
           "fallthrough":{"rollout":{"coverage":5000,"weights":[{"variation":"control","weight":5000},{"variation":"treatment","weight":5000}]}}}
        ]
        """;

    private FlagSet _set = null!;
    private FlagContext _context;
    private int _flag;

    [GlobalSetup]
    public void Setup()
    {
        var schema = new ContentSchema(
            CustomerProfile.ContentType,
            CustomerProfile.Components.ToDictionary(c => c.Key, StringComparer.Ordinal)
        );
        var releases = JsonDocument
            .Parse(Flags)
            .RootElement.EnumerateArray()
            .Select(f => DefinitionJson.Deserialize<FlagDefinition>(f))
            .Select(f => new FlagRelease
            {
                FlagKey = f.Key,
                Version = 1,
                PublishedAt = "2026-12-01T00:00:00.000Z",
                PublishedBy = "bench",
                Flag = f,
            })
            .ToList();
        _set = FlagCatalog.Build(releases, schema, "bench");
        _flag = _set.IndexOf("new-checkout");
        using var context = JsonDocument.Parse(
            """{"targetingKey":"customer-000042","loyaltyTier":"gold","preferences":{"language":"pt-PT"}}"""
        );
        _context = new FlagContext("customer-000042", _set.Slots.Load(context.RootElement, "customer-000042"), null, 0);
        if (FlagEvaluator.Evaluate(_set, _flag, _context).Reason is not (FlagReason.Split or FlagReason.Default))
        {
            throw new InvalidOperationException("The benchmark context does not reach the rollout.");
        }
    }

    /// <summary>Prerequisite, a rule that does not match, then the rollout's bucket.</summary>
    [Benchmark]
    public int EvaluateRollout() => FlagEvaluator.Evaluate(_set, _flag, _context).Variation;

    /// <summary>The bucket alone: UTF-8 into a stack buffer, MurmurHash3, modulo.</summary>
    [Benchmark]
    public int Bucket() => FlagBuckets.Bucket("new-checkout", "customer-000042");
}
