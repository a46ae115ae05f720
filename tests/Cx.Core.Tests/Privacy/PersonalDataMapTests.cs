using System.Text.Json.Nodes;
using Cx.Core.Content;
using Cx.Core.Privacy;
using Cx.Core.Profiles;

namespace Cx.Core.Tests.Privacy;

public sealed class PersonalDataMapTests
{
    private static readonly ComponentDefinition Address = new()
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
            new FieldDefinition { Name = "country", Type = FieldType.String },
        ],
    };

    private static readonly ContentType Visit = new()
    {
        Key = "visit",
        DisplayName = "Visit",
        Fields =
        [
            new FieldDefinition
            {
                Name = "customer",
                Type = FieldType.Relation,
                Target = CustomerProfile.TypeKey,
                Indexed = true,
                Personal = PersonalDataCategory.Identifier,
            },
            new FieldDefinition
            {
                Name = "note",
                Type = FieldType.Text,
                Personal = PersonalDataCategory.FreeText,
            },
            new FieldDefinition
            {
                Name = "where",
                Type = FieldType.Component,
                Component = "address",
            },
            new FieldDefinition
            {
                Name = "rating",
                Type = FieldType.Integer,
                Personal = PersonalDataCategory.Other,
            },
            new FieldDefinition { Name = "rooms", Type = FieldType.Integer },
        ],
    };

    private static PersonalDataMap Map(params ContentType[] types) =>
        PersonalDataMap.Build(
            types,
            key => key == "address" ? Address : ContentTypeRegistry.BuiltInComponents.FirstOrDefault(c => c.Key == key)
        );

    [Fact]
    public void Should_list_tagged_fields_with_paths_through_components()
    {
        var map = Map(Visit);
        Assert.Equal(["customer", "note", "rating", "where.street"], map.Of("visit").Select(f => f.Path));
        Assert.Equal(["customer"], map.CustomerRelations["visit"]);
    }

    [Fact]
    public void Should_merge_the_tags_of_the_builtin_definitions_into_an_older_stored_one()
    {
        // A customer type stored before its fields were tagged.
        var stored = CustomerProfile.ContentType with
        {
            Fields = [.. CustomerProfile.ContentType.Fields.Select(f => f with { Personal = null })],
        };
        var paths = Map(stored).Of("customer").Select(f => f.Path).ToList();
        Assert.Contains("email", paths);
        Assert.Contains("phone", paths);
        Assert.Contains("preferences.timeZone", paths);
        Assert.DoesNotContain("loyaltyTier", paths);
    }

    [Fact]
    public void Should_not_take_a_relation_that_is_not_indexed_or_points_elsewhere()
    {
        var other = Visit with
        {
            Key = "other",
            Fields =
            [
                new FieldDefinition
                {
                    Name = "customer",
                    Type = FieldType.Relation,
                    Target = CustomerProfile.TypeKey,
                },
                new FieldDefinition
                {
                    Name = "store",
                    Type = FieldType.Relation,
                    Target = "visit",
                    Indexed = true,
                },
            ],
        };
        Assert.False(Map(other).CustomerRelations.ContainsKey("other"));
    }

    [Fact]
    public void Should_anonymize_the_relation_erase_texts_and_drop_other_values()
    {
        var entry = JsonNode
            .Parse(
                """{"id":"v1","customer":"c-1","note":"Knows c-1 well","where":{"street":"1 Main St","country":"PT"},"rating":5,"rooms":3}"""
            )!
            .AsObject();
        PrivacyErasureService.Anonymize(entry, Map(Visit).Of("visit"), "c-1", "erased-x");
        Assert.Equal(
            """{"id":"v1","customer":"erased-x","note":"[erased]","where":{"street":"[erased]","country":"PT"},"rooms":3}""",
            entry.ToJsonString()
        );
    }

    [Fact]
    public void Should_leave_absent_and_null_values_alone()
    {
        var entry = JsonNode.Parse("""{"id":"v2","customer":"c-1","note":null}""")!.AsObject();
        PrivacyErasureService.Anonymize(entry, Map(Visit).Of("visit"), "c-1", "erased-y");
        Assert.Equal("""{"id":"v2","customer":"erased-y","note":null}""", entry.ToJsonString());
    }
}
