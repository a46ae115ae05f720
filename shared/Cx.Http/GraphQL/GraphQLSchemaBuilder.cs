using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Profiles;
using Cx.Core.Segments;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using ContentFieldType = Cx.Core.Content.FieldType;
using GraphFieldType = GraphQL.Types.FieldType;

namespace Cx.Http.GraphQL;

/// <summary>
/// Builds the GraphQL schema from the current content types and components (ADR 0470): an object
/// type per collection or single type, its fields typed from the field definitions (components as
/// object types, dynamic zones as unions of their components, relations as the target type,
/// resolved through the per-request batch loader), Relay connections with the REST list's
/// filters, sort and cursors, the customer's segments, and the funnel. Resolvers call the same
/// services as the REST handlers and check the same permissions per field.
/// </summary>
public static class GraphQLSchemaBuilder
{
    private static readonly HashSet<string> ReservedTypes = new(StringComparer.Ordinal)
    {
        "Query",
        "PageInfo",
        "EntryFilter",
        "Funnel",
        "FunnelStep",
        "Segment",
        "JSON",
        "Long",
        "Decimal",
    };

    private static readonly HashSet<string> ReservedRootFields = new(StringComparer.Ordinal) { "funnel", "segment" };

    public static ISchema Build(IReadOnlyList<ContentType> types, IReadOnlyList<ComponentDefinition> components)
    {
        var state = new BuildState(components.ToDictionary(c => c.Key, StringComparer.Ordinal));
        var exposed = types
            .Where(t => t.Storage.Container != Containers.Customers || t.Key == CustomerProfile.TypeKey)
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .ToList();
        foreach (var type in exposed)
        {
            var name = GraphQLNames.Pascal(type.Key);
            if (ReservedTypes.Contains(name) || state.TypeNames.Contains(name))
            {
                name += "Entry";
            }
            state.TypeNames.Add(name);
            state.Entries[type.Key] = (type, new ObjectGraphType { Name = name, Description = type.Description ?? type.DisplayName });
        }
        foreach (var (type, graph) in state.Entries.Values)
        {
            AddEntryFields(state, type, graph);
        }

        var query = new ObjectGraphType
        {
            Name = "Query",
            Description = "Reads of Cx: entries of every content type, segments and funnels.",
        };
        var rootNames = new HashSet<string>(ReservedRootFields, StringComparer.Ordinal);
        foreach (var (type, graph) in state.Entries.Values)
        {
            var single = GraphQLNames.Camel(type.Key);
            if (type.Kind == ContentKind.Single)
            {
                if (rootNames.Add(single))
                {
                    query.AddField(SingleField(single, type, graph));
                }
                continue;
            }
            if (rootNames.Add(single))
            {
                query.AddField(ByIdField(single, type, graph));
            }
            var plural = GraphQLNames.Plural(single);
            if (rootNames.Add(plural))
            {
                query.AddField(ConnectionField(plural, type, graph, state));
            }
        }
        query.AddField(SegmentField(state));
        query.AddField(GraphQLFunnel.Field());
        query.AddField(GraphQLPersonalize.Field());
        return new Schema { Query = query, Mutation = GraphQLMutations.Build() };
    }

    private sealed class BuildState(Dictionary<string, ComponentDefinition> components)
    {
        public Dictionary<string, ComponentDefinition> Components { get; } = components;

        public Dictionary<string, (ContentType Type, ObjectGraphType Graph)> Entries { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ObjectGraphType> ComponentTypes { get; } = new(StringComparer.Ordinal);

        public HashSet<string> TypeNames { get; } = new(StringComparer.Ordinal);

        public InputObjectGraphType? Filter { get; set; }

        public ObjectGraphType? PageInfo { get; set; }

        public ObjectGraphType? Segment { get; set; }
    }

    // ---------------------------------------------------------------- entry and component types

