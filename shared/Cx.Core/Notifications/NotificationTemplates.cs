using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Fluid;
using Fluid.Values;

namespace Cx.Core.Notifications;

/// <summary>
/// Liquid templates (Fluid): parsing with the problem's position, rendering against a JSON model,
/// and choosing a trigger's template for a channel and language with fallback
/// (<c>pt-PT</c> → <c>pt</c> → <c>default</c>). Parsed templates are cached by their text.
/// </summary>
public static class NotificationTemplates
{
    private static readonly FluidParser Parser = new();

    private static readonly ConcurrentDictionary<string, IFluidTemplate> Cache = new(StringComparer.Ordinal);

    /// <summary>Lenient rendering: an unknown variable renders empty (messages are checked strictly when saved).</summary>
    private static readonly TemplateOptions Lenient = new TemplateOptionsBuilder()
        .WithCultureInfo(CultureInfo.InvariantCulture)
        .WithMaxSteps(100_000)
        .WithMaxOutputSize(1_000_000)
        .Build();

    /// <summary>Strict rendering: an unknown variable or member throws, naming it.</summary>
    private static readonly TemplateOptions Strict = new TemplateOptionsBuilder()
        .WithCultureInfo(CultureInfo.InvariantCulture)
        .WithMaxSteps(100_000)
        .WithMaxOutputSize(1_000_000)
        .WithStrictVariables(true)
        .Build();

    /// <summary>Why <paramref name="source"/> is not a Liquid template, or null when it parses.</summary>
    public static string? ParseError(string source)
    {
        if (Cache.ContainsKey(source))
        {
            return null;
        }
        if (!Parser.TryParse(source, out var template, out var error))
        {
            return error;
        }
        if (Cache.Count < 10_000)
        {
            Cache[source] = template;
        }
        return null;
    }

    /// <summary>The template problems of an http channel's settings (URL, header values, body).</summary>
    public static IEnumerable<string> Problems(NotificationChannelOptions channel)
    {
        if (channel.Url is { } url && ParseError(url) is { } urlError)
        {
            yield return $"Url is not a Liquid template: {urlError}";
        }
        foreach (var (name, value) in channel.Headers)
        {
            if (ParseError(value) is { } headerError)
            {
                yield return $"Headers:{name} is not a Liquid template: {headerError}";
            }
        }
        if (channel.Body is { } body && ParseError(body) is { } bodyError)
        {
            yield return $"Body is not a Liquid template: {bodyError}";
        }
    }

    /// <summary>Renders <paramref name="source"/> with the model's top-level names as variables.</summary>
    public static ValueTask<string> RenderAsync(string source, IReadOnlyDictionary<string, object?> model, bool strict = false)
    {
        if (!Cache.TryGetValue(source, out var template))
        {
            if (!Parser.TryParse(source, out template, out var error))
            {
                throw new FormatException(error);
            }
            if (Cache.Count < 10_000)
            {
                Cache[source] = template;
            }
        }
        var options = strict ? Strict : Lenient;
        var context = new TemplateContext(options);
        foreach (var (name, value) in model)
        {
            context.SetValue(name, FluidValue.Create(value, options));
        }
        return template.RenderAsync(context);
    }

    /// <summary>The template of <paramref name="channel"/> for <paramref name="language"/>: exact tag, then its primary language, then <c>default</c>.</summary>
    public static NotificationTemplate? Select(IEnumerable<NotificationTemplate> templates, string channel, string? language)
    {
        NotificationTemplate? primary = null;
        NotificationTemplate? fallback = null;
        var primaryTag = language?.Split('-')[0];
        foreach (var template in templates)
        {
            if (template.Channel != channel)
            {
                continue;
            }
            if (language is not null && string.Equals(template.Language, language, StringComparison.OrdinalIgnoreCase))
            {
                return template;
            }
            if (primaryTag is not null && string.Equals(template.Language, primaryTag, StringComparison.OrdinalIgnoreCase))
            {
                primary ??= template;
            }
            if (template.Language == "default")
            {
                fallback ??= template;
            }
        }
        return primary ?? fallback;
    }

    /// <summary>A JSON value as the plain .NET values Liquid reads (dictionaries, lists, strings, decimals, booleans).</summary>
    public static object? ToModel(JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => element
                .EnumerateObject()
                .GroupBy(p => p.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => ToModel(g.Last().Value), StringComparer.Ordinal),
            JsonValueKind.Array => element.EnumerateArray().Select(ToModel).ToList(),
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.TryGetDecimal(out var d) ? d : element.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

    public static object? ToModel(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        return ToModel(document.RootElement);
    }
}
