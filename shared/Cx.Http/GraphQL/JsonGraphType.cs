using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Cx.Http.GraphQL;

/// <summary>
/// The <c>JSON</c> scalar: fields of type json answered as stored, and the <c>data</c> of entry
/// mutations (a JSON object, from a variable or written inline).
/// </summary>
public sealed class JsonGraphType : ScalarGraphType
{
    public JsonGraphType()
    {
        Name = "JSON";
        Description = "Any JSON value: fields of type json, as stored, and the data of entry mutations.";
    }

    public override object? ParseLiteral(GraphQLValue value) => ToNode(value);

    public override object? ParseValue(object? value) => value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType());

    public override object? Serialize(object? value) =>
        value switch
        {
            null or JsonElement => value,
            JsonNode node => JsonSerializer.SerializeToElement(node),
            _ => ThrowSerializationError(value),
        };

    private static JsonNode? ToNode(GraphQLValue value) =>
        value switch
        {
            GraphQLNullValue => null,
            GraphQLBooleanValue b => JsonValue.Create(b.BoolValue),
            GraphQLIntValue i => JsonValue.Create(decimal.Parse(i.Value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture)),
            GraphQLFloatValue f => JsonValue.Create(double.Parse(f.Value.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture)),
            GraphQLStringValue s => JsonValue.Create(s.Value.ToString()),
            GraphQLEnumValue e => JsonValue.Create(e.Name.Value.ToString()),
            GraphQLListValue list => new JsonArray([.. (list.Values ?? []).Select(ToNode)]),
            GraphQLObjectValue obj => new JsonObject(
                (obj.Fields ?? []).Select(f => KeyValuePair.Create(f.Name.Value.ToString(), ToNode(f.Value)))
            ),
            _ => throw new InvalidOperationException("A JSON literal is a value, not a variable inside a JSON value."),
        };
}
