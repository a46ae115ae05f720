using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using static Cx.Core.Tests.Content.SchemaBuilder;

namespace Cx.Core.Tests.Content;

public sealed class EntryValidatorTests
{
    private static ValidatedEntry Valid(ContentSchema schema, string json, string? current = null, WriteActor actor = WriteActor.Client) =>
        EntryValidator.Validate(
            schema,
            JsonNode.Parse(json)!.AsObject(),
            current is null ? null : JsonNode.Parse(current)!.AsObject(),
            actor
        );

    private static IReadOnlyList<FieldError> Errors(ContentSchema schema, string json, string? current = null) =>
        Assert.Throws<ValidationException>(() => Valid(schema, json, current)).Errors;

    [Fact]
    public void Should_normalise_email_and_instants_and_apply_defaults()
    {
        var entry = Valid(Customer(), """{"email":"  Ana@Example.COM ","lastLogin":"2026-11-25T10:30:00+01:00"}""");
        Assert.Equal("ana@example.com", entry.Fields["email"]!.GetValue<string>());
        Assert.Equal("2026-11-25T09:30:00.000Z", entry.Fields["lastLogin"]!.GetValue<string>());
        Assert.Equal("none", entry.Fields["loyaltyTier"]!.GetValue<string>());
        Assert.Equal(new Cx.Core.Documents.UniqueValue("customer.email", "ana@example.com"), Assert.Single(entry.UniqueValues));
    }

    [Fact]
    public void Should_write_fields_in_declared_order()
    {
        var entry = Valid(Customer(), """{"loyaltyTier":"gold","name":"Ana","email":"ana@example.com"}""");
        Assert.Equal(["email", "name", "loyaltyTier"], entry.Fields.Select(p => p.Key));
    }

    [Fact]
    public void Should_report_every_problem_with_its_pointer()
    {
        var errors = Errors(
            Customer(),
            """{"email":"not-an-email","nmae":"x","loyaltyTier":"diamond","lastLogin":"yesterday","preferences":{"language":"??","newsletter":"yes"}}"""
        );
        Assert.Contains(errors, e => e.Path == "/email" && e.Code == "email");
        Assert.Contains(errors, e => e.Path == "/nmae" && e.Code == "unknown-field");
        Assert.Contains(errors, e => e.Path == "/loyaltyTier" && e.Code == "enum");
        Assert.Contains(errors, e => e.Path == "/lastLogin" && e.Code == "date-time");
        Assert.Contains(errors, e => e.Path == "/preferences/language" && e.Code == "pattern");
        Assert.Contains(errors, e => e.Path == "/preferences/newsletter" && e.Code == "type");
    }

    [Fact]
    public void Should_treat_null_as_absent()
    {
        var errors = Errors(Customer(), """{"email":null,"name":null}""");
        var error = Assert.Single(errors);
        Assert.Equal(("/email", "required"), (error.Path, error.Code));
    }

    [Fact]
    public void Should_ignore_metadata_sent_back_by_clients()
    {
        var entry = Valid(
            Customer(),
            """{"id":"c1","type":"customer","schemaVersion":7,"createdAt":"x","updatedAt":"y","email":"a@b.co"}"""
        );
        Assert.False(entry.Fields.ContainsKey("createdAt"));
        Assert.False(entry.Fields.ContainsKey("id"));
    }

    [Fact]
    public void Should_reject_client_writes_to_system_managed_fields()
    {
        var errors = Errors(Customer(), """{"email":"a@b.co","segmentMembership":[{"segment":"vip","since":"2026-01-01"}]}""");
        Assert.Contains(errors, e => e.Path == "/segmentMembership" && e.Code == "read-only");
    }

