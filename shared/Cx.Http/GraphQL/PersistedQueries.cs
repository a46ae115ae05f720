using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Microsoft.Extensions.Options;

namespace Cx.Http.GraphQL;

/// <summary>
/// Automatic persisted queries (the Apollo protocol): a request may send only
/// <c>extensions.persistedQuery.sha256Hash</c>; a hash this instance has not seen answers the
/// error <c>PERSISTED_QUERY_NOT_FOUND</c> and the client retries with the document, which is kept
/// (bounded, per instance) after its hash is checked. Short GET URLs make queries cacheable.
/// </summary>
public sealed class PersistedQueries(IOptions<GraphQLOptions> options, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    private readonly BoundedCache<string> _documents = new(Math.Max(1, options.Value.PersistedQueries), time);

    /// <summary>The outcome of reading a request's persisted-query extension.</summary>
    public sealed record Resolution(string? Query, string? ErrorCode, string? ErrorMessage);

    public Resolution Resolve(string? query, JsonObject? extensions)
    {
        if (extensions?["persistedQuery"] is not JsonObject persisted)
        {
            return new Resolution(query, null, null);
        }
        if (persisted["version"]?.GetValueKind() != System.Text.Json.JsonValueKind.Number || persisted["version"]!.GetValue<double>() != 1)
        {
            return new Resolution(null, "PERSISTED_QUERY_NOT_SUPPORTED", "Only version 1 of persisted queries is supported.");
        }
        if (persisted["sha256Hash"]?.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            return new Resolution(null, "PERSISTED_QUERY_INVALID", "persistedQuery.sha256Hash is the SHA-256 of the document, in hex.");
        }
        var hash = persisted["sha256Hash"]!.GetValue<string>().ToLowerInvariant();
        if (query is null)
        {
            return _documents.TryGet(hash, out var known)
                ? new Resolution(known, null, null)
                : new Resolution(null, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound");
        }
        var actual = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(query)));
        if (!string.Equals(actual, hash, StringComparison.Ordinal))
        {
            return new Resolution(null, "PERSISTED_QUERY_HASH_MISMATCH", "provided sha does not match query");
        }
        if (options.Value.PersistedQueries > 0)
        {
            _documents.Set(hash, query, time.GetUtcNow() + Lifetime);
        }
        return new Resolution(query, null, null);
    }

    public void Dispose() => _documents.Dispose();
}
