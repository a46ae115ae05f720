using Cx.Core.Rules;

namespace Cx.Core.Documents;

/// <summary>One sort key: a field path inside the document body and a direction.</summary>
public sealed record SortField(FieldPath Field, bool Descending = false);

/// <summary>
/// The position after the last item of a page: the values of its sort keys and its id.
/// Pages continue strictly after it (keyset pagination; never an offset scan).
/// </summary>
public sealed record Keyset(IReadOnlyList<ScalarValue> Values, string Id);

/// <summary>
/// A query over one document type in a container. Filters and sort keys name only fields
/// that are declared indexed; the id is the final tie-breaker (ascending), so order is total
/// and stable. Missing values sort before any value.
/// </summary>
public sealed record DocumentQuery
{
    public required string Type { get; init; }

    /// <summary>Restricts the query to one partition when set.</summary>
    public string? PartitionKey { get; init; }

    public Condition? Filter { get; init; }

    public IReadOnlyList<SortField> Sort { get; init; } = [];

    public int Limit { get; init; } = 25;

    public Keyset? After { get; init; }
}

/// <summary>A page of results and, when more may follow, where the next page starts.</summary>
public sealed record DocumentPage(IReadOnlyList<StoredDocument> Items, Keyset? Next);
