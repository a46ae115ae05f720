using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Identity;
using Cx.Core.Personalization;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Personalization;

/// <summary>
/// The decision endpoint (<c>GET /personalize</c>) for a customer token, an anonymous visitor or a
/// server-to-server caller naming a customer; the marketers' preview; the sampled decision log.
/// </summary>
public sealed partial class PersonalizeEndpoints(
    PersonalizationService service,
    EdgeTokenService edgeTokens,
    DecisionLog log,
    ContentTypeRegistry contentTypes,
    IOptions<HttpOptions> httpOptions,
    IOptions<ContentOptions> contentOptions,
    IOptions<PersonalizationOptions> options
)
{
    public const int MaxTextLength = 256;

    private static readonly string[] DecideParameters =
    [
        "placements",
        "fields",
        "customerId",
        "anonymousId",
        "device",
        "language",
        "country",
        "timeZone",
        "referrer",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
    ];

    [GeneratedRegex("^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageTag();

    [GeneratedRegex("^[A-Za-z]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex CountryCode();

    /// <summary><c>GET personalize?placements=a,b</c>: each placement's variant and entry for the caller.</summary>
    public async Task<IResult> DecideAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = QueryParameters.Read(request, DecideParameters);
        var errors = new List<FieldError>();
        var placements = ReadPlacements(query.GetValueOrDefault("placements"), errors);
        var fields = query.TryGetValue("fields", out var f)
            ? f.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : null;
        var customerId = Optional(query, "customerId", errors, Ids.IsValidClientId, "A customer id.");
        var anonymousId = Optional(query, "anonymousId", errors, v => v.Length is > 0 and <= 128, "1-128 characters.");
        var context = ReadContext(request, query, errors);
        if (customerId is not null && anonymousId is not null)
        {
            errors.Add(new("anonymousId", "exclusive", "Name a customer or an anonymous visitor, not both.", ErrorLocation.Query));
        }
        ThrowIfAny(errors);
        (customerId, anonymousId) = ForActor(customerId, anonymousId);
        var result = await service.DecideAsync(
            new DecisionRequest
            {
                Placements = placements,
                CustomerId = customerId,
                AnonymousId = anonymousId,
                Context = context.Context,
                TimeZone = context.TimeZone,
            },
            cancellationToken
        );
        return new DecisionHttpResult(
            await ViewAsync(result, fields, preview: false, cancellationToken),
            DecisionHttpResult.TagsOf(result),
            DecisionHttpResult.ETagOf(result, fields),
            shareable: result.CustomerId is null && options.Value.SharedMaxAgeSeconds > 0,
            options.Value.SharedMaxAgeSeconds
        );
    }

    /// <summary>The request-context parameters of <c>GET personalize</c>, which GraphQL's personalize takes as arguments.</summary>
    internal static IReadOnlyList<string> ContextParameters { get; } =
    ["device", "language", "country", "timeZone", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

    /// <summary>
    /// GraphQL's <c>personalize</c> field: the placements, customer and visitor rules, the request
    /// context (the same parameters, checks and header fallbacks: <paramref name="context"/> holds them
    /// by their REST names) and the answer of <c>GET personalize</c> through the same service.
    /// </summary>
    internal async Task<DecisionView> DecideAsync(
        IReadOnlyList<string> placements,
        string? customerId,
        string? anonymousId,
        Dictionary<string, string> context,
        HttpRequest request,
        CancellationToken cancellationToken
    )
    {
        var errors = new List<FieldError>();
        var requestContext = ReadContext(request, context, errors);
        var keys = ReadPlacements(string.Join(',', placements), errors);
        if (customerId is not null && !Ids.IsValidClientId(customerId))
        {
            errors.Add(new("customerId", "format", "A customer id.", ErrorLocation.Query));
        }
        if (anonymousId is not null && anonymousId.Length is 0 or > 128)
        {
            errors.Add(new("anonymousId", "format", "1-128 characters.", ErrorLocation.Query));
        }
        if (customerId is not null && anonymousId is not null)
        {
            errors.Add(new("anonymousId", "exclusive", "Name a customer or an anonymous visitor, not both.", ErrorLocation.Query));
        }
        ThrowIfAny(errors);
        (customerId, anonymousId) = ForActor(customerId, anonymousId);
        var result = await service.DecideAsync(
            new DecisionRequest
            {
                Placements = keys,
                CustomerId = customerId,
                AnonymousId = anonymousId,
                Context = requestContext.Context,
                TimeZone = requestContext.TimeZone,
            },
            cancellationToken
        );
        return await ViewAsync(result, null, preview: false, cancellationToken);
    }

    /// <summary>Whom the caller may decide for: a customer token for itself only; naming a customer takes customers:read.</summary>
    private static (string? CustomerId, string? AnonymousId) ForActor(string? customerId, string? anonymousId)
    {
        var actor = CurrentActor.Get();
        if (actor.Kind == ActorKind.Customer)
        {
            // A customer token decides for its own customer only.
            if (customerId is not null && customerId != actor.CustomerId)
            {
                throw new ForbiddenException("A customer's token personalizes for its own customer only.");
            }
            return (actor.CustomerId, null);
        }
        if (customerId is not null && !actor.Has(Permissions.CustomersRead))
        {
            throw new ForbiddenException("Naming a customer takes customers:read (a server-to-server key); use anonymousId otherwise.");
        }
        return (customerId, anonymousId);
    }

    private static readonly string[] TokenParameters = ["customerId", "anonymousId"];

    /// <summary><c>GET personalize/token</c>: a short-lived signed token with the caller's segment set and holdout assignments, for an edge function.</summary>
    public async Task<IResult> TokenAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = QueryParameters.Read(request, TokenParameters);
        var errors = new List<FieldError>();
        var customerId = Optional(query, "customerId", errors, Ids.IsValidClientId, "A customer id.");
        var anonymousId = Optional(query, "anonymousId", errors, v => v.Length is > 0 and <= 128, "1-128 characters.");
        if (customerId is not null && anonymousId is not null)
        {
            errors.Add(new("anonymousId", "exclusive", "Name a customer or an anonymous visitor, not both.", ErrorLocation.Query));
        }
        ThrowIfAny(errors);
        var actor = CurrentActor.Get();
        if (actor.Kind == ActorKind.Customer)
        {
            if (customerId is not null && customerId != actor.CustomerId)
            {
                throw new ForbiddenException("A customer's token gets an edge token for its own customer only.");
            }
            customerId = actor.CustomerId;
            anonymousId = null;
        }
        else if (customerId is not null && !actor.Has(Permissions.CustomersRead))
        {
            throw new ForbiddenException("Naming a customer takes customers:read (a server-to-server key); use anonymousId otherwise.");
        }
        var token = await edgeTokens.IssueAsync(customerId, anonymousId, cancellationToken);
        return new JsonContractResult<EdgeTokenView>(
            new EdgeTokenView(
                token.Token,
                Instants.Format(token.ExpiresAt),
                token.Subject,
                token.Segments,
                token.HoldoutBucket,
                token.Holdouts
            ),
            PersonalizationJsonContext.Relaxed.EdgeTokenView
        );
    }

    /// <summary><c>POST personalize/preview</c>: what a stored or hypothetical customer would see; nothing is recorded.</summary>
    public async Task<IResult> PreviewAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        using var document = JsonDocument.Parse(body.ToJsonString());
        var input = DefinitionJson.Deserialize<PreviewInput>(document.RootElement);
        var errors = new List<FieldError>();
        if (input.Placements.IsEmpty)
        {
            errors.Add(new("/placements", "required", "Name one or more placements."));
        }
        if (input.CustomerId is { } id && !Ids.IsValidClientId(id))
        {
            errors.Add(new("/customerId", "id", "A customer id."));
        }
        JsonObject? profile = null;
        if (input.Profile is { } literal)
        {
            profile = JsonNode.Parse(literal.Json) as JsonObject;
            if (profile is null)
            {
                errors.Add(new("/profile", "type", "A hypothetical profile is an object of customer fields."));
            }
        }
        if (input.Segments is { } segments)
        {
            for (var i = 0; i < segments.Count; i++)
            {
                if (!DefinitionRules.IsKey(segments[i]))
                {
                    errors.Add(new($"/segments/{i}", "key", "A segment key."));
                }
            }
        }
        var context = input.Context ?? new PreviewContextInput();
        var requestContext = new RequestContext
        {
            Device = Check(
                context.Device,
                "/context/device",
                v => DecisionSchema.Devices.Contains(v),
                "mobile, tablet, desktop, kiosk or other.",
                errors
            ),
            Language = Check(context.Language, "/context/language", LanguageTag().IsMatch, "A language tag such as pt-PT.", errors),
            Country = Check(context.Country, "/context/country", CountryCode().IsMatch, "An ISO 3166-1 alpha-2 code.", errors)
                ?.ToUpperInvariant(),
            LocalHour = context.LocalHour,
            UtmSource = Check(context.UtmSource, "/context/utmSource", v => v.Length <= MaxTextLength, "At most 256 characters.", errors),
            UtmMedium = Check(context.UtmMedium, "/context/utmMedium", v => v.Length <= MaxTextLength, "At most 256 characters.", errors),
            UtmCampaign = Check(
                context.UtmCampaign,
                "/context/utmCampaign",
                v => v.Length <= MaxTextLength,
                "At most 256 characters.",
                errors
            ),
            UtmTerm = Check(context.UtmTerm, "/context/utmTerm", v => v.Length <= MaxTextLength, "At most 256 characters.", errors),
            UtmContent = Check(
                context.UtmContent,
                "/context/utmContent",
                v => v.Length <= MaxTextLength,
                "At most 256 characters.",
                errors
            ),
            Referrer = Check(context.Referrer, "/context/referrer", v => v.Length <= MaxTextLength, "At most 256 characters.", errors),
        };
        if (context.LocalHour is < 0 or > 23)
        {
            errors.Add(new("/context/localHour", "range", "An hour 0-23."));
        }
        Check(
            context.TimeZone,
            "/context/timeZone",
            v => TimeZoneInfo.TryFindSystemTimeZoneById(v, out _),
            "An IANA time zone such as Europe/Lisbon.",
            errors
        );
        ThrowIfAny(errors);
        var result = await service.DecideAsync(
            new DecisionRequest
            {
                Placements = [.. input.Placements],
                CustomerId = input.CustomerId,
                Context = requestContext,
                TimeZone = context.TimeZone,
                Preview = true,
                Profile = profile,
                Segments = input.Segments is { } s ? [.. s] : null,
            },
            cancellationToken
        );
        return new JsonContractResult<DecisionView>(
            await ViewAsync(result, input.Fields, preview: true, cancellationToken),
            PersonalizationJsonContext.Relaxed.DecisionView
        );
    }

    /// <summary><c>GET personalize/decisions</c>: the sampled decision log, newest first (<c>filter[customerId]</c>).</summary>
    public async Task<IResult> DecisionsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(
            request,
            contentOptions.Value,
            "decision-log",
            "Use filter[customerId], limit and cursor.",
            allowFilters: true
        );
        string? customerId = null;
        foreach (var filter in page.Parameters.Filters)
        {
            if (filter.Field != "customerId" || filter.Operator != "eq" || customerId is not null)
            {
                throw new ValidationException(
                    new FieldError(
                        filter.Parameter,
                        "unknown-parameter",
                        "The log filters on filter[customerId] (once).",
                        ErrorLocation.Query
                    )
                );
            }
            customerId = Ids.IsValidClientId(filter.Value)
                ? filter.Value
                : throw new ValidationException(new FieldError(filter.Parameter, "id", "A customer id.", ErrorLocation.Query));
        }
        var result = await log.ListAsync(customerId, page.Limit, page.After, cancellationToken);
        return new PageResult(result.Items, page.NextCursor(result.Next));
    }

    private async Task<DecisionView> ViewAsync(
        DecisionResult result,
        IReadOnlyList<string>? fields,
        bool preview,
        CancellationToken cancellationToken
    )
    {
        var selections = new Dictionary<string, FieldSelection?>(StringComparer.Ordinal);
        if (fields is not null)
        {
            foreach (var type in result.Placements.Select(p => p.ContentType).Distinct(StringComparer.Ordinal))
            {
                selections[type] = FieldSelection.Parse(fields, await contentTypes.GetSchemaAsync(type, cancellationToken));
            }
        }
        var views = new List<PlacementDecisionView>(result.Placements.Count);
        foreach (var answer in result.Placements)
        {
            var decision = answer.Decision;
            JsonElement? entry = null;
            if (answer.Entry is { } document)
            {
                entry = selections.GetValueOrDefault(answer.ContentType) is { } selection
                    ? Select(selection, document.Json)
                    : Parse(document.Json);
            }
            views.Add(
                new PlacementDecisionView(
                    decision.PlacementKey,
                    decision.Placement.Definition.Version,
                    PersonalizationService.Strategy(decision.Strategy),
                    PersonalizationService.Reason(decision.Reason),
                    decision.Matched,
                    answer.ContentType,
                    answer.Entry is null ? null : decision.Variant?.Key,
                    answer.Entry is null ? null : decision.Variant?.Entry,
                    entry,
                    decision.Score,
                    decision.HeldOut
                )
            );
        }
        return new DecisionView(
            result.DecisionId,
            Instants.Format(result.At),
            result.Segments,
            views,
            result.CustomerId,
            result.AnonymousId,
            preview ? true : null
        );
    }

    private static JsonElement Parse(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static JsonElement Select(FieldSelection selection, ReadOnlyMemory<byte> json)
    {
        var buffer = new ArrayBufferWriter<byte>(json.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            selection.Write(writer, json.Span);
        }
        return Parse(buffer.WrittenMemory);
    }

    private static List<string> ReadPlacements(string? value, List<FieldError> errors)
    {
        var keys = (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (keys.Count == 0)
        {
            errors.Add(
                new("placements", "required", "Name one or more placements: placements=homepage.hero,homepage.banner.", ErrorLocation.Query)
            );
        }
        foreach (var key in keys.Where(k => !PlacementRules.IsPlacementKey(k)))
        {
            errors.Add(new("placements", "key", $"'{key}' is not a placement key (such as homepage.hero).", ErrorLocation.Query));
        }
        return keys;
    }

    private sealed record ContextInput(RequestContext Context, string? TimeZone);

    private ContextInput ReadContext(HttpRequest request, Dictionary<string, string> query, List<FieldError> errors)
    {
        var device =
            Optional(query, "device", errors, v => DecisionSchema.Devices.Contains(v), "mobile, tablet, desktop, kiosk or other.")
            ?? DecisionSchema.DeviceOf(request.Headers.UserAgent.ToString());
        var language =
            Optional(query, "language", errors, LanguageTag().IsMatch, "A language tag such as pt-PT.") ?? FirstLanguage(request);
        var country =
            Optional(query, "country", errors, CountryCode().IsMatch, "An ISO 3166-1 alpha-2 code such as PT.")
            ?? (
                request.Headers[options.Value.CountryHeader].ToString() is { Length: 2 } header && CountryCode().IsMatch(header)
                    ? header
                    : null
            );
        var timeZone = Optional(
            query,
            "timeZone",
            errors,
            v => TimeZoneInfo.TryFindSystemTimeZoneById(v, out _),
            "An IANA time zone such as Europe/Lisbon."
        );
        var referrer =
            Optional(query, "referrer", errors, v => v.Length <= MaxTextLength, "At most 256 characters.")
            ?? (Uri.TryCreate(request.Headers.Referer.ToString(), UriKind.Absolute, out var uri) ? uri.Host.ToLowerInvariant() : null);
        bool Short(string v) => v.Length <= MaxTextLength;
        return new ContextInput(
            new RequestContext
            {
                Device = device,
                Language = language,
                Country = country?.ToUpperInvariant(),
                Referrer = referrer,
                UtmSource = Optional(query, "utm_source", errors, Short, "At most 256 characters."),
                UtmMedium = Optional(query, "utm_medium", errors, Short, "At most 256 characters."),
                UtmCampaign = Optional(query, "utm_campaign", errors, Short, "At most 256 characters."),
                UtmTerm = Optional(query, "utm_term", errors, Short, "At most 256 characters."),
                UtmContent = Optional(query, "utm_content", errors, Short, "At most 256 characters."),
            },
            timeZone
        );
    }

    private static string? FirstLanguage(HttpRequest request)
    {
        var header = request.Headers.AcceptLanguage.ToString();
        if (header.Length == 0)
        {
            return null;
        }
        var first = header.Split(',')[0].Split(';')[0].Trim();
        return first.Length <= 35 && LanguageTag().IsMatch(first) ? first : null;
    }

    private static string? Optional(
        Dictionary<string, string> query,
        string name,
        List<FieldError> errors,
        Func<string, bool> valid,
        string detail
    )
    {
        if (!query.TryGetValue(name, out var value))
        {
            return null;
        }
        if (value.Length == 0 || !valid(value))
        {
            errors.Add(new(name, "invalid", detail, ErrorLocation.Query));
            return null;
        }
        return value;
    }

    private static string? Check(string? value, string pointer, Func<string, bool> valid, string detail, List<FieldError> errors)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Length == 0 || !valid(value))
        {
            errors.Add(new(pointer, "invalid", detail));
            return null;
        }
        return value;
    }

    private static void ThrowIfAny(List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The request is not valid.");
        }
    }
}
