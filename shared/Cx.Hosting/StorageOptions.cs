namespace Cx.Hosting;

/// <summary>Which adapters Cx runs on; every value is validated at start-up.</summary>
public static class Providers
{
    /// <summary><c>Cx:Storage:Provider</c>: the document store and change feed.</summary>
    public const string StorageKey = "Cx:Storage:Provider";

    public const string Sqlite = "Sqlite";

    public const string Cosmos = "Cosmos";

    public static IReadOnlyList<string> Storage { get; } = [Sqlite, Cosmos];

    /// <summary>Resolves a provider setting: the default when unset, the canonical name when known.</summary>
    public static string Resolve(string key, string? value, IReadOnlyList<string> allowed)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return allowed[0];
        }
        return allowed.FirstOrDefault(a => string.Equals(a, value.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"Unknown {key} '{value}'. Allowed: {string.Join(", ", allowed)}.");
    }
}
