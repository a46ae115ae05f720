using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Core.Notifications;

/// <summary>
/// A customer's notification preferences and consent, one document per customer in the
/// <c>notifications</c> container (<c>id = preferences</c>): opt-in/out per channel and per topic
/// with the evidence of every change, quiet hours in the customer's time zone (the profile's
/// <c>preferences.timeZone</c>), a cap of messages per 24 hours, and the instants of recent sends
/// the cap counts. The send function asks <see cref="CheckAsync"/> before every send: a channel
/// opt-out stops every message; critical messages pass topic opt-outs, quiet hours and caps.
/// </summary>
public sealed class NotificationPreferences(IDocumentStore store, TimeProvider time, IOptions<NotificationOptions> options)
{
    public const string DocumentId = "preferences";

    public const string DocumentType = "notificationPreferences";

    /// <summary>Consent records kept (the newest).</summary>
    public const int MaxConsents = 200;

    public async ValueTask<StoredDocument?> ReadAsync(string customerId, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(NotificationLog.Container, new DocumentKey(customerId, DocumentId), cancellationToken);
        return document?.Type == DocumentType ? document : null;
    }

    /// <summary>The preferences as stored, or the defaults (everything allowed) for a customer who has none.</summary>
    public async ValueTask<JsonObject> GetAsync(string customerId, CancellationToken cancellationToken) =>
        (await ReadAsync(customerId, cancellationToken)) is { } stored ? JsonNode.Parse(stored.Json.Span)!.AsObject() : Empty(customerId);

    private static JsonObject Empty(string customerId) =>
        new()
        {
            ["id"] = DocumentId,
            ["type"] = DocumentType,
            ["customer"] = customerId,
            ["channels"] = new JsonObject(),
            ["topics"] = new JsonObject(),
            ["quietHours"] = null,
            ["maxPerDay"] = null,
            ["consents"] = new JsonArray(),
            ["sent"] = new JsonArray(),
        };

    /// <summary>
    /// Applies a change (already validated by <see cref="Validate"/>): channel and topic opt-ins
    /// and outs (each recorded with the instant, source and evidence), quiet hours, the daily cap.
    /// </summary>
    public async ValueTask<JsonObject> UpdateAsync(string customerId, PreferenceChange change, CancellationToken cancellationToken) =>
        await MutateAsync(
            customerId,
            document =>
            {
                var now = Instants.Format(time.GetUtcNow());
                var consents = document["consents"]!.AsArray();
                foreach (var (scope, name, optIn) in change.Consents)
                {
                    document[scope == "channel" ? "channels" : "topics"]![name] = optIn;
                    consents.Add(
                        new JsonObject
                        {
                            ["at"] = now,
                            ["scope"] = scope + ":" + name,
                            ["optIn"] = optIn,
                            ["source"] = change.Source,
                            ["evidence"] = change.Evidence,
                        }
                    );
                }
                while (consents.Count > MaxConsents)
                {
                    consents.RemoveAt(0);
                }
                if (change.SetQuietHours)
                {
                    document["quietHours"] = change.QuietHours is { } q ? new JsonObject { ["start"] = q.Start, ["end"] = q.End } : null;
                }
                if (change.SetMaxPerDay)
                {
                    document["maxPerDay"] = change.MaxPerDay;
                }
                document["updatedAt"] = now;
                return true;
            },
            cancellationToken
        );

    /// <summary>Whether the message may go out to this customer on this channel now, must wait for quiet hours to end, or must not go out.</summary>
    public async ValueTask<PreferenceVerdict> CheckAsync(
        NotificationMessage message,
        JsonElement profile,
        NotificationChannelOptions channel,
        CancellationToken cancellationToken
    )
    {
        var stored = await ReadAsync(message.CustomerId, cancellationToken);
        if (stored is null)
        {
            return PreferenceVerdict.Allowed;
        }
        using var parsed = JsonDocument.Parse(stored.Json);
        return Verdict(parsed.RootElement, message, profile, time.GetUtcNow());
    }

    /// <summary>Why the message must not go out now (a refusal, or quiet hours that hold it), or null when it may.</summary>
    public static string? Refusal(JsonElement preferences, NotificationMessage message, JsonElement profile, DateTimeOffset now) =>
        Verdict(preferences, message, profile, now).Reason;

