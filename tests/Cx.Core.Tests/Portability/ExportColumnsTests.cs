using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Portability;

namespace Cx.Core.Tests.Portability;

/// <summary>The documented flattening rules of CSV and Parquet columns (docs/export.md).</summary>
public sealed class ExportColumnsTests
{
    private static FieldDefinition Field(string name, FieldType type) => new() { Name = name, Type = type };

    private static readonly ComponentDefinition Address = new()
    {
        Key = "address",
        DisplayName = "Address",
        Fields =
        [
            Field("city", FieldType.String),
            new()
            {
                Name = "geo",
                Type = FieldType.Component,
                Component = "geo",
            },
        ],
    };

    private static readonly ComponentDefinition Geo = new()
    {
        Key = "geo",
        DisplayName = "Geo",
        Fields =
        [
            Field("lat", FieldType.Number),
            new()
            {
                Name = "deeper",
                Type = FieldType.Component,
                Component = "address",
            },
        ],
    };

    private static ContentSchema Schema() =>
        new(
            new ContentType
            {
                Key = "shop",
                DisplayName = "Shop",
                Fields =
                [
                    Field("name", FieldType.String),
                    new()
                    {
                        Name = "price",
                        Type = FieldType.Decimal,
                        Scale = 3,
                    },
                    new()
                    {
                        Name = "address",
                        Type = FieldType.Component,
                        Component = "address",
                    },
                    new()
                    {
                        Name = "branches",
                        Type = FieldType.Component,
                        Component = "address",
                        Repeatable = true,
                    },
                    new()
                    {
                        Name = "owner",
                        Type = FieldType.Relation,
                        Target = "person",
                    },
                    new()
                    {
                        Name = "staff",
                        Type = FieldType.Relation,
                        Target = "person",
                        Many = true,
                    },
                    new()
                    {
                        Name = "blocks",
                        Type = FieldType.DynamicZone,
                        Components = ["address"],
                    },
                    Field("extra", FieldType.Json),
                    Field("openedAt", FieldType.DateTime),
                ],
            },
            new Dictionary<string, ComponentDefinition> { ["address"] = Address, ["geo"] = Geo }
        );

    [Fact]
    public void Should_flatten_single_components_and_keep_lists_and_json_whole()
    {
        var columns = ExportColumns.For(Schema());
        Assert.Equal(
            [
                "id",
                "schemaVersion",
                "createdAt",
                "updatedAt",
                "name",
                "price",
                "address.city",
                "address.geo.lat",
                "address.geo.deeper.city",
                "address.geo.deeper.geo",
                "branches",
                "owner",
                "staff",
                "blocks",
                "extra",
                "openedAt",
            ],
            columns.Select(c => c.Name)
        );
        var kinds = columns.ToDictionary(c => c.Name, c => c.Kind);
        Assert.Equal(ExportColumnKind.JsonText, kinds["address.geo.deeper.geo"]); // the depth limit
        Assert.Equal(ExportColumnKind.JsonText, kinds["branches"]);
        Assert.Equal(ExportColumnKind.String, kinds["owner"]);
        Assert.Equal(ExportColumnKind.JsonText, kinds["staff"]);
        Assert.Equal(ExportColumnKind.JsonText, kinds["blocks"]);
        Assert.Equal(ExportColumnKind.Number, kinds["address.geo.lat"]);
        Assert.Equal(ExportColumnKind.DateTime, kinds["openedAt"]);
        Assert.Equal(3, columns.Single(c => c.Name == "price").Scale);
    }

    [Fact]
    public void Should_read_nested_values_and_treat_absent_and_null_alike()
    {
        var columns = ExportColumns.For(Schema()).ToDictionary(c => c.Name);
        using var entry = JsonDocument.Parse("""{"id":"s1","address":{"city":"Porto","geo":null},"owner":null}""");
        Assert.True(ExportColumns.TryGet(entry.RootElement, columns["address.city"], out var city));
        Assert.Equal("Porto", city.GetString());
        Assert.False(ExportColumns.TryGet(entry.RootElement, columns["address.geo.lat"], out _));
        Assert.False(ExportColumns.TryGet(entry.RootElement, columns["owner"], out _));
        Assert.False(ExportColumns.TryGet(entry.RootElement, columns["name"], out _));
    }
}
