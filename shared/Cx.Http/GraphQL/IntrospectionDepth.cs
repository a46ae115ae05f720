using GraphQLParser;
using GraphQLParser.AST;

namespace Cx.Http.GraphQL;

/// <summary>
/// Documents that only introspect. The standard introspection query that tools send (GraphiQL,
/// graphql-js getIntrospectionQuery) nests <c>ofType</c> to 15 levels and, by the list multipliers
/// of the cost rule, "costs" hundreds of thousands, though it reads no data: it walks the schema
/// in memory. A document that selects only introspection fields (<c>__schema</c>, <c>__type</c>,
/// <c>__typename</c>) therefore gets the depth limit <see cref="Limit"/> and no cost limit or
/// rate-limit charge; a document that reads any data keeps the data limits (ADR 0458).
/// </summary>
public static class IntrospectionDepth
{
    /// <summary>The depth of graphql-js's full introspection query.</summary>
    public const int Limit = 15;

    /// <summary>Whether every operation of the document selects only introspection fields.</summary>
    public static bool IsIntrospectionOnly(string? query)
    {
        if (query is null || !query.Contains("__schema", StringComparison.Ordinal) && !query.Contains("__type", StringComparison.Ordinal))
        {
            return false;
        }
        GraphQLDocument document;
        try
        {
            document = Parser.Parse(query);
        }
        catch (GraphQLParser.Exceptions.GraphQLParserException)
        {
            return false; // the executer reports the syntax error
        }
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        return operations.Count > 0
            && operations.All(o =>
                o.SelectionSet.Selections.All(s =>
                    s is GraphQLField field && field.Name.StringValue.StartsWith("__", StringComparison.Ordinal)
                )
            );
    }
}
