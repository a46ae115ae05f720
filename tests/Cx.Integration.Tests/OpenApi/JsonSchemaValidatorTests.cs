using System.Text.Json;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>The validator the response checks rely on: each keyword must catch what breaks it.</summary>
public sealed class JsonSchemaValidatorTests
{
    private const string Document = """
        {
          "components": {
            "schemas": {
              "Customer": {
                "type": "object",
                "required": ["id"],
                "properties": {
                  "id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
                  "email": { "type": "string", "format": "email", "maxLength": 254 },
                  "tier": { "type": "string", "enum": ["none", "gold"] },
                  "lastLogin": { "type": "string", "format": "date-time" },
                  "visits": { "type": "integer", "minimum": 0, "maximum": 10 },
                  "preferences": { "$ref": "#/components/schemas/Preferences" },
                  "tags": { "type": "array", "items": { "type": "string" }, "maxItems": 2, "uniqueItems": true }
                }
              },
              "Preferences": {
                "type": "object",
                "properties": { "language": { "type": "string", "minLength": 2, "maxLength": 5 } },
                "additionalProperties": false
              },
              "Zone": {
                "type": "object",
                "required": ["__component"],
                "oneOf": [{ "$ref": "#/components/schemas/Hero" }, { "$ref": "#/components/schemas/Quote" }]
              },
              "Hero": { "type": "object", "properties": { "__component": { "enum": ["hero"] }, "title": { "type": "string" } } },
              "Quote": { "type": "object", "properties": { "__component": { "enum": ["quote"] }, "text": { "type": "string" } } }
            }
          }
        }
        """;

    private static IReadOnlyList<SchemaError> Validate(string instance, string schemaReference)
    {
        using var root = JsonDocument.Parse(Document);
        using var value = JsonDocument.Parse(instance);
        return new JsonSchemaValidator(root.RootElement).Validate(value.RootElement, schemaReference);
    }

    private static IReadOnlyList<SchemaError> ValidateInline(string instance, string schema)
    {
        using var root = JsonDocument.Parse(Document);
        using var value = JsonDocument.Parse(instance);
        using var parsed = JsonDocument.Parse(schema);
        return new JsonSchemaValidator(root.RootElement).Validate(value.RootElement, parsed.RootElement);
    }

    private static void ShouldFailAt(IReadOnlyList<SchemaError> errors, string instancePath, string keyword)
    {
        Assert.True(
            errors.Any(e => e.InstancePath == instancePath && e.SchemaPath.EndsWith("/" + keyword, StringComparison.Ordinal)),
            $"Expected a '{keyword}' error at '{instancePath}', got: {string.Join("; ", errors)}"
        );
    }

    [Fact]
    public void Should_accept_a_document_that_keeps_every_rule()
    {
        var errors = Validate(
            """
            {"id":"c-1","email":"ana@example.com","tier":"gold","lastLogin":"2026-11-25T10:30:00.000Z","visits":3,
             "preferences":{"language":"pt-BR"},"tags":["a","b"],"unknown":"allowed: no additionalProperties here"}
            """,
            "#/components/schemas/Customer"
        );

        Assert.Empty(errors);
    }

    [Fact]
    public void Should_report_a_missing_required_property()
    {
        ShouldFailAt(Validate("""{"email":"ana@example.com"}""", "#/components/schemas/Customer"), "", "required");
    }

    [Fact]
    public void Should_report_a_value_of_the_wrong_type()
    {
        ShouldFailAt(Validate("""{"id":42}""", "#/components/schemas/Customer"), "/id", "type");
    }

    [Fact]
    public void Should_report_a_value_outside_the_enum()
    {
        ShouldFailAt(Validate("""{"id":"c","tier":"diamond"}""", "#/components/schemas/Customer"), "/tier", "enum");
    }

    [Fact]
    public void Should_report_a_string_that_breaks_the_pattern()
    {
        ShouldFailAt(Validate("""{"id":"has spaces"}""", "#/components/schemas/Customer"), "/id", "pattern");
    }

    [Theory]
    [InlineData("""{"id":"c","email":"not-an-email"}""", "/email")]
    [InlineData("""{"id":"c","lastLogin":"yesterday"}""", "/lastLogin")]
    [InlineData("""{"id":"c","lastLogin":"2026-13-45T99:00:00Z"}""", "/lastLogin")]
    public void Should_report_a_string_that_is_not_of_its_format(string instance, string path)
    {
        ShouldFailAt(Validate(instance, "#/components/schemas/Customer"), path, "format");
    }

