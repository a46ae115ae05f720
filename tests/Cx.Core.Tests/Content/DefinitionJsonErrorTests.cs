using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Core.Tests.Content;

/// <summary>Serializer errors on definition documents reach clients in the API's terms, with the pointer, never .NET type names.</summary>
public sealed class DefinitionJsonErrorTests
{
    private static FieldError ErrorOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        var error = Assert.Throws<ValidationException>(() => DefinitionJson.Deserialize<ContentType>(document.RootElement));
        var field = Assert.Single(error.Errors);
        Assert.DoesNotMatch(@"\.NET|\b(System|Microsoft|Cx)\.[A-Z]", field.Detail);
        return field;
    }

    [Fact]
    public void Should_name_an_unknown_property_and_the_ones_the_object_takes()
    {
        var error = ErrorOf("""{"key":"a","displayName":"A","colour":"red"}""");

        Assert.Equal(("/colour", "invalid"), (error.Path, error.Code));
        Assert.StartsWith("'colour' is not a property here. This object takes key, displayName,", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_say_which_json_type_a_mistyped_property_must_have()
    {
        var error = ErrorOf("""{"key":5,"displayName":"A"}""");

        Assert.Equal(("/key", "'key' must be a string; it is a number."), (error.Path, error.Detail));
    }

    [Fact]
    public void Should_list_the_values_of_an_enumeration_inside_an_array()
    {
        var error = ErrorOf("""{"key":"a","displayName":"A","fields":[{"name":"x","type":"strnig"}]}""");

        Assert.Equal("/fields/0/type", error.Path);
        Assert.Matches("^'type' must be one of string, text, .*; 'strnig' is not one of them\\.$", error.Detail);
    }

    [Fact]
    public void Should_give_the_range_of_a_whole_number_that_does_not_fit()
    {
        var error = ErrorOf("""{"key":"a","displayName":"A","fields":[{"name":"x","type":"string","maxLength":1.5}]}""");

        Assert.Equal(
            ("/fields/0/maxLength", "'maxLength' must be a whole number from -2147483648 to 2147483647; it is a number."),
            (error.Path, error.Detail)
        );
    }

    [Fact]
    public void Should_name_a_missing_required_property()
    {
        var error = ErrorOf("""{"displayName":"A"}""");

        Assert.Equal(("", "Required: 'key'."), (error.Path, error.Detail));
    }
}
