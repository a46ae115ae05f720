using Cx.Core.Common;
using Microsoft.Extensions.Options;

namespace Cx.Core.Identity;

/// <summary>A signed-in session: one refresh-token family.</summary>
public sealed record SessionRecord(
    string SessionId,
    ActorKind Kind,
    string Subject,
    IReadOnlyList<string> Roles,
    string? CustomerId,
    string? DisplayName,
    string Client,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt = null,
    string? RevokedReason = null
);

/// <summary>A refresh token, stored only as the hash of its value; one use each.</summary>
public sealed record RefreshTokenRecord(
    string SessionId,
    ActorKind Kind,
    string Subject,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt = null
);

/// <summary>What a sign-in or refresh returns.</summary>
public sealed record TokenPair(IssuedAccessToken Access, string RefreshToken, DateTimeOffset RefreshExpiresAt, string SessionId);

/// <summary>Re-reads who a staff account is at refresh time (disabled accounts and removed roles take effect).</summary>
public interface IStaffDirectory
{
    ValueTask<Actor?> FindActiveAsync(string subject, CancellationToken cancellationToken);
}

/// <summary>
/// Sessions and rotating refresh tokens. A refresh token is random (256 bits), stored hashed,
/// valid for one use: using it returns a new pair; using it again is reuse, which revokes the
/// whole family (someone holds a stolen copy). Revoking a session or every session of a subject
/// ends its refresh tokens and invalidates its outstanding access tokens through
/// <see cref="RevocationCache"/>.
/// </summary>
public sealed class SessionService(
    IdentityStore store,
    TokenService tokens,
    RevocationCache revocations,
    IStaffDirectory staff,
    IOptions<AuthOptions> options,
    TimeProvider time,
    Audit.AuditLog? audit = null
)
{
    public const string SessionType = "session";
    public const string RefreshTokenType = "refresh-token";

    public async Task<TokenPair> StartAsync(Actor actor, string client, CancellationToken cancellationToken)
    {
        var sessionId = Ids.New(time);
        var session = new SessionRecord(
            sessionId,
            actor.Kind,
            actor.Subject,
            actor.Roles,
            actor.CustomerId,
            actor.DisplayName,
            client,
            time.GetUtcNow()
        );
        await store.CreateAsync(
            IdentityStore.SubjectPartition(actor.Kind, actor.Subject),
            sessionId,
            SessionType,
            session,
            cancellationToken
        );
        return await IssuePairAsync(actor with { SessionId = sessionId }, cancellationToken);
    }

    /// <summary>
    /// Spends a refresh token for a new pair. Everything that ends a session is checked before the
    /// token is spent: the session revoked, too old, signed out everywhere after it began (read from
    /// the store, not the cache, so at once on every instance), the staff account disabled or gone.
    /// The token is then spent by a write conditional on its ETag: of two uses racing, exactly one
    /// wins, and the other is reuse and revokes the family (with what the winner got).
    /// </summary>
    public async Task<TokenPair> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var hash = IdentityStore.Hash(refreshToken);
        var stored =
            await store.ReadAsync<RefreshTokenRecord>(hash, hash, cancellationToken)
            ?? throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The refresh token is not valid.");
        var (record, etag) = stored;
        var now = time.GetUtcNow();
        if (record.UsedAt is not null)
        {
            throw await ReuseDetectedAsync(record, cancellationToken);
        }
        if (record.ExpiresAt <= now)
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The refresh token has expired.");
        }
        var live = await ReadLiveSessionAsync(record, now, cancellationToken);
        var actor =
            live.Kind == ActorKind.Staff
                ? await staff.FindActiveAsync(live.Subject, cancellationToken)
                    ?? throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The account is disabled or gone.")
                : new Actor(live.Kind, live.Subject, live.Roles, Permissions.ForRoles(live.Roles), live.CustomerId, null, live.DisplayName);
        try
        {
            await store.ReplaceAsync(hash, hash, RefreshTokenType, record with { UsedAt = now }, etag, cancellationToken);
        }
        catch (Documents.ETagMismatchException)
        {
            // Two uses raced and the other spent it first: this one is the copy.
            throw await ReuseDetectedAsync(record, cancellationToken);
        }
        return await IssuePairAsync(actor with { SessionId = live.SessionId }, cancellationToken);
    }

    private async Task<SessionRecord> ReadLiveSessionAsync(
        RefreshTokenRecord record,
        DateTimeOffset now,
        CancellationToken cancellationToken
    )
    {
        var session = await store.ReadAsync<SessionRecord>(
            IdentityStore.SubjectPartition(record.Kind, record.Subject),
            record.SessionId,
            cancellationToken
        );
        if (session?.Record is not { RevokedAt: null } live)
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The session has ended.");
        }
        if (now - live.CreatedAt > TimeSpan.FromDays(options.Value.SessionMaxDays))
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The session is too old; sign in again.");
        }
        var revoked = await revocations.ReadStoredAsync(record.Kind, record.Subject, cancellationToken);
        if (revoked.NotBefore is { } cut && Truncate(live.CreatedAt) < cut)
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The session has ended: signed out everywhere.");
        }
        return live;
    }

    /// <summary>Revokes the session a refresh token belongs to (RFC 7009: unknown tokens are not an error).</summary>
    public async Task RevokeRefreshTokenAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var hash = IdentityStore.Hash(refreshToken);
        if (await store.ReadAsync<RefreshTokenRecord>(hash, hash, cancellationToken) is { } stored)
        {
            await RevokeSessionAsync(stored.Record.Kind, stored.Record.Subject, stored.Record.SessionId, "revoked", cancellationToken);
        }
    }

    public async Task RevokeSessionAsync(
        ActorKind kind,
        string subject,
        string sessionId,
        string reason,
        CancellationToken cancellationToken
    )
    {
        var partition = IdentityStore.SubjectPartition(kind, subject);
        if (
            await store.ReadAsync<SessionRecord>(partition, sessionId, cancellationToken) is { } session
            && session.Record.RevokedAt is null
        )
        {
            try
            {
                await store.ReplaceAsync(
                    partition,
                    sessionId,
                    SessionType,
                    session.Record with
                    {
                        RevokedAt = time.GetUtcNow(),
                        RevokedReason = reason,
                    },
                    session.ETag,
                    cancellationToken
                );
            }
            catch (Documents.ETagMismatchException)
            {
                // Revoked concurrently; the revocation below still applies.
            }
        }
        var until = time.GetUtcNow().AddMinutes(options.Value.AccessTokenMinutes) + TokenService.ClockSkew;
        await revocations.RevokeAsync(
            kind,
            subject,
            state => state with { Sessions = [.. state.Sessions, new RevokedSession(sessionId, until)] },
            cancellationToken
        );
    }

    /// <summary>Signs a subject out everywhere: every session and every token issued until now.</summary>
    public async Task RevokeAllAsync(ActorKind kind, string subject, CancellationToken cancellationToken)
    {
        // Access tokens carry their issue time in milliseconds (cx_iat), so the cut is exact:
        // a sign-in right after this call gets a token that works. Sessions begun before the cut
        // end with it: their refresh tokens are refused (RefreshAsync).
        var notBefore = Truncate(time.GetUtcNow());
        await revocations.RevokeAsync(kind, subject, state => state with { NotBefore = notBefore }, cancellationToken);
    }

    /// <summary>An instant to the millisecond, the precision of the cut and of <c>cx_iat</c>.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset instant) =>
        DateTimeOffset.FromUnixTimeMilliseconds(instant.ToUnixTimeMilliseconds());

    private async Task<UnauthorizedException> ReuseDetectedAsync(RefreshTokenRecord record, CancellationToken cancellationToken)
    {
        await RevokeSessionAsync(record.Kind, record.Subject, record.SessionId, "refresh-token-reuse", cancellationToken);
        if (audit is not null)
        {
            await audit.RecordAsync(
                $"{record.Kind.ToString().ToLowerInvariant()}:{record.Subject}",
                null,
                Audit.AuditActions.RefreshReuse,
                "session",
                record.SessionId,
                false,
                new { revoked = "session" },
                cancellationToken
            );
        }
        return new UnauthorizedException(
            UnauthorizedException.InvalidGrant,
            "The refresh token was already used; the session has been revoked."
        );
    }

    private async Task<TokenPair> IssuePairAsync(Actor actor, CancellationToken cancellationToken)
    {
        var access = await tokens.IssueAsync(actor, cancellationToken);
        var refresh = IdentityStore.NewSecret();
        var hash = IdentityStore.Hash(refresh);
        var expires = time.GetUtcNow().AddDays(options.Value.RefreshTokenDays);
        await store.CreateAsync(
            hash,
            hash,
            RefreshTokenType,
            new RefreshTokenRecord(actor.SessionId!, actor.Kind, actor.Subject, expires),
            cancellationToken
        );
        return new TokenPair(access, refresh, expires, actor.SessionId!);
    }
}
