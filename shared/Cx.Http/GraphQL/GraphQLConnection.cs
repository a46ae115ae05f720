using System.Globalization;
using Cx.Http.Paging;
using GraphQL;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Cx.Http.GraphQL;

/// <summary>
/// A Relay connection over one page of the REST list: the arguments become the REST list's
/// query (<c>filter[field][op]=value</c>, <c>sort</c>, <c>limit</c>, <c>cursor</c>) and go through
/// the same <see cref="ListParameters"/>, query translator and cursor codec, so a filter, sort or
/// cursor means the same in both and a bad one is refused with the same error.
/// </summary>
public sealed class GraphQLConnection(IReadOnlyList<object> nodes, string? endCursor)
{
    public sealed record Edge(object Node, string? Cursor);

    public IReadOnlyList<object> Nodes { get; } = nodes;

    public string? EndCursor { get; } = endCursor;

    public IReadOnlyList<Edge> Edges => [.. Nodes.Select((node, i) => new Edge(node, i == Nodes.Count - 1 ? EndCursor : null))];

    public static async Task<GraphQLConnection> ListAsync(IResolveFieldContext context, string typeKey)
    {
        var query = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        if (context.GetArgument<object?>("filter") is IEnumerable<object?> filters)
        {
            foreach (var filter in filters.OfType<IDictionary<string, object?>>())
            {
                var field = filter["field"] as string ?? "";
                var op = filter.TryGetValue("op", out var o) && o is string text ? text : null;
                var name = op is null ? $"filter[{field}]" : $"filter[{field}][{op}]";
                query[name] = query.TryGetValue(name, out var existing)
                    ? StringValues.Concat(existing, (string?)filter["value"])
                    : (string?)filter["value"];
            }
        }
        if (context.GetArgument<string?>("sort") is { } sort)
        {
            query["sort"] = sort;
        }
        if (context.GetArgument<int?>("first") is { } first)
        {
            query["limit"] = first.ToString(CultureInfo.InvariantCulture);
        }
        if (context.GetArgument<string?>("after") is { } after)
        {
            query["cursor"] = after;
        }
        var parameters = ListParameters.Parse(new QueryCollection(query));
        var request = GraphQLRequestContext.Of(context);
        var (_, page) = await request.Entries.ListAsync(typeKey, parameters.ToEntryRequest(typeKey), context.CancellationToken);
        var next = page.Next is null ? null : CursorCodec.Encode(page.Next, parameters.FingerprintFor(typeKey));
        return new GraphQLConnection([.. page.Items.Select(d => (object)GraphQLRequestContext.Parse(d))], next);
    }
}