    [Fact]
    public void Should_keep_system_managed_values_when_a_client_replaces_the_entry()
    {
        const string current = """{"email":"a@b.co","segmentMembership":[{"segment":"vip","since":"2026-01-01T00:00:00.000Z"}]}""";
        var omitted = Valid(Customer(), """{"email":"a@b.co","name":"New"}""", current);
        Assert.Equal("vip", omitted.Fields["segmentMembership"]![0]!["segment"]!.GetValue<string>());

        var echoed = Valid(Customer(), current, current);
        Assert.Equal("vip", echoed.Fields["segmentMembership"]![0]!["segment"]!.GetValue<string>());

        Assert.Contains(
            Errors(
                Customer(),
                """{"email":"a@b.co","segmentMembership":[{"segment":"forged","since":"2026-01-01T00:00:00.000Z"}]}""",
                current
            ),
            e => e.Code == "read-only"
        );
    }

    [Fact]
    public void Should_let_the_system_write_system_managed_fields()
    {
        var entry = Valid(
            Customer(),
            """{"email":"a@b.co","segmentMembership":[{"segment":"vip","since":"2026-01-01","ruleVersion":2}]}""",
            actor: WriteActor.System
        );
        Assert.Equal("2026-01-01T00:00:00.000Z", entry.Fields["segmentMembership"]![0]!["since"]!.GetValue<string>());
    }