    private static void AddEntryFields(BuildState state, ContentType type, ObjectGraphType graph)
    {
        graph.AddField(
            new GraphFieldType
            {
                Name = "id",
                Type = typeof(NonNullGraphType<IdGraphType>),
                Resolver = new FuncFieldResolver<object?>(ctx => Property(ctx.Source, "id")?.GetString()),
            }
        );
        foreach (var stamp in (string[])["createdAt", "updatedAt"])
        {
            graph.AddField(
                new GraphFieldType
                {
                    Name = stamp,
                    Type = typeof(StringGraphType),
                    Description = "An ISO 8601 instant (UTC).",
                    Resolver = new FuncFieldResolver<object?>(ctx => Property(ctx.Source, stamp)?.GetString()),
                }
            );
        }
        var names = new HashSet<string>(["id", "createdAt", "updatedAt"], StringComparer.Ordinal);
        AddFields(state, graph, type.Fields, names, GraphQLNames.Pascal(type.Key));
        if (type.Key == CustomerProfile.TypeKey)
        {
            graph.AddField(CustomerSegmentsField(state));
        }
    }

    private static void AddFields(
        BuildState state,
        ObjectGraphType graph,
        IEnumerable<FieldDefinition> fields,
        HashSet<string> names,
        string owner
    )
    {
        foreach (var field in fields)
        {
            if (GraphQLNames.Field(field.Name) is not { } name || !names.Add(name))
            {
                continue;
            }
            graph.AddField(Describe(state, field, name, owner));
        }
    }

    private static GraphFieldType Describe(BuildState state, FieldDefinition field, string name, string owner)
    {
        var stored = field.Name;
        var result = new GraphFieldType { Name = name, Description = field.Description };
        switch (field.Type)
        {
            case ContentFieldType.Component when field.Component is { } key && ComponentType(state, key) is { } component:
                result.ResolvedType = field.Repeatable ? new ListGraphType(new NonNullGraphType(component)) : component;
                result.Resolver = new FuncFieldResolver<object?>(ctx => Value(Property(ctx.Source, stored), list: field.Repeatable));
                break;
            case ContentFieldType.DynamicZone when Zone(state, field, owner) is { } zone:
                result.ResolvedType = new ListGraphType(new NonNullGraphType(zone));
                result.Resolver = new FuncFieldResolver<object?>(ctx => Value(Property(ctx.Source, stored), list: true));
                break;
            case ContentFieldType.Relation when field.Target is { } target && state.Entries.TryGetValue(target, out var entry):
                result.ResolvedType = field.Many ? new ListGraphType(new NonNullGraphType(entry.Graph)) : entry.Graph;
                result.Description ??= $"The related {entry.Type.DisplayName} (read in one batch per request).";
                result.Resolver = new FuncFieldResolver<object?>(ctx => ResolveRelation(ctx, Property(ctx.Source, stored), entry.Type));
                break;
            case ContentFieldType.Relation:
                result.Type = field.Many ? typeof(ListGraphType<NonNullGraphType<IdGraphType>>) : typeof(IdGraphType);
                result.Resolver = new FuncFieldResolver<object?>(ctx => Scalar(Property(ctx.Source, stored), field));
                break;
            default:
                result.Type = ScalarType(field);
                result.Resolver = new FuncFieldResolver<object?>(ctx => Scalar(Property(ctx.Source, stored), field));
                break;
        }
        return result;
    }

    private static ObjectGraphType? ComponentType(BuildState state, string key)
    {
        if (state.ComponentTypes.TryGetValue(key, out var existing))
        {
            return existing;
        }
        if (!state.Components.TryGetValue(key, out var definition))
        {
            return null;
        }
        var name = GraphQLNames.Pascal(key) + "Component";
        while (!state.TypeNames.Add(name))
        {
            name += "_";
        }
        var graph = new ObjectGraphType { Name = name, Description = definition.Description ?? definition.DisplayName };
        state.ComponentTypes[key] = graph;
        AddFields(state, graph, definition.Fields, new HashSet<string>(StringComparer.Ordinal), name);
        if (graph.Fields.Count == 0)
        {
            graph.AddField(
                new GraphFieldType
                {
                    Name = "_empty",
                    Type = typeof(BooleanGraphType),
                    Resolver = new FuncFieldResolver<object?>(_ => null),
                }
            );
        }
        return graph;
    }