    /// <summary>
    /// The rules, on a preferences document: a channel opt-out always refuses; unless the message is
    /// critical, a topic opt-out refuses, quiet hours hold the message until they end in the customer's
    /// time zone, and the cap refuses.
    /// </summary>
    public static PreferenceVerdict Verdict(JsonElement preferences, NotificationMessage message, JsonElement profile, DateTimeOffset now)
    {
        if (OptedOut(preferences, "channels", message.Channel))
        {
            return PreferenceVerdict.Refused($"preference: the customer opted out of channel {message.Channel}");
        }
        if (message.Critical)
        {
            return PreferenceVerdict.Allowed;
        }
        if (OptedOut(preferences, "topics", message.Topic))
        {
            return PreferenceVerdict.Refused($"preference: the customer opted out of topic {message.Topic}");
        }
        if (
            preferences.TryGetProperty("quietHours", out var quiet)
            && quiet.ValueKind == JsonValueKind.Object
            && TimeOnly.TryParseExact(quiet.GetProperty("start").GetString(), "HH:mm", out var start)
            && TimeOnly.TryParseExact(quiet.GetProperty("end").GetString(), "HH:mm", out var end)
        )
        {
            var zone = TimeZone(profile);
            var localNow = TimeZoneInfo.ConvertTime(now, zone);
            var local = TimeOnly.FromDateTime(localNow.DateTime);
            if (start <= end ? local >= start && local < end : local >= start || local < end)
            {
                var until = QuietHoursEnd(localNow.DateTime, end, zone);
                return new PreferenceVerdict(
                    $"quiet hours: {start:HH\\:mm}-{end:HH\\:mm} in {zone.Id} (it is {local:HH\\:mm} there); held until {Instants.Format(until)}",
                    until
                );
            }
        }
        if (preferences.TryGetProperty("maxPerDay", out var cap) && cap.ValueKind == JsonValueKind.Number)
        {
            var since = now - TimeSpan.FromDays(1);
            var sent =
                preferences.TryGetProperty("sent", out var list) && list.ValueKind == JsonValueKind.Array
                    ? list.EnumerateArray().Count(e => Instants.TryParse(e.GetString() ?? "", out var at) && at > since)
                    : 0;
            if (sent >= cap.GetInt32())
            {
                return PreferenceVerdict.Refused($"cap: {sent} messages in the last 24 hours (at most {cap.GetInt32()})");
            }
        }
        return PreferenceVerdict.Allowed;
    }

    /// <summary>
    /// The instant quiet hours end: the next <paramref name="end"/> on the customer's wall clock after
    /// <paramref name="localNow"/>. An end that falls in a daylight-saving gap moves forward past it; an
    /// ambiguous one (the hour repeated in autumn) is its first occurrence.
    /// </summary>
    public static DateTimeOffset QuietHoursEnd(DateTime localNow, TimeOnly end, TimeZoneInfo zone)
    {
        var day = DateOnly.FromDateTime(localNow);
        var candidate = day.ToDateTime(end, DateTimeKind.Unspecified);
        if (candidate <= localNow)
        {
            candidate = candidate.AddDays(1);
        }
        while (zone.IsInvalidTime(candidate))
        {
            candidate = candidate.AddMinutes(30);
        }
        var offset = zone.IsAmbiguousTime(candidate) ? zone.GetAmbiguousTimeOffsets(candidate).Max() : zone.GetUtcOffset(candidate);
        return new DateTimeOffset(candidate, offset).ToUniversalTime();
    }

    private static bool OptedOut(JsonElement preferences, string property, string name) =>
        preferences.TryGetProperty(property, out var map)
        && map.ValueKind == JsonValueKind.Object
        && map.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.False;

    private static TimeZoneInfo TimeZone(JsonElement profile)
    {
        if (
            profile.TryGetProperty("preferences", out var preferences)
            && preferences.ValueKind == JsonValueKind.Object
            && preferences.TryGetProperty("timeZone", out var zone)
            && zone.ValueKind == JsonValueKind.String
            && TimeZoneInfo.TryFindSystemTimeZoneById(zone.GetString()!, out var found)
        )
        {
            return found;
        }
        return TimeZoneInfo.Utc;
    }

