using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Identity;
using Microsoft.Extensions.Options;

namespace Cx.Core.Realtime;

/// <summary>
/// Short-lived state shared by one user's devices (a cart, the current step, a draft form), keyed by
/// its id, which is also the hand-over token: a device shows it (QR code, a typed code) and another
/// device of the same signed-in user opens the session with it.
/// </summary>
public sealed record DeviceSession(string Id, string Owner, ReadOnlyMemory<byte> State, long Version, DateTimeOffset ExpiresAt);

/// <summary>Where device sessions live: Redis in Azure, the embedded SQLite file locally. Expired sessions are never returned.</summary>
public interface IDeviceSessionStore
{
    ValueTask CreateAsync(DeviceSession session, CancellationToken cancellationToken);

    ValueTask<DeviceSession?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Replaces the state when the version is still <paramref name="version"/> (keeping the expiry); null when it is not, or the session is gone.</summary>
    ValueTask<DeviceSession?> ReplaceAsync(string id, ReadOnlyMemory<byte> state, long version, CancellationToken cancellationToken);

    /// <summary>Revokes (deletes) a session; false when there was none.</summary>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken);
}

/// <summary>
/// Device sessions: create, open, change (under If-Match on the version) and revoke, each only by
/// the user who created it (anyone else gets 404: a token is not proof of anything without the
/// sign-in). Every change and the revocation are published on the channel <c>session:{id}</c>, so
/// the user's other connected devices see them at once.
/// </summary>
public sealed class DeviceSessionService(
    IDeviceSessionStore store,
    IChannelLog log,
    IRealtimePublisher publisher,
    TimeProvider time,
    IOptions<RealtimeOptions> options
)
{
    public async Task<DeviceSession> CreateAsync(Actor actor, JsonObject state, int? ttlSeconds, CancellationToken cancellationToken)
    {
        var ttl = TimeSpan.FromSeconds(ttlSeconds ?? options.Value.SessionSeconds);
        var session = new DeviceSession(
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_'),
            RealtimeService.UserOf(actor).UserId,
            JsonSerializer.SerializeToUtf8Bytes(state),
            1,
            time.GetUtcNow() + ttl
        );
        await store.CreateAsync(session, cancellationToken);
        return session;
    }

    /// <summary>The session, if it exists, has not expired and is the actor's own; otherwise 404.</summary>
    public async Task<DeviceSession> GetAsync(Actor actor, string id, CancellationToken cancellationToken)
    {
        var session = await store.GetAsync(id, cancellationToken);
        if (session is null || session.Owner != RealtimeService.UserOf(actor).UserId)
        {
            throw new NotFoundException("Session", id);
        }
        return session;
    }

    public async Task<DeviceSession> ReplaceAsync(
        Actor actor,
        string id,
        JsonObject state,
        long? ifMatch,
        CancellationToken cancellationToken
    )
    {
        var current = await GetAsync(actor, id, cancellationToken);
        if (ifMatch is { } expected && expected != current.Version)
        {
            throw new PreconditionFailedException($"Session '{id}' is at version {current.Version}, not {expected}.");
        }
        var changed =
            await store.ReplaceAsync(id, JsonSerializer.SerializeToUtf8Bytes(state), current.Version, cancellationToken)
            ?? throw new PreconditionFailedException($"Session '{id}' was changed by another device meanwhile.");
        await PublishAsync(changed, "upsert", cancellationToken);
        return changed;
    }

    public async Task RevokeAsync(Actor actor, string id, CancellationToken cancellationToken)
    {
        var current = await GetAsync(actor, id, cancellationToken);
        if (!await store.DeleteAsync(id, cancellationToken))
        {
            throw new NotFoundException("Session", id);
        }
        await PublishAsync(current with { Version = current.Version + 1 }, "delete", cancellationToken);
    }

    private async Task PublishAsync(DeviceSession session, string kind, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(session.State.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", kind);
            writer.WriteString("type", "session");
            writer.WriteString("id", session.Id);
            writer.WriteString("etag", session.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.WritePropertyName("data");
            if (kind == "delete")
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", session.Version);
                writer.WritePropertyName("state");
                writer.WriteRawValue(session.State.Span, skipInputValidation: true);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        var channel = "session:" + session.Id;
        var published = await log.AppendAsync(
            [new ChannelAppend(channel, $"{kind}\n{session.Version}", time.GetUtcNow(), buffer.WrittenSpan.ToArray())],
            cancellationToken
        );
        await publisher.PublishAsync(published, cancellationToken);
    }
}
