using System.ComponentModel.DataAnnotations;

namespace Cx.Http.GraphQL;

/// <summary>Limits of the GraphQL endpoint, bound from <c>Cx:GraphQL</c> (docs/graphql.md).</summary>
public sealed class GraphQLOptions
{
    public const string Section = "Cx:GraphQL";

    /// <summary>Deepest selection a document may nest (the root field is depth 1).</summary>
    [Range(2, 64)]
    public int MaxDepth { get; set; } = 10;

    /// <summary>
    /// Largest cost of a document: every field costs 1, a list field multiplies what is under it by
    /// its <c>first</c> argument (or the default page size).
    /// </summary>
    [Range(10, 1_000_000)]
    public int MaxCost { get; set; } = 5000;

    /// <summary>
    /// Charges a document's cost to the caller's rate-limit bucket (Cx:RateLimits:Read): a query
    /// of cost 40 spends 40 permits, capped at the bucket's burst. Off, every request spends one.
    /// </summary>
    public bool ChargeCostToRateLimit { get; set; } = true;

    /// <summary>Automatic persisted queries kept per instance (by SHA-256 of the document).</summary>
    [Range(0, 100_000)]
    public int PersistedQueries { get; set; } = 1000;
}