    /// <summary>Counts a sent message against the customer's cap (critical messages are not counted).</summary>
    public async ValueTask CountSentAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        if (message.Critical)
        {
            return;
        }
        var stored = await ReadAsync(message.CustomerId, cancellationToken);
        if (stored is null)
        {
            return; // no cap: nothing to count
        }
        using (var parsed = JsonDocument.Parse(stored.Json))
        {
            if (!parsed.RootElement.TryGetProperty("maxPerDay", out var cap) || cap.ValueKind != JsonValueKind.Number)
            {
                return;
            }
        }
        await MutateAsync(
            message.CustomerId,
            document =>
            {
                var now = time.GetUtcNow();
                var sent = document["sent"] as JsonArray ?? [];
                var kept = new JsonArray();
                foreach (var at in sent)
                {
                    if (Instants.TryParse(at?.GetValue<string>() ?? "", out var instant) && instant > now - TimeSpan.FromDays(1))
                    {
                        kept.Add(Instants.Format(instant));
                    }
                }
                kept.Add(Instants.Format(now));
                document["sent"] = kept;
                return true;
            },
            cancellationToken
        );
    }

    private async ValueTask<JsonObject> MutateAsync(string customerId, Func<JsonObject, bool> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = await ReadAsync(customerId, cancellationToken);
            var document = stored is null ? Empty(customerId) : JsonNode.Parse(stored.Json.Span)!.AsObject();
            change(document);
            var write = new DocumentWrite(
                DocumentId,
                customerId,
                DocumentType,
                JsonSerializer.SerializeToUtf8Bytes(document, CxJson.SerializerOptions)
            );
            try
            {
                if (stored is null)
                {
                    await store.CreateAsync(NotificationLog.Container, write, cancellationToken);
                }
                else
                {
                    await store.ReplaceAsync(NotificationLog.Container, write, stored.ETag, cancellationToken);
                }
                return document;
            }
            catch (Exception ex) when (ex is DocumentExistsException or ETagMismatchException && attempt < 5)
            {
                // changed meanwhile: read again and apply the change to the new version
            }
        }
    }

    /// <summary>
    /// The RFC 8058 headers of a non-critical e-mail: a signed one-click unsubscribe URL for the
    /// message's topic, when <see cref="NotificationOptions.PublicBaseUrl"/> and
    /// <see cref="NotificationOptions.UnsubscribeSecret"/> are set.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> EmailHeaders(NotificationMessage message)
    {
        if (message.Critical || UnsubscribeUrl(message.CustomerId, message.Topic) is not { } url)
        {
            return [];
        }
        return [new("List-Unsubscribe", "<" + url + ">"), new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")];
    }

    /// <summary>The signed one-click unsubscribe URL of a customer and topic, or null when unsubscribe links are not configured.</summary>
    public string? UnsubscribeUrl(string customerId, string topic)
    {
        var settings = options.Value;
        if (settings.PublicBaseUrl is not { } baseUrl || settings.UnsubscribeSecret is not { } secret)
        {
            return null;
        }
        return baseUrl.TrimEnd('/')
            + "/api/v1/notifications/unsubscribe?customer="
            + Uri.EscapeDataString(customerId)
            + "&topic="
            + Uri.EscapeDataString(topic)
            + "&signature="
            + Sign(secret, customerId, topic);
    }

    /// <summary>Whether <paramref name="signature"/> is the link's signature (constant time).</summary>
    public bool VerifySignature(string customerId, string topic, string signature)
    {
        if (options.Value.UnsubscribeSecret is not { } secret)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(secret, customerId, topic));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private static string Sign(string secret, string customerId, string topic)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes("unsubscribe\n" + customerId + "\n" + topic));
        return Base64Url(mac);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Reads a preference change from a request body; every problem with its JSON Pointer.</summary>
    public static PreferenceChange Validate(JsonObject body, string defaultSource)
    {
        var errors = new List<FieldError>();
        var consents = new List<(string, string, bool)>();
        foreach (var property in body)
        {
            if (property.Key is not ("channels" or "topics" or "quietHours" or "maxPerDay" or "source" or "evidence"))
            {
                errors.Add(
                    new(
                        "/" + property.Key,
                        "unknown-property",
                        "The body takes channels, topics, quietHours, maxPerDay, source and evidence."
                    )
                );
            }
        }
        foreach (var (name, scope) in new[] { ("channels", "channel"), ("topics", "topic") })
        {
            if (body[name] is not { } map)
            {
                continue;
            }
            if (map is not JsonObject entries)
            {
                errors.Add(new("/" + name, "object", "Must be an object of name: true (opt in) or false (opt out)."));
                continue;
            }
            foreach (var (key, value) in entries)
            {
                if (!NotificationTrigger.IsKey(key))
                {
                    errors.Add(new($"/{name}/{key}", "key", "Must be 1-64 of a-z, 0-9, '_', '-', starting with a letter."));
                }
                else if (value?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(new($"/{name}/{key}", "boolean", "Must be true (opt in) or false (opt out)."));
                }
                else
                {
                    consents.Add((scope, key, value.GetValue<bool>()));
                }
            }
        }
        QuietHours? quiet = null;
        var setQuiet = body.ContainsKey("quietHours");
        if (body["quietHours"] is { } q)
        {
            var start = q is JsonObject o1 && o1["start"]?.GetValueKind() == JsonValueKind.String ? o1["start"]!.GetValue<string>() : null;
            var end = q is JsonObject o2 && o2["end"]?.GetValueKind() == JsonValueKind.String ? o2["end"]!.GetValue<string>() : null;
            if (q is not JsonObject || q.AsObject().Any(p => p.Key is not ("start" or "end")))
            {
                errors.Add(new("/quietHours", "object", "Must be {\"start\":\"HH:mm\",\"end\":\"HH:mm\"} or null."));
            }
            if (!TimeOnly.TryParseExact(start, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                errors.Add(new("/quietHours/start", "time", "Must be a time HH:mm (in the customer's time zone)."));
            }
            if (!TimeOnly.TryParseExact(end, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                errors.Add(new("/quietHours/end", "time", "Must be a time HH:mm (in the customer's time zone)."));
            }
            if (start is not null && end is not null && start == end)
            {
                errors.Add(new("/quietHours/end", "time", "Must differ from start."));
            }
            quiet = new QuietHours(start ?? "", end ?? "");
        }
        int? maxPerDay = null;
        var setCap = body.ContainsKey("maxPerDay");
        if (body["maxPerDay"] is { } cap)
        {
            if (cap.GetValueKind() != JsonValueKind.Number || !cap.AsValue().TryGetValue<int>(out var n) || n is < 1 or > 1000)
            {
                errors.Add(new("/maxPerDay", "range", "Must be a whole number 1-1000, or null for no cap."));
            }
            else
            {
                maxPerDay = n;
            }
        }
        var source = defaultSource;
        if (body["source"] is { } s)
        {
            if (s.GetValueKind() != JsonValueKind.String || s.GetValue<string>() is not { Length: > 0 and <= 64 } text)
            {
                errors.Add(new("/source", "string", "Must be a string of 1-64 characters (web-form, app, support, ...)."));
            }
            else
            {
                source = text;
            }
        }
        string? evidence = null;
        if (body["evidence"] is { } e)
        {
            if (e.GetValueKind() != JsonValueKind.String || e.GetValue<string>() is not { Length: > 0 and <= 2000 } text)
            {
                errors.Add(new("/evidence", "string", "Must be a string of 1-2000 characters (the wording shown, a form id, ...)."));
            }
            else
            {
                evidence = text;
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The preferences are not valid.");
        }
        return new PreferenceChange(consents, setQuiet, quiet, setCap, maxPerDay, source, evidence);
    }
}

/// <summary>What the preferences say about a message: allowed, refused (<see cref="Reason"/>) or held until <see cref="HoldUntil"/>.</summary>
public sealed record PreferenceVerdict(string? Reason, DateTimeOffset? HoldUntil)
{
    public static PreferenceVerdict Allowed { get; } = new(null, null);

    public static PreferenceVerdict Refused(string reason) => new(reason, null);
}

/// <summary>Quiet hours, <c>HH:mm</c> to <c>HH:mm</c> in the customer's time zone (may span midnight).</summary>
public sealed record QuietHours(string Start, string End);

/// <summary>A validated change of a customer's preferences.</summary>
public sealed record PreferenceChange(
    IReadOnlyList<(string Scope, string Name, bool OptIn)> Consents,
    bool SetQuietHours,
    QuietHours? QuietHours,
    bool SetMaxPerDay,
    int? MaxPerDay,
    string Source,
    string? Evidence
);
