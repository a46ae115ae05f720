using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Cx.Core.Content;
using Cx.Core.Profiles;

namespace Cx.Benchmarks;

/// <summary>Validation and normalisation of a full customer profile (the write path's CPU cost).</summary>
[MemoryDiagnoser]
public class EntryValidationBenchmarks
{
    private readonly ContentSchema _schema = new(
        CustomerProfile.ContentType,
        CustomerProfile.Components.ToDictionary(c => c.Key, StringComparer.Ordinal)
    );

    private const string Body = """
        {"email":"Ana.Silva@Example.com","name":"Ana Silva","phone":"+351 912 345 678","lastLogin":"2026-11-20T10:00:00+01:00",
         "loyaltyTier":"gold","preferences":{"language":"pt-PT","preferredChannel":"email","newsletter":true,"timeZone":"Europe/Lisbon"},
         "interactionHistory":[{"at":"2026-11-01T10:00:00Z","kind":"purchase","channel":"web","summary":"Order 1"},
                               {"at":"2026-11-02T10:00:00Z","kind":"page_view","channel":"ios"}]}
        """;

    [Benchmark]
    public ValidatedEntry ValidateCustomer() => EntryValidator.Validate(_schema, JsonNode.Parse(Body)!.AsObject(), null, WriteActor.Client);
}