    [Fact]
    public void Should_keep_only_the_newest_items_when_a_bounded_history_overflows()
    {
        var items = string.Join(",", Enumerable.Range(1, 60).Select(i => $$"""{"at":"2026-01-01T00:00:00Z","kind":"k{{i}}"}"""));
        var entry = Valid(Customer(), $$"""{"email":"a@b.co","interactionHistory":[{{items}}]}""");
        var history = entry.Fields["interactionHistory"]!.AsArray();
        Assert.Equal(50, history.Count);
        Assert.Equal("k11", history[0]!["kind"]!.GetValue<string>());
        Assert.Equal("k60", history[^1]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public void Should_reject_lists_over_their_limit_when_overflow_is_reject()
    {
        var schema = For(Type("article", Field("tags", FieldType.Relation) with { Target = "article", Many = true, MaxItems = 2 }));
        Assert.Contains(Errors(schema, """{"tags":["a","b","c"]}"""), e => e.Path == "/tags" && e.Code == "max-items");
    }

    [Fact]
    public void Should_validate_numbers_by_kind()
    {
        var schema = For(
            Type(
                "product",
                Field("stock", FieldType.Integer) with
                {
                    Min = 0,
                },
                Field("price", FieldType.Decimal) with
                {
                    Scale = 2,
                    Max = 1000,
                },
                Field("weight", FieldType.Number)
            )
        );
        var entry = Valid(schema, """{"stock":3,"price":19.99,"weight":0.25}""");
        Assert.Equal(19.99m, entry.Fields["price"]!.GetValue<decimal>());

        var errors = Errors(schema, """{"stock":1.5,"price":19.999,"weight":"heavy"}""");
        Assert.Contains(errors, e => e.Path == "/stock" && e.Code == "type");
        Assert.Contains(errors, e => e.Path == "/price" && e.Code == "scale");
        Assert.Contains(errors, e => e.Path == "/weight" && e.Code == "type");
        Assert.Contains(Errors(schema, """{"stock":-1}"""), e => e.Code == "min");
        Assert.Contains(Errors(schema, """{"price":1000.01}"""), e => e.Code == "max");
    }

    [Fact]
    public void Should_check_string_lengths_with_type_defaults()
    {
        var schema = For(Type("note", Field("title", FieldType.String), Field("body", FieldType.Text) with { MinLength = 2 }));
        Assert.Contains(Errors(schema, $$"""{"title":"{{new string('x', 256)}}"}"""), e => e.Code == "max-length");
        Assert.Contains(Errors(schema, """{"body":"x"}"""), e => e.Code == "min-length");
        Valid(schema, $$"""{"body":"{{new string('x', 5000)}}"}""");
    }

    [Fact]
    public void Should_validate_dynamic_zone_items_by_their_component()
    {
        var hero = new ComponentDefinition
        {
            Key = "hero",
            DisplayName = "Hero",
            Fields = [Field("headline", FieldType.String) with { Required = true }],
        };
        var cta = new ComponentDefinition
        {
            Key = "cta",
            DisplayName = "CTA",
            Fields = [Field("url", FieldType.String)],
        };
        var schema = For(
            Type("page", Field("blocks", FieldType.DynamicZone) with { Components = ["hero", "cta"], MaxItems = 10 }),
            hero,
            cta
        );
        var entry = Valid(schema, """{"blocks":[{"__component":"hero","headline":"Hi"},{"url":"/x","__component":"cta"}]}""");
        Assert.Equal("cta", entry.Fields["blocks"]![1]!["__component"]!.GetValue<string>());

        var errors = Errors(schema, """{"blocks":[{"__component":"hero"},{"__component":"banner"},{"__component":"cta","color":"red"}]}""");
        Assert.Contains(errors, e => e.Path == "/blocks/0/headline" && e.Code == "required");
        Assert.Contains(errors, e => e.Path == "/blocks/1/__component" && e.Code == "component");
        Assert.Contains(errors, e => e.Path == "/blocks/2/color" && e.Code == "unknown-field");
    }

    [Fact]
    public void Should_collect_relation_references_with_their_pointers()
    {
        var schema = For(Type("page", Field("featured", FieldType.Relation) with { Target = "article", Many = true, MaxItems = 5 }));
        var entry = Valid(schema, """{"featured":["a1","a2"]}""");
        Assert.Equal(
            [new RelationReference("article", "a1", "/featured/0"), new RelationReference("article", "a2", "/featured/1")],
            entry.Relations
        );
        Assert.Contains(Errors(schema, """{"featured":["a1","a1"]}"""), e => e.Path == "/featured/1" && e.Code == "duplicate");
        Assert.Contains(Errors(schema, """{"featured":["bad id"]}"""), e => e.Path == "/featured/0" && e.Code == "type");
    }

    [Fact]
    public void Should_bound_json_fields()
    {
        var schema = For(Type("blob", Field("data", FieldType.Json)));
        Valid(schema, """{"data":{"any":["shape",1,true]}}""");
        Assert.Contains(Errors(schema, $$"""{"data":"{{new string('x', 70_000)}}"}"""), e => e.Code == "max-size");
    }

    [Fact]
    public void Should_report_a_catastrophic_pattern_as_a_timeout_instead_of_hanging()
    {
        var schema = For(Type("text", Field("value", FieldType.Text) with { Pattern = "(a+)+b" }));
        var errors = Errors(schema, $$"""{"value":"{{new string('a', 5000)}}c"}""");
        Assert.Contains(errors, e => e.Code is "pattern-timeout" or "pattern");
    }

    [Theory]
    [InlineData("2026-11-25", "2026-11-25T00:00:00.000Z")]
    [InlineData("2026-11-25T10:00:00Z", "2026-11-25T10:00:00.000Z")]
    [InlineData("2026-11-25T10:00:00.1234567-03:00", "2026-11-25T13:00:00.123Z")]
    public void Should_parse_iso_instants_to_canonical_utc(string input, string expected)
    {
        Assert.True(Instants.TryParse(input, out var instant));
        Assert.Equal(expected, Instants.Format(instant));
    }

    [Theory]
    [InlineData("25/11/2026")]
    [InlineData("tomorrow")]
    [InlineData("2026-13-01")]
    [InlineData("")]
    public void Should_refuse_non_iso_dates(string input) => Assert.False(Instants.TryParse(input, out _));

    [Theory]
    [InlineData("ana@example.com", true)]
    [InlineData("ana@localhost", false)]
    [InlineData("Ana <ana@example.com>", false)]
    [InlineData("a@b@c.com", false)]
    [InlineData("@example.com", false)]
    [InlineData("ana@.com", false)]
    public void Should_recognise_email_addresses(string value, bool expected) => Assert.Equal(expected, EntryValidator.IsEmail(value));
}
