using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Flags;
using Cx.Core.Tests.Content;

namespace Cx.Core.Tests.Flags;

/// <summary>Flags from JSON, compiled sets and contexts for the flag tests.</summary>
public static class FlagTestData
{
    public static FlagDefinition Flag(string json) => DefinitionJson.Deserialize<FlagDefinition>(JsonDocument.Parse(json).RootElement);

    public static FlagRelease Release(FlagDefinition flag, int version = 1) =>
        new()
        {
            FlagKey = flag.Key,
            Version = version,
            PublishedAt = "2026-12-01T00:00:00.000Z",
            PublishedBy = "user:test",
            Flag = flag,
        };

    public static FlagSet Set(params string[] flags) =>
        FlagCatalog.Build(flags.Select(f => Release(Flag(f))), SchemaBuilder.Customer(), "test");

    public static FlagContext Context(
        FlagSet set,
        string? unit,
        string attributes = "{}",
        IReadOnlySet<string>? segments = null,
        IFlagExposureView? exposures = null
    ) => new(unit, set.Slots.Load(JsonDocument.Parse(attributes).RootElement, unit ?? ""), segments, 0, exposures);

    /// <summary>The served variation's key (null on error).</summary>
    public static string? Serve(FlagSet set, string key, in FlagContext context)
    {
        var index = set.IndexOf(key);
        var result = FlagEvaluator.Evaluate(set, index, context);
        return result.Variation < 0 ? null : set.Flags[index].Definition.Variations[result.Variation].Key;
    }

    public const string BooleanVariations = """[{"key":"on","value":true},{"key":"off","value":false}]""";
}