    [Theory]
    [InlineData("""{"id":"c","visits":-1}""", "minimum")]
    [InlineData("""{"id":"c","visits":11}""", "maximum")]
    [InlineData("""{"id":"c","visits":2.5}""", "type")]
    public void Should_report_a_number_out_of_range_or_not_whole(string instance, string keyword)
    {
        ShouldFailAt(Validate(instance, "#/components/schemas/Customer"), "/visits", keyword);
    }

    [Fact]
    public void Should_accept_a_whole_number_written_with_a_fraction()
    {
        Assert.Empty(Validate("""{"id":"c","visits":3.0}""", "#/components/schemas/Customer"));
    }

    [Theory]
    [InlineData("""{"id":"c","preferences":{"language":"x"}}""", "/preferences/language", "minLength")]
    [InlineData("""{"id":"c","preferences":{"language":"too-long"}}""", "/preferences/language", "maxLength")]
    [InlineData("""{"id":"c","preferences":{"colour":"red"}}""", "/preferences/colour", "additionalProperties")]
    public void Should_follow_references_into_nested_objects(string instance, string path, string keyword)
    {
        ShouldFailAt(Validate(instance, "#/components/schemas/Customer"), path, keyword);
    }

    [Fact]
    public void Should_count_characters_as_code_points_when_checking_lengths()
    {
        // Two emoji are four UTF-16 units but two characters.
        Assert.Empty(Validate("""{"id":"c","preferences":{"language":"😀😀"}}""", "#/components/schemas/Customer"));
    }

    [Theory]
    [InlineData("""{"id":"c","tags":["a","b","c"]}""", "/tags", "maxItems")]
    [InlineData("""{"id":"c","tags":["a","a"]}""", "/tags", "uniqueItems")]
    [InlineData("""{"id":"c","tags":["a",1]}""", "/tags/1", "type")]
    public void Should_check_arrays_and_their_items(string instance, string path, string keyword)
    {
        ShouldFailAt(Validate(instance, "#/components/schemas/Customer"), path, keyword);
    }

    [Fact]
    public void Should_accept_a_zone_item_that_matches_exactly_one_alternative()
    {
        Assert.Empty(Validate("""{"__component":"hero","title":"Hi"}""", "#/components/schemas/Zone"));
    }

    [Fact]
    public void Should_report_a_zone_item_that_matches_no_alternative()
    {
        ShouldFailAt(Validate("""{"__component":"video"}""", "#/components/schemas/Zone"), "", "oneOf");
    }

    [Fact]
    public void Should_report_an_item_that_matches_more_than_one_alternative()
    {
        var errors = ValidateInline("""{"a":1}""", """{"oneOf":[{"type":"object"},{"required":["a"]}]}""");

        ShouldFailAt(errors, "", "oneOf");
    }

    [Fact]
    public void Should_report_a_zone_item_without_its_discriminator()
    {
        ShouldFailAt(Validate("""{"title":"Hi"}""", "#/components/schemas/Zone"), "", "required");
    }

    [Theory]
    [InlineData("null", true)]
    [InlineData("\"x\"", true)]
    [InlineData("1", false)]
    public void Should_accept_any_of_a_list_of_types(string instance, bool valid)
    {
        var errors = ValidateInline(instance, """{"type":["string","null"]}""");

        Assert.Equal(valid, errors.Count == 0);
    }

    [Fact]
    public void Should_apply_every_part_of_allOf()
    {
        var errors = ValidateInline(
            """{"id":"c"}""",
            """{"allOf":[{"$ref":"#/components/schemas/Customer"},{"required":["createdAt"]}]}"""
        );

        ShouldFailAt(errors, "", "required");
    }

    [Fact]
    public void Should_apply_keywords_next_to_a_reference()
    {
        var errors = ValidateInline("""{"id":"c"}""", """{"$ref":"#/components/schemas/Customer","required":["email"]}""");

        ShouldFailAt(errors, "", "required");
    }

    [Fact]
    public void Should_report_a_const_mismatch()
    {
        ShouldFailAt(ValidateInline("\"b\"", """{"const":"a"}"""), "", "const");
    }

    [Fact]
    public void Should_refuse_a_keyword_it_does_not_know_rather_than_ignore_it()
    {
        var failure = Assert.Throws<NotSupportedException>(() => ValidateInline("1", """{"multipleOf":2}"""));

        Assert.Contains("multipleOf", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_fail_clearly_when_a_reference_does_not_resolve()
    {
        Assert.Throws<InvalidOperationException>(() => Validate("{}", "#/components/schemas/Nope"));
    }
}