    private static UnionGraphType? Zone(BuildState state, FieldDefinition field, string owner)
    {
        var members = new Dictionary<string, ObjectGraphType>(StringComparer.Ordinal);
        foreach (var key in field.Components)
        {
            if (ComponentType(state, key) is { } component)
            {
                members[key] = component;
            }
        }
        if (members.Count == 0)
        {
            return null;
        }
        var name = owner + GraphQLNames.Pascal(field.Name) + "Zone";
        while (!state.TypeNames.Add(name))
        {
            name += "_";
        }
        var union = new UnionGraphType
        {
            Name = name,
            Description = $"One of the components of {field.Name}, told apart by __component.",
            ResolveType = value =>
                value is JsonElement { ValueKind: JsonValueKind.Object } element
                && element.TryGetProperty("__component", out var key)
                && key.ValueKind == JsonValueKind.String
                    ? members.GetValueOrDefault(key.GetString()!)
                    : null,
        };
        foreach (var member in members.Values.DistinctBy(m => m.Name))
        {
            union.AddPossibleType(member);
        }
        return union;
    }

    private static Type ScalarType(FieldDefinition field) =>
        (field.Type, field.Repeatable) switch
        {
            (ContentFieldType.Integer, _) => typeof(LongGraphType),
            (ContentFieldType.Number, _) => typeof(FloatGraphType),
            (ContentFieldType.Decimal, _) => typeof(DecimalGraphType),
            (ContentFieldType.Boolean, _) => typeof(BooleanGraphType),
            (ContentFieldType.Json, _) or (ContentFieldType.Component, _) or (ContentFieldType.DynamicZone, _) => typeof(JsonGraphType),
            _ => typeof(StringGraphType),
        };

    private static JsonElement? Property(object? source, string name) =>
        source is JsonElement { ValueKind: JsonValueKind.Object } element
        && element.TryGetProperty(name, out var value)
        && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    private static object? Value(JsonElement? value, bool list) =>
        value is not { } element ? null
        : list ? (element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().Cast<object>().ToList() : null)
        : element.ValueKind == JsonValueKind.Object ? element
        : null;

    private static object? Scalar(JsonElement? value, FieldDefinition field)
    {
        if (value is not { } element)
        {
            return null;
        }
        if (element.ValueKind == JsonValueKind.Array && field.Type == ContentFieldType.Relation)
        {
            return element.EnumerateArray().Select(e => e.ToString()).ToList();
        }
        return field.Type switch
        {
            ContentFieldType.Integer when element.TryGetInt64(out var whole) => whole,
            ContentFieldType.Number when element.ValueKind == JsonValueKind.Number => element.GetDouble(),
            ContentFieldType.Decimal when element.TryGetDecimal(out var exact) => exact,
            ContentFieldType.Boolean when element.ValueKind is JsonValueKind.True or JsonValueKind.False => element.GetBoolean(),
            ContentFieldType.Json or ContentFieldType.Component or ContentFieldType.DynamicZone => element,
            _ when element.ValueKind == JsonValueKind.String => element.GetString(),
            _ => element.ToString(),
        };
    }

    // ---------------------------------------------------------------- relations (batched)

    private static object? ResolveRelation(IResolveFieldContext context, JsonElement? value, ContentType target)
    {
        if (value is not { } element)
        {
            return null;
        }
        var loader = GraphQLRequestContext.Of(context).Loader;
        if (element.ValueKind == JsonValueKind.Array)
        {
            var ids = element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList();
            foreach (var id in ids)
            {
                GraphQLRequestContext.RequireType(target, id);
            }
            var pending = ids.Select(id => loader.Load(target.Storage.Container, KeyFor(target, id))).ToList();
            return new DocumentBatchLoader.Pending<object?>(async cancellationToken =>
            {
                var items = new List<object>();
                foreach (var result in pending)
                {
                    if (await result.GetResultAsync(cancellationToken) is { } document && document.Type == target.Key)
                    {
                        items.Add(GraphQLRequestContext.Parse(document));
                    }
                }
                return items;
            });
        }
        if (element.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var one = element.GetString()!;
        GraphQLRequestContext.RequireType(target, one);
        var load = loader.Load(target.Storage.Container, KeyFor(target, one));
        return new DocumentBatchLoader.Pending<object?>(async cancellationToken =>
            await load.GetResultAsync(cancellationToken) is { } document && document.Type == target.Key
                ? GraphQLRequestContext.Parse(document)
                : null
        );
    }

    private static DocumentKey KeyFor(ContentType type, string id) =>
        new(type.Storage.PartitionBy == PartitionStrategy.Id ? id : type.Key, id);

    // ---------------------------------------------------------------- root fields

