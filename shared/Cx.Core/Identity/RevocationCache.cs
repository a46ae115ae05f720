using Cx.Core.Common;
using Microsoft.Extensions.Options;

namespace Cx.Core.Identity;

/// <summary>What has been revoked for one subject: everything issued before a time, and single sessions.</summary>
public sealed record RevocationState
{
    /// <summary>Tokens issued before this instant are rejected ("sign out everywhere").</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Revoked sessions, kept until no access token of theirs can still be valid.</summary>
    public List<RevokedSession> Sessions { get; init; } = [];
}

public sealed record RevokedSession(string SessionId, DateTimeOffset Until);

/// <summary>
/// Answers "is this token revoked?" on every request at bounded cost: one point read per
/// subject per <see cref="AuthOptions.RevocationCacheSeconds"/>, an in-memory lookup otherwise
/// (at most <see cref="AuthOptions.MaxCachedEntries"/> subjects are held). Revocations made on
/// this instance take effect at once; on other instances within the bound.
/// </summary>
public sealed class RevocationCache(IdentityStore store, IOptions<AuthOptions> options, TimeProvider time) : IDisposable
{
    public const string DocumentId = "revocations";
    public const string DocumentType = "revocation";

    private readonly BoundedCache<RevocationState> _cache = new(options.Value.MaxCachedEntries, time);

    /// <summary>How many subjects' revocation states this instance holds in memory.</summary>
    internal int CachedEntries => _cache.Count;

    public async ValueTask<bool> IsRevokedAsync(Actor actor, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        var state = await GetAsync(actor.Kind, actor.Subject, cancellationToken);
        if (state.NotBefore is { } notBefore && issuedAt < notBefore)
        {
            return true;
        }
        return actor.SessionId is { } sid && state.Sessions.Any(s => s.SessionId == sid);
    }

    public async ValueTask<RevocationState> GetAsync(ActorKind kind, string subject, CancellationToken cancellationToken)
    {
        var key = IdentityStore.SubjectPartition(kind, subject);
        if (_cache.TryGet(key, out var cached))
        {
            return cached;
        }
        var stored = await store.ReadAsync<RevocationState>(key, DocumentId, cancellationToken);
        var state = stored?.Record ?? new RevocationState();
        Remember(key, state);
        return state;
    }

    public void Dispose() => _cache.Dispose();

    private void Remember(string key, RevocationState state) =>
        _cache.Set(key, state, time.GetUtcNow().AddSeconds(options.Value.RevocationCacheSeconds));

    /// <summary>
    /// The subject's revocations as stored now, bypassing the cache: for decisions that must not be
    /// stale on any instance, such as spending a refresh token.
    /// </summary>
    public async ValueTask<RevocationState> ReadStoredAsync(ActorKind kind, string subject, CancellationToken cancellationToken) =>
        (await store.ReadAsync<RevocationState>(IdentityStore.SubjectPartition(kind, subject), DocumentId, cancellationToken))?.Record
        ?? new RevocationState();

    /// <summary>Records a revocation (compare-and-swap on the subject's document) and applies it locally at once.</summary>
    public async Task RevokeAsync(
        ActorKind kind,
        string subject,
        Func<RevocationState, RevocationState> change,
        CancellationToken cancellationToken
    )
    {
        var key = IdentityStore.SubjectPartition(kind, subject);
        for (var attempt = 0; ; attempt++)
        {
            var stored = await store.ReadAsync<RevocationState>(key, DocumentId, cancellationToken);
            var now = time.GetUtcNow();
            var next = change(stored?.Record ?? new RevocationState());
            next = next with { Sessions = [.. next.Sessions.Where(s => s.Until > now)] };
            try
            {
                if (stored is null)
                {
                    await store.CreateAsync(key, DocumentId, DocumentType, next, cancellationToken);
                }
                else
                {
                    await store.ReplaceAsync(key, DocumentId, DocumentType, next, stored.Value.ETag, cancellationToken);
                }
                Remember(key, next);
                return;
            }
            catch (Exception ex) when (ex is Documents.ETagMismatchException or Documents.DocumentExistsException && attempt < 16)
            {
                await Task.Yield();
            }
        }
    }
}
