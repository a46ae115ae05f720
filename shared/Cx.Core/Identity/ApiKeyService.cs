using System.Collections.Frozen;
using Cx.Core.Common;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Core.Identity;

/// <summary>An API key as stored: the secret only as its hash.</summary>
public sealed record ApiKeyRecord(
    string KeyId,
    string Name,
    IReadOnlyList<string> Scopes,
    bool Public,
    string SecretHash,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ExpiresAt = null,
    DateTimeOffset? RevokedAt = null
);

/// <summary>What the API shows of a key (never the secret).</summary>
public sealed record ApiKeyView(
    string Id,
    string Name,
    IReadOnlyList<string> Scopes,
    bool Public,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    string Prefix
)
{
    public static ApiKeyView From(ApiKeyRecord record) =>
        new(
            record.KeyId,
            record.Name,
            record.Scopes,
            record.Public,
            record.CreatedAt,
            record.CreatedBy,
            record.ExpiresAt,
            record.RevokedAt,
            $"cx_{record.KeyId}_"
        );
}

/// <summary>
/// Service API keys: <c>cx_{id}_{secret}</c> with 256 random bits of secret, stored as a
/// SHA-256 hash (a slow hash adds nothing for random secrets), scoped to permissions,
/// optionally expiring, revocable. A public key (for browsers and apps, where it cannot be kept
/// secret) can only write events. Lookups, found or not, are cached for
/// <see cref="AuthOptions.RevocationCacheSeconds"/>, at most <see cref="AuthOptions.MaxCachedEntries"/> of them.
/// </summary>
public sealed class ApiKeyService(IdentityStore store, IOptions<AuthOptions> options, TimeProvider time) : IDisposable
{
    public const string KeyType = "api-key";
    private const string Prefix = "cx_";

    /// <summary>Key lookups, found or not, for <see cref="AuthOptions.RevocationCacheSeconds"/>; at most <see cref="AuthOptions.MaxCachedEntries"/>.</summary>
    private readonly BoundedCache<ApiKeyRecord?> _cache = new(options.Value.MaxCachedEntries, time);

    /// <summary>How many key lookups this instance holds in memory.</summary>
    internal int CachedEntries => _cache.Count;

    /// <summary>Creates a key and returns it with its secret — the only time the secret is shown.</summary>
    public async Task<(ApiKeyView Key, string Secret)> CreateAsync(
        string name,
        IReadOnlyList<string> scopes,
        bool isPublic,
        DateTimeOffset? expiresAt,
        CancellationToken cancellationToken
    )
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            errors.Add(new("/name", "required", "A name of 1-100 characters is required."));
        }
        if (isPublic)
        {
            if (scopes.Any(s => s != Permissions.EventsWrite))
            {
                errors.Add(new("/scopes", "public-key", $"A public key can only carry {Permissions.EventsWrite}."));
            }
            scopes = [Permissions.EventsWrite];
        }
        if (scopes.Count == 0)
        {
            errors.Add(new("/scopes", "required", "A key has at least one scope."));
        }
        for (var i = 0; i < scopes.Count; i++)
        {
            if (!Permissions.Scopes.Contains(scopes[i], StringComparer.Ordinal))
            {
                errors.Add(new($"/scopes/{i}", "enum", $"Scopes are: {string.Join(", ", Permissions.Scopes)}."));
            }
        }
        if (expiresAt is { } expires && expires <= time.GetUtcNow())
        {
            errors.Add(new("/expiresAt", "range", "expiresAt must be in the future."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The API key is not valid.");
        }
        var id = Ids.New(time);
        var secret = IdentityStore.NewSecret();
        var record = new ApiKeyRecord(
            id,
            name.Trim(),
            [.. scopes.Distinct()],
            isPublic,
            IdentityStore.Hash(secret),
            time.GetUtcNow(),
            CurrentActor.Get().Describe(),
            expiresAt
        );
        await store.CreateAsync(id, id, KeyType, record, cancellationToken);
        return (ApiKeyView.From(record), $"{Prefix}{id}_{secret}");
    }

    /// <summary>The actor of a presented key, or a 401.</summary>
    public async ValueTask<Actor> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            throw Invalid();
        }
        var separator = presented.IndexOf('_', Prefix.Length);
        if (separator < 0)
        {
            throw Invalid();
        }
        var id = presented[Prefix.Length..separator];
        var secret = presented[(separator + 1)..];
        if (!Ids.IsValidClientId(id) || secret.Length == 0)
        {
            throw Invalid();
        }
        var record = await FindAsync(id, cancellationToken);
        var now = time.GetUtcNow();
        if (
            record is null
            || !IdentityStore.SameHash(record.SecretHash, IdentityStore.Hash(secret))
            || record.RevokedAt is not null
            || record.ExpiresAt <= now
        )
        {
            throw Invalid();
        }
        return new Actor(ActorKind.ApiKey, record.KeyId, [], record.Scopes.ToFrozenSet(StringComparer.Ordinal), DisplayName: record.Name);
    }

    public async Task<(IReadOnlyList<ApiKeyView> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    )
    {
        var (items, next) = await store.QueryAsync<ApiKeyRecord>(
            new DocumentQuery
            {
                Type = KeyType,
                Limit = limit,
                After = after,
            },
            cancellationToken
        );
        return ([.. items.Select(i => ApiKeyView.From(i.Record))], next);
    }

    public async Task<ApiKeyView> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (record, etag) =
                await store.ReadAsync<ApiKeyRecord>(id, id, cancellationToken) ?? throw new NotFoundException("API key", id);
            if (record.RevokedAt is not null)
            {
                return ApiKeyView.From(record);
            }
            var revoked = record with { RevokedAt = time.GetUtcNow() };
            try
            {
                await store.ReplaceAsync(id, id, KeyType, revoked, etag, cancellationToken);
                Remember(id, revoked);
                return ApiKeyView.From(revoked);
            }
            catch (ETagMismatchException) when (attempt < 16) { }
        }
    }

    private async ValueTask<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(id, out var cached))
        {
            return cached;
        }
        var record = (await store.ReadAsync<ApiKeyRecord>(id, id, cancellationToken))?.Record;
        Remember(id, record);
        return record;
    }

    private void Remember(string id, ApiKeyRecord? record) =>
        _cache.Set(id, record, time.GetUtcNow().AddSeconds(options.Value.RevocationCacheSeconds));

    public void Dispose() => _cache.Dispose();

    private static UnauthorizedException Invalid() => new(UnauthorizedException.InvalidToken, "The API key is not valid.");
}