    private static GraphFieldType ByIdField(string name, ContentType type, ObjectGraphType graph) =>
        new()
        {
            Name = name,
            Description = $"One {type.DisplayName} by id (as GET of its REST route).",
            ResolvedType = graph,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async ctx =>
            {
                var id = ctx.GetArgument<string>("id");
                GraphQLRequestContext.RequireType(type, id);
                var document = await GraphQLRequestContext.Of(ctx).Entries.GetAsync(type.Key, id, ctx.CancellationToken);
                return GraphQLRequestContext.Parse(document);
            }),
        };

    private static GraphFieldType SingleField(string name, ContentType type, ObjectGraphType graph) =>
        new()
        {
            Name = name,
            Description = $"The {type.DisplayName} entry (a single type).",
            ResolvedType = graph,
            Resolver = new FuncFieldResolver<object?>(async ctx =>
            {
                GraphQLRequestContext.RequireType(type, customerId: null);
                var document = await GraphQLRequestContext.Of(ctx).Entries.GetSingleAsync(type.Key, ctx.CancellationToken);
                return GraphQLRequestContext.Parse(document);
            }),
        };

    private static GraphFieldType ConnectionField(string name, ContentType type, ObjectGraphType graph, BuildState state)
    {
        state.Filter ??= FilterType();
        state.PageInfo ??= PageInfoType();
        var edge = new ObjectGraphType { Name = graph.Name + "Edge" };
        edge.AddField(
            new GraphFieldType
            {
                Name = "node",
                ResolvedType = new NonNullGraphType(graph),
                Resolver = new FuncFieldResolver<object?>(ctx => ((GraphQLConnection.Edge)ctx.Source!).Node),
            }
        );
        edge.AddField(
            new GraphFieldType
            {
                Name = "cursor",
                Type = typeof(StringGraphType),
                Description = "The cursor after this edge: set on the last edge of a page that has a next page (keyset paging).",
                Resolver = new FuncFieldResolver<object?>(ctx => ((GraphQLConnection.Edge)ctx.Source!).Cursor),
            }
        );
        var connection = new ObjectGraphType { Name = graph.Name + "Connection" };
        connection.AddField(
            new GraphFieldType
            {
                Name = "edges",
                ResolvedType = new NonNullGraphType(new ListGraphType(new NonNullGraphType(edge))),
                Resolver = new FuncFieldResolver<object?>(ctx => ((GraphQLConnection)ctx.Source!).Edges),
            }
        );
        connection.AddField(
            new GraphFieldType
            {
                Name = "nodes",
                ResolvedType = new NonNullGraphType(new ListGraphType(new NonNullGraphType(graph))),
                Resolver = new FuncFieldResolver<object?>(ctx => ((GraphQLConnection)ctx.Source!).Nodes),
            }
        );
        connection.AddField(
            new GraphFieldType
            {
                Name = "pageInfo",
                ResolvedType = new NonNullGraphType(state.PageInfo),
                Resolver = new FuncFieldResolver<object?>(ctx => ctx.Source),
            }
        );
        return new GraphFieldType
        {
            Name = name,
            Description =
                $"A page of {type.DisplayName} entries: the REST list's filters (field, op, value as in filter[field][op]=value), "
                + "sort (a,-b) and opaque cursors (the same cursors as the REST list for the same query).",
            ResolvedType = new NonNullGraphType(connection),
            Arguments = new QueryArguments(
                new QueryArgument(new ListGraphType(new NonNullGraphType(state.Filter))) { Name = "filter" },
                new QueryArgument<StringGraphType> { Name = "sort", Description = "Fields, comma-separated; '-' for descending." },
                new QueryArgument<IntGraphType> { Name = "first", Description = "The page size (the REST limit)." },
                new QueryArgument<StringGraphType> { Name = "after", Description = "The endCursor of the previous page." }
            ),
            Resolver = new FuncFieldResolver<object?>(async ctx =>
            {
                GraphQLRequestContext.RequireType(type, customerId: null);
                return await GraphQLConnection.ListAsync(ctx, type.Key);
            }),
        };
    }

