using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Rules;

namespace Cx.Core.Personalization;

/// <summary>
/// What a request tells about its context: device, language, country, the visitor's local time,
/// UTM parameters and the referrer. Rules read it as <c>request.*</c>.
/// </summary>
public sealed record RequestContext
{
    public static RequestContext Empty { get; } = new();

    /// <summary><c>mobile</c>, <c>tablet</c>, <c>desktop</c>, <c>kiosk</c> or <c>other</c>; null when unknown.</summary>
    public string? Device { get; init; }

    /// <summary>The first language of the request (<c>pt-PT</c>).</summary>
    public string? Language { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country code, upper case (from the country header).</summary>
    public string? Country { get; init; }

    /// <summary>The visitor's local hour (0-23), from its time zone.</summary>
    public int? LocalHour { get; init; }

    /// <summary>The visitor's local day of the week: <c>monday</c> ... <c>sunday</c>.</summary>
    public string? LocalDay { get; init; }

    public string? UtmSource { get; init; }

    public string? UtmMedium { get; init; }

    public string? UtmCampaign { get; init; }

    public string? UtmTerm { get; init; }

    public string? UtmContent { get; init; }

    /// <summary>The referrer's host name (lower case).</summary>
    public string? Referrer { get; init; }

    /// <summary>The local hour and day of <paramref name="now"/> in <paramref name="timeZone"/> (an IANA id); unknown zones give none.</summary>
    public RequestContext WithLocalTime(DateTimeOffset now, string? timeZone)
    {
        if (string.IsNullOrEmpty(timeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone))
        {
            return this;
        }
        var local = TimeZoneInfo.ConvertTime(now, zone);
        return this with { LocalHour = local.Hour, LocalDay = local.DayOfWeek.ToString().ToLowerInvariant() };
    }

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        Write(writer, "device", Device);
        Write(writer, "language", Language);
        Write(writer, "country", Country);
        if (LocalHour is { } hour)
        {
            writer.WriteNumber("localHour", hour);
        }
        Write(writer, "localDay", LocalDay);
        Write(writer, "utmSource", UtmSource);
        Write(writer, "utmMedium", UtmMedium);
        Write(writer, "utmCampaign", UtmCampaign);
        Write(writer, "utmTerm", UtmTerm);
        Write(writer, "utmContent", UtmContent);
        Write(writer, "referrer", Referrer);
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}

/// <summary>
/// The schema rules of placements are parsed against: the customer type's fields (as segment
/// rules see them) plus a <c>request</c> component with the request context. Built from the
/// current customer schema, so a field marketers add is usable at once.
/// </summary>
public static class DecisionSchema
{
    public const string RequestField = "request";

    public const string RequestComponent = "personalization-request";

    public static readonly IReadOnlyList<string> Devices = ["mobile", "tablet", "desktop", "kiosk", "other"];

    public static readonly IReadOnlyList<string> Days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    public static ComponentDefinition Request { get; } =
        new()
        {
            Key = RequestComponent,
            DisplayName = "Request context",
            BuiltIn = true,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "device",
                    Type = FieldType.Enumeration,
                    Values = [.. Devices],
                },
                new FieldDefinition { Name = "language", Type = FieldType.String },
                new FieldDefinition { Name = "country", Type = FieldType.String },
                new FieldDefinition
                {
                    Name = "localHour",
                    Type = FieldType.Integer,
                    Min = 0,
                    Max = 23,
                },
                new FieldDefinition
                {
                    Name = "localDay",
                    Type = FieldType.Enumeration,
                    Values = [.. Days],
                },
                new FieldDefinition { Name = "utmSource", Type = FieldType.String },
                new FieldDefinition { Name = "utmMedium", Type = FieldType.String },
                new FieldDefinition { Name = "utmCampaign", Type = FieldType.String },
                new FieldDefinition { Name = "utmTerm", Type = FieldType.String },
                new FieldDefinition { Name = "utmContent", Type = FieldType.String },
                new FieldDefinition { Name = "referrer", Type = FieldType.String },
            ],
        };

    /// <summary>The customer schema with the <c>request</c> component added.</summary>
    public static ContentSchema For(ContentSchema customer)
    {
        var type = customer.Type with
        {
            Fields =
            [
                .. customer.Type.Fields.Where(f => f.Name != RequestField),
                new FieldDefinition
                {
                    Name = RequestField,
                    Type = FieldType.Component,
                    Component = RequestComponent,
                },
            ],
        };
        var components = new Dictionary<string, ComponentDefinition>(customer.Components, StringComparer.Ordinal)
        {
            [RequestComponent] = Request,
        };
        return new ContentSchema(type, components);
    }

    /// <summary>
    /// The JSON the facts are read from: the profile's top-level properties (or none, for an
    /// anonymous visitor) with <c>request</c> set to the context.
    /// </summary>
    public static byte[] Compose(JsonElement? profile, RequestContext request)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (profile is { ValueKind: JsonValueKind.Object } p)
            {
                foreach (var property in p.EnumerateObject())
                {
                    if (property.Name != RequestField)
                    {
                        property.WriteTo(writer);
                    }
                }
            }
            writer.WritePropertyName(RequestField);
            request.WriteTo(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The device a User-Agent names, roughly: enough to target phones, tablets and desktops.</summary>
    public static string? DeviceOf(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return null;
        }
        if (userAgent.Contains("iPad", StringComparison.Ordinal) || userAgent.Contains("Tablet", StringComparison.OrdinalIgnoreCase))
        {
            return "tablet";
        }
        if (userAgent.Contains("Android", StringComparison.Ordinal))
        {
            return userAgent.Contains("Mobile", StringComparison.Ordinal) ? "mobile" : "tablet";
        }
        if (userAgent.Contains("Mobile", StringComparison.Ordinal) || userAgent.Contains("iPhone", StringComparison.Ordinal))
        {
            return "mobile";
        }
        if (
            userAgent.Contains("Windows", StringComparison.Ordinal)
            || userAgent.Contains("Macintosh", StringComparison.Ordinal)
            || userAgent.Contains("X11", StringComparison.Ordinal)
        )
        {
            return "desktop";
        }
        return "other";
    }

    /// <summary>True when <paramref name="tag"/> (<c>pt</c>) covers <paramref name="language"/> (<c>pt-PT</c>), case-insensitively.</summary>
    public static bool LanguageMatches(string tag, string? language) =>
        language is not null
        && (
            string.Equals(tag, language, StringComparison.OrdinalIgnoreCase)
            || (language.Length > tag.Length && language[tag.Length] == '-' && language.StartsWith(tag, StringComparison.OrdinalIgnoreCase))
        );

    internal static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
