using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Profiles;
using static Cx.Core.Tests.Content.SchemaBuilder;

namespace Cx.Core.Tests.Content;

public sealed class DefinitionRulesTests
{
    private static ValidationException Invalid(ContentType type, DefinitionRules.IDefinitionLookup? lookup = null) =>
        Assert.Throws<ValidationException>(() => DefinitionRules.ValidateContentType(type, lookup ?? Lookup.Builtin()));

    private static void AssertError(ValidationException exception, string pointer, string code) =>
        Assert.Contains(exception.Errors, e => e.Path == pointer && e.Code == code);

    [Fact]
    public void Should_accept_the_builtin_customer_type_and_components()
    {
        var lookup = Lookup.Builtin();
        DefinitionRules.ValidateContentType(CustomerProfile.ContentType, lookup);
        foreach (var component in CustomerProfile.Components)
        {
            DefinitionRules.ValidateComponent(component, lookup);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("Customer")]
    [InlineData("1abc")]
    [InlineData("a_b")]
    [InlineData("trailing-")]
    public void Should_reject_type_when_key_is_not_a_lowercase_slug(string key)
    {
        var error = Invalid(Type(key, Field("title", FieldType.String)));
        AssertError(error, "/key", "key");
    }

    [Theory]
    [InlineData("id")]
    [InlineData("createdAt")]
    [InlineData("Type")]
    [InlineData("ttl")]
    public void Should_reject_field_when_name_is_reserved(string name)
    {
        var error = Invalid(Type("article", Field(name, FieldType.String)));
        AssertError(error, "/fields/0/name", "reserved");
    }

    [Fact]
    public void Should_reject_fields_that_differ_only_in_case()
    {
        var error = Invalid(Type("article", Field("title", FieldType.String), Field("Title", FieldType.String)));
        AssertError(error, "/fields/1/name", "duplicate");
    }

    [Fact]
    public void Should_reject_field_name_that_is_not_an_identifier()
    {
        var error = Invalid(Type("article", Field("first name", FieldType.String)));
        AssertError(error, "/fields/0/name", "name");
    }

    [Fact]
    public void Should_reject_constraints_that_do_not_apply_to_the_field_type()
    {
        var error = Invalid(Type("article", Field("count", FieldType.Integer) with { MaxLength = 5 }));
        AssertError(error, "/fields/0", "not-applicable");
    }

    [Fact]
    public void Should_reject_enumeration_without_values()
    {
        var error = Invalid(Type("article", Field("state", FieldType.Enumeration)));
        AssertError(error, "/fields/0/values", "required");
    }

    [Fact]
    public void Should_reject_enumeration_with_repeated_values()
    {
        var error = Invalid(Type("article", Field("state", FieldType.Enumeration) with { Values = ["a", "a"] }));
        AssertError(error, "/fields/0/values", "values");
    }

    [Fact]
    public void Should_reject_component_field_when_component_does_not_exist()
    {
        var error = Invalid(Type("article", Field("seo", FieldType.Component) with { Component = "seo" }));
        AssertError(error, "/fields/0/component", "unknown-component");
    }

    [Fact]
    public void Should_reject_unbounded_lists()
    {
        var error = Invalid(Type("article", Field("tags", FieldType.Component) with { Component = "preferences", Repeatable = true }));
        AssertError(error, "/fields/0/maxItems", "required");
    }

    [Fact]
    public void Should_reject_relation_to_a_missing_type_but_allow_self_relations()
    {
        var error = Invalid(Type("article", Field("author", FieldType.Relation) with { Target = "author" }));
        AssertError(error, "/fields/0/target", "unknown-type");
        DefinitionRules.ValidateContentType(
            Type("article", Field("related", FieldType.Relation) with { Target = "article" }),
            Lookup.Builtin()
        );
    }

    [Fact]
    public void Should_reject_default_that_breaks_the_field_rules()
    {
        var error = Invalid(
            Type("article", Field("state", FieldType.Enumeration) with { Values = ["a"], Default = new JsonLiteral("\"b\"") })
        );
        AssertError(error, "/fields/0/default", "enum");
    }

    [Fact]
    public void Should_reject_invalid_regular_expression()
    {
        var error = Invalid(Type("article", Field("code", FieldType.String) with { Pattern = "[a-" }));
        AssertError(error, "/fields/0/pattern", "pattern");
    }

    [Fact]
    public void Should_reject_unique_on_booleans()
    {
        var error = Invalid(Type("article", Field("flag", FieldType.Boolean) with { Unique = true }));
        AssertError(error, "/fields/0", "not-applicable");
    }

    [Fact]
    public void Should_reject_system_managed_required_field()
    {
        var error = Invalid(Type("article", Field("score", FieldType.Integer) with { SystemManaged = true, Required = true }));
        AssertError(error, "/fields/0/required", "conflict");
    }

    [Fact]
    public void Should_reject_unique_and_system_managed_fields_inside_components()
    {
        var component = new ComponentDefinition
        {
            Key = "seo",
            DisplayName = "SEO",
            Fields = [Field("slug", FieldType.String) with { Unique = true }],
        };
        var error = Assert.Throws<ValidationException>(() => DefinitionRules.ValidateComponent(component, Lookup.Builtin()));
        AssertError(error, "/fields/0", "not-applicable");
    }

    [Fact]
    public void Should_reject_component_that_contains_itself()
    {
        var nested = new ComponentDefinition
        {
            Key = "node",
            DisplayName = "Node",
            Fields = [Field("child", FieldType.Component) with { Component = "node" }],
        };
        var error = Assert.Throws<ValidationException>(() => DefinitionRules.ValidateComponent(nested, new Lookup([nested])));
        Assert.Contains(error.Errors, e => e.Code == "cycle");
    }

    [Fact]
    public void Should_reject_changing_the_type_of_an_existing_field()
    {
        var before = Type("article", Field("views", FieldType.Integer));
        var after = Type("article", Field("views", FieldType.String));
        var error = Assert.Throws<ValidationException>(() => DefinitionRules.ValidateContentTypeChange(before, after));
        AssertError(error, "/fields/0/type", "type-change");
    }

    [Fact]
    public void Should_require_a_default_when_a_new_field_is_required()
    {
        var before = Type("article", Field("title", FieldType.String));
        var after = Type("article", Field("title", FieldType.String), Field("lang", FieldType.String) with { Required = true });
        var error = Assert.Throws<ValidationException>(() => DefinitionRules.ValidateContentTypeChange(before, after));
        AssertError(error, "/fields/1/default", "default-required");

        DefinitionRules.ValidateContentTypeChange(
            before,
            Type(
                "article",
                Field("title", FieldType.String),
                Field("lang", FieldType.String) with
                {
                    Required = true,
                    Default = new JsonLiteral("\"en\""),
                }
            )
        );
    }

    [Fact]
    public void Should_reject_making_an_existing_field_unique()
    {
        var before = Type("article", Field("slug", FieldType.String));
        var after = Type("article", Field("slug", FieldType.String) with { Unique = true });
        var error = Assert.Throws<ValidationException>(() => DefinitionRules.ValidateContentTypeChange(before, after));
        AssertError(error, "/fields/0/unique", "unique-added");
    }

    [Fact]
    public void Should_reject_removing_builtin_fields_but_allow_adding_fields()
    {
        var customer = CustomerProfile.ContentType;
        var withoutEmail = customer with { Fields = [.. customer.Fields.Where(f => f.Name != "email")] };
        var error = Assert.Throws<ValidationException>(() => DefinitionRules.ValidateContentTypeChange(customer, withoutEmail));
        Assert.Contains(error.Errors, e => e.Code == "built-in");

        var grown = customer with { Fields = [.. customer.Fields, Field("nickname", FieldType.String)] };
        DefinitionRules.ValidateContentTypeChange(customer, grown);
    }

    [Fact]
    public void Should_keep_kind_and_storage_fixed()
    {
        var before = Type("settings", Field("title", FieldType.String));
        var error = Assert.Throws<ValidationException>(() =>
            DefinitionRules.ValidateContentTypeChange(before, before with { Kind = ContentKind.Single })
        );
        AssertError(error, "/kind", "immutable");
    }

    [Fact]
    public void Should_compare_definitions_by_value()
    {
        var a = Type("article", Field("state", FieldType.Enumeration) with { Values = ["a", "b"] });
        var b = Type("article", Field("state", FieldType.Enumeration) with { Values = ["a", "b"] });
        Assert.Equal(a, b);
        Assert.NotEqual(a, b with { Fields = [Field("state", FieldType.Enumeration) with { Values = ["a", "c"] }] });
    }
}
