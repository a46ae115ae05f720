using System.Text.Json;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Cx.Http.GraphQL;

/// <summary>The <c>JSON</c> scalar: a field of type json (any JSON value), answered as stored. Output only.</summary>
public sealed class JsonGraphType : ScalarGraphType
{
    public JsonGraphType()
    {
        Name = "JSON";
        Description = "Any JSON value, as stored (fields of type json). Output only.";
    }

    public override object? ParseLiteral(GraphQLValue value) => ThrowLiteralConversionError(value);

    public override object? ParseValue(object? value) => ThrowValueConversionError(value);

    public override object? Serialize(object? value) => value is JsonElement or null ? value : ThrowSerializationError(value);
}
