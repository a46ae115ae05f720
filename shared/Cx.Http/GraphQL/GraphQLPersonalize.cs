using Cx.Core.Common;
using Cx.Core.Identity;
using Cx.Http.Personalization;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Http.GraphQL;

/// <summary>
/// <c>personalize(placements: [...], customerId, anonymousId, device, language, ..., utmContent)</c>: the placement decisions of
/// <c>GET /api/v1/personalize</c> through the same handler and service (the same placement-key
/// checks, the same rule that a customer token decides for itself only and that naming a customer
/// takes customers:read), answered field by field. Needs content:read, as the REST route.
/// </summary>
internal static class GraphQLPersonalize
{
    public static FieldType Field()
    {
        var placement = new ObjectGraphType { Name = "PlacementDecision", Description = "One placement's answer, as in GET personalize." };
        placement.AddField(Of("placement", typeof(NonNullGraphType<StringGraphType>), p => p.Placement, "The placement key."));
        placement.AddField(Of("version", typeof(NonNullGraphType<IntGraphType>), p => p.Version, "The placement definition's version."));
        placement.AddField(Of("strategy", typeof(NonNullGraphType<StringGraphType>), p => p.Strategy, null));
        placement.AddField(Of("reason", typeof(NonNullGraphType<StringGraphType>), p => p.Reason, "Why this variant was chosen."));
        placement.AddField(Of("matched", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), p => p.Matched, null));
        placement.AddField(Of("contentType", typeof(NonNullGraphType<StringGraphType>), p => p.ContentType, null));
        placement.AddField(Of("variant", typeof(StringGraphType), p => p.Variant, "The winning variant; null when nothing is served."));
        placement.AddField(Of("entryId", typeof(IdGraphType), p => p.EntryId, null));
        placement.AddField(Of("entry", typeof(JsonGraphType), p => p.Entry, "The served entry, as GET personalize answers it."));
        placement.AddField(Of("score", typeof(FloatGraphType), p => p.Score, null));
        placement.AddField(Of("holdout", typeof(BooleanGraphType), p => p.Holdout, null));

        var decision = new ObjectGraphType { Name = "Personalization", Description = "A decision for one or more placements." };
        decision.AddField(Field<DecisionView>("decisionId", typeof(NonNullGraphType<StringGraphType>), d => d.DecisionId));
        decision.AddField(Field<DecisionView>("at", typeof(NonNullGraphType<StringGraphType>), d => d.At));
        decision.AddField(
            Field<DecisionView>("segments", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>), d => d.Segments)
        );
        decision.AddField(Field<DecisionView>("customerId", typeof(IdGraphType), d => d.CustomerId));
        decision.AddField(Field<DecisionView>("anonymousId", typeof(StringGraphType), d => d.AnonymousId));
        decision.AddField(
            new FieldType
            {
                Name = "placements",
                Description = "Every asked placement, in the order asked.",
                ResolvedType = new NonNullGraphType(new ListGraphType(new NonNullGraphType(placement))),
                Resolver = new FuncFieldResolver<object?>(ctx => ((DecisionView)ctx.Source!).Placements),
            }
        );

        return new FieldType
        {
            Name = "personalize",
            Description =
                "The placement decisions of GET /api/v1/personalize: each placement's variant and entry for the caller, "
                + "a named customer (customers:read) or an anonymous visitor (content:read).",
            ResolvedType = decision,
            Arguments = new QueryArguments(
                (QueryArgument[])
                    [
                        new QueryArgument<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>
                        {
                            Name = "placements",
                            Description = "Placement keys, such as homepage.hero.",
                        },
                        new QueryArgument<IdGraphType>
                        {
                            Name = "customerId",
                            Description = "A customer (a customer token: its own only).",
                        },
                        new QueryArgument<StringGraphType>
                        {
                            Name = "anonymousId",
                            Description = "An anonymous visitor (1-128 characters).",
                        },
                        .. ContextArguments.Select(a => new QueryArgument<StringGraphType>
                        {
                            Name = a.Argument,
                            Description = a.Description,
                        }),
                    ]
            ),
            Resolver = new FuncFieldResolver<object?>(async ctx =>
            {
                GraphQLRequestContext.Require(Permissions.ContentRead);
                var endpoints = ctx.RequestServices!.GetRequiredService<PersonalizeEndpoints>();
                var context = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (argument, parameter, _) in ContextArguments)
                {
                    if (ctx.GetArgument<string?>(argument) is { } value)
                    {
                        context[parameter] = value;
                    }
                }
                try
                {
                    return await endpoints.DecideAsync(
                        ctx.GetArgument<List<string>>("placements"),
                        ctx.GetArgument<string?>("customerId"),
                        ctx.GetArgument<string?>("anonymousId"),
                        context,
                        GraphQLRequestContext.Of(ctx).Request!,
                        ctx.CancellationToken
                    );
                }
                catch (ValidationException invalid)
                {
                    // Errors name the GraphQL argument (utmCampaign), not the REST parameter (utm_campaign).
                    throw new ValidationException([.. invalid.Errors.Select(e => e with { Path = ArgumentOf(e.Path) })], invalid.Message);
                }
            }),
        };
    }

    /// <summary>The request context of GET personalize: GraphQL argument, REST parameter, description.</summary>
    private static readonly (string Argument, string Parameter, string Description)[] ContextArguments =
    [
        ("device", "device", "mobile, tablet, desktop, kiosk or other; by default from the User-Agent header."),
        ("language", "language", "A language tag such as pt-PT; by default the first of Accept-Language."),
        ("country", "country", "An ISO 3166-1 alpha-2 code such as PT; by default the platform's country header."),
        ("timeZone", "timeZone", "An IANA time zone such as Europe/Lisbon (for the local hour)."),
        ("referrer", "referrer", "The referring host (at most 256 characters); by default the Referer header's host."),
        ("utmSource", "utm_source", "utm_source of the visit (at most 256 characters)."),
        ("utmMedium", "utm_medium", "utm_medium of the visit."),
        ("utmCampaign", "utm_campaign", "utm_campaign of the visit."),
        ("utmTerm", "utm_term", "utm_term of the visit."),
        ("utmContent", "utm_content", "utm_content of the visit."),
    ];

    private static string ArgumentOf(string parameter) =>
        ContextArguments.FirstOrDefault(a => a.Parameter == parameter).Argument ?? parameter;

    private static FieldType Of(string name, Type type, Func<PlacementDecisionView, object?> read, string? description) =>
        Field(name, type, read, description);

    private static FieldType Field<T>(string name, Type type, Func<T, object?> read, string? description = null) =>
        new()
        {
            Name = name,
            Type = type,
            Description = description,
            Resolver = new FuncFieldResolver<object?>(ctx => read((T)ctx.Source!)),
        };
}
