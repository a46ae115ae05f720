using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Profiles;

namespace Cx.Core.Tests.Privacy;

public sealed class PersonalDataTagTests
{
    private static ContentType Parse(string json) => DefinitionJson.Deserialize<ContentType>(JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Should_tag_the_builtin_customer_fields_that_identify_or_reach_the_person()
    {
        var type = CustomerProfile.ContentType;
        Assert.Equal(PersonalDataCategory.Contact, type.FindField("email")!.Personal);
        Assert.Equal(PersonalDataCategory.Name, type.FindField("name")!.Personal);
        Assert.Equal(PersonalDataCategory.Contact, type.FindField("phone")!.Personal);
        Assert.Equal(PersonalDataCategory.Identifier, type.FindField("authId")!.Personal);
        Assert.Null(type.FindField("loyaltyTier")!.Personal);
        Assert.Equal(PersonalDataCategory.Location, CustomerProfile.Preferences.FindField("timeZone")!.Personal);
    }

    [Fact]
    public void Should_tag_the_customer_relation_of_every_builtin_type_that_has_one()
    {
        var withCustomer = ContentTypeRegistry.BuiltInTypes.Where(t => t.FindField("customer") is not null).ToList();
        Assert.True(withCustomer.Count >= 5, "tickets, interactions, self-service, feedback and orders name their customer");
        Assert.All(withCustomer, t => Assert.Equal(PersonalDataCategory.Identifier, t.FindField("customer")!.Personal));
    }

    [Fact]
    public void Should_read_and_write_the_category_in_camel_case()
    {
        var type = Parse("""{"key":"visit","displayName":"Visit","fields":[{"name":"note","type":"text","personal":"freeText"}]}""");
        Assert.Equal(PersonalDataCategory.FreeText, type.FindField("note")!.Personal);
        var json = JsonSerializer.Serialize(type, DefinitionJson.Options);
        Assert.Contains("\"personal\":\"freeText\"", json, StringComparison.Ordinal);
        var untagged = JsonSerializer.Serialize(type with { Fields = [type.Fields[0] with { Personal = null }] }, DefinitionJson.Options);
        Assert.DoesNotContain("personal", untagged, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("\"secret\"")]
    [InlineData("1")]
    [InlineData("{\"category\":\"contact\"}")]
    public void Should_reject_a_tag_that_is_not_a_category_with_its_pointer(string tag)
    {
        var error = Assert.Throws<ValidationException>(() =>
            Parse(
                $$"""{"key":"visit","displayName":"Visit","fields":[{"name":"a","type":"string"},{"name":"b","type":"string","personal":{{tag}}}]}"""
            )
        );
        Assert.Contains(error.Errors, e => e.Path == "/fields/1/personal");
    }

    [Fact]
    public void Should_keep_the_personal_tag_of_a_builtin_field()
    {
        var before = CustomerProfile.ContentType;
        var email = before.Fields.Select((f, i) => (f, i)).Single(x => x.f.Name == "email");
        var untagged = before with { Fields = [.. before.Fields.Select(f => f.Name == "email" ? f with { Personal = null } : f)] };
        var error = Assert.Throws<ValidationException>(() => DefinitionRules.ValidateContentTypeChange(before, untagged));
        Assert.Contains(error.Errors, e => e.Path == $"/fields/{email.i}/personal" && e.Code == "built-in");

        // The category may change, and fields that were not personal may become personal.
        var recategorised = before with
        {
            Fields =
            [
                .. before.Fields.Select(f =>
                    f.Name switch
                    {
                        "email" => f with { Personal = PersonalDataCategory.Identifier },
                        "loyaltyTier" => f with { Personal = PersonalDataCategory.Other },
                        _ => f,
                    }
                ),
            ],
        };
        DefinitionRules.ValidateContentTypeChange(before, recategorised);
    }

    [Fact]
    public void Should_let_a_type_that_is_not_builtin_drop_a_tag()
    {
        var before = Parse("""{"key":"visit","displayName":"Visit","fields":[{"name":"note","type":"text","personal":"freeText"}]}""");
        DefinitionRules.ValidateContentTypeChange(before, before with { Fields = [before.Fields[0] with { Personal = null }] });
        var component = new ComponentDefinition
        {
            Key = "address",
            DisplayName = "Address",
            Fields =
            [
                new FieldDefinition
                {
                    Name = "street",
                    Type = FieldType.String,
                    Personal = PersonalDataCategory.Location,
                },
            ],
        };
        DefinitionRules.ValidateComponentChange(component, component with { Fields = [component.Fields[0] with { Personal = null }] });
        var builtIn = component with { BuiltIn = true };
        Assert.Throws<ValidationException>(() =>
            DefinitionRules.ValidateComponentChange(builtIn, builtIn with { Fields = [component.Fields[0] with { Personal = null }] })
        );
    }
}