    private static InputObjectGraphType FilterType()
    {
        var filter = new InputObjectGraphType
        {
            Name = "EntryFilter",
            Description = "One condition of the REST list: filter[field][op]=value.",
        };
        filter.AddField(new GraphFieldType { Name = "field", Type = typeof(NonNullGraphType<StringGraphType>) });
        filter.AddField(
            new GraphFieldType
            {
                Name = "op",
                Type = typeof(StringGraphType),
                Description = "eq (default), ne, gt, gte, lt, lte, in, contains, ... as the REST list takes them.",
            }
        );
        filter.AddField(new GraphFieldType { Name = "value", Type = typeof(NonNullGraphType<StringGraphType>) });
        return filter;
    }

    private static ObjectGraphType PageInfoType()
    {
        var info = new ObjectGraphType { Name = "PageInfo" };
        info.AddField(
            new GraphFieldType
            {
                Name = "hasNextPage",
                Type = typeof(NonNullGraphType<BooleanGraphType>),
                Resolver = new FuncFieldResolver<object?>(ctx => ((GraphQLConnection)ctx.Source!).EndCursor is not null),
            }
        );
        info.AddField(
            new GraphFieldType
            {
                Name = "endCursor",
                Type = typeof(StringGraphType),
                Resolver = new FuncFieldResolver<object?>(ctx => ((GraphQLConnection)ctx.Source!).EndCursor),
            }
        );
        return info;
    }

    // ---------------------------------------------------------------- segments

    private static ObjectGraphType SegmentType(BuildState state)
    {
        if (state.Segment is { } existing)
        {
            return existing;
        }
        var segment = new ObjectGraphType { Name = "Segment", Description = "A segment definition (segments:read)." };
        segment.AddField(Of<SegmentDefinition>("key", typeof(NonNullGraphType<StringGraphType>), s => s.Key));
        segment.AddField(Of<SegmentDefinition>("name", typeof(NonNullGraphType<StringGraphType>), s => s.Name));
        segment.AddField(Of<SegmentDefinition>("description", typeof(StringGraphType), s => s.Description));
        segment.AddField(
            Of<SegmentDefinition>("status", typeof(NonNullGraphType<StringGraphType>), s => s.Status.ToString().ToLowerInvariant())
        );
        return state.Segment = segment;
    }

    private static GraphFieldType Of<T>(string name, Type type, Func<T, object?> read) =>
        new()
        {
            Name = name,
            Type = type,
            Resolver = new FuncFieldResolver<object?>(ctx => read((T)ctx.Source!)),
        };

    private static GraphFieldType SegmentField(BuildState state) =>
        new()
        {
            Name = "segment",
            Description = "A segment definition by key (segments:read).",
            ResolvedType = SegmentType(state),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "key" }),
            Resolver = new FuncFieldResolver<object?>(async ctx =>
            {
                GraphQLRequestContext.Require(Permissions.SegmentsRead);
                var record = await GraphQLRequestContext.Of(ctx).Segments.GetAsync(ctx.GetArgument<string>("key"), ctx.CancellationToken);
                return record.Definition;
            }),
        };

    /// <summary><c>Customer.segments</c>: the definitions of the segments the customer is a member of (segments:read).</summary>
    private static GraphFieldType CustomerSegmentsField(BuildState state) =>
        new()
        {
            Name = "segments",
            Description =
                "The segments this customer is a member of (from segmentMembership), with their definitions; needs segments:read.",
            ResolvedType = new ListGraphType(new NonNullGraphType(SegmentType(state))),
            Resolver = new FuncFieldResolver<object?>(async ctx =>
            {
                GraphQLRequestContext.Require(Permissions.SegmentsRead);
                var keys = new List<string>();
                if (Property(ctx.Source, "segmentMembership") is { ValueKind: JsonValueKind.Array } memberships)
                {
                    foreach (var membership in memberships.EnumerateArray())
                    {
                        if (Property(membership, "segment") is { ValueKind: JsonValueKind.String } key)
                        {
                            keys.Add(key.GetString()!);
                        }
                    }
                }
                var segments = GraphQLRequestContext.Of(ctx).Segments;
                var result = new List<object>();
                foreach (var key in keys.Distinct(StringComparer.Ordinal))
                {
                    try
                    {
                        result.Add((await segments.GetAsync(key, ctx.CancellationToken)).Definition);
                    }
                    catch (Cx.Core.Common.NotFoundException)
                    {
                        // A membership of a segment deleted since: not listed, as the REST segment routes would 404.
                    }
                }
                return result;
            }),
        };
}
