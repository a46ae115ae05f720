using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Tests.Cosmos;

public sealed class CosmosItemsTests
{
    [Fact]
    public void Should_add_the_partition_key_and_held_reservations_to_the_stored_item()
    {
        var item = Parse(CosmosItems.Encode(Write("""{"id":"n1","type":"note","title":"Hi"}"""), ["u1", "u2"]));

        Assert.Equal(["id", "type", "title", "pk", "_uniques"], item.Select(p => p.Key));
        Assert.Equal("p1", item["pk"]!.GetValue<string>());
        Assert.Equal(["u1", "u2"], item["_uniques"]!.AsArray().Select(u => u!.GetValue<string>()));
    }

    [Fact]
    public void Should_return_exactly_the_product_properties_of_a_stored_item()
    {
        const string stored = """
            {"id":"n1","type":"note","title":"Hi","nested":{"_keep":1,"pk":2},"pk":"p1","ttl":5,"_uniques":["u1"],
             "_rid":"r","_self":"s","_etag":"\"e1\"","_attachments":"a","_ts":1,"_lsn":7}
            """;

        var document = CosmosItems.Read(JsonDocument.Parse(stored).RootElement).ToStoredDocument();

        AssertJson("""{"id":"n1","type":"note","title":"Hi","nested":{"_keep":1,"pk":2}}""", document.Json);
        Assert.Equal(("n1", "p1", "note", "e1"), (document.Id, document.PartitionKey, document.Type, document.ETag));
    }

    [Fact]
    public void Should_add_a_missing_id_and_type_and_remove_them_again_on_read()
    {
        var encoded = CosmosItems.Encode(Write("""{"title":"Hi"}"""), []);

        var item = CosmosItems.Read(JsonDocument.Parse(encoded).RootElement);

        Assert.Equal(("n1", "note"), (item.Id, item.Type));
        AssertJson("""{"title":"Hi"}""", item.ToStoredDocument().Json);
    }

    [Theory]
    [InlineData("""{"pk":"x"}""")]
    [InlineData("""{"ttl":60}""")]
    [InlineData("""{"_deleted":true}""")]
    [InlineData("""{"_etag":"x"}""")]
    [InlineData("""{"id":"other"}""")]
    [InlineData("""{"id":1}""")]
    [InlineData("""{"type":"other"}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""not json""")]
    public void Should_reject_a_body_the_store_cannot_keep_exactly(string body)
    {
        Assert.Throws<ArgumentException>(() => CosmosItems.Encode(Write(body), []));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a?b")]
    [InlineData("a#b")]
    [InlineData("")]
    public void Should_reject_an_id_cosmos_db_cannot_store(string id)
    {
        Assert.Throws<ArgumentException>(() => CosmosItems.Encode(new DocumentWrite(id, "p1", "note", "{}"u8.ToArray()), []));
    }

    [Fact]
    public void Should_write_a_tombstone_that_keeps_the_key_and_type_and_expires()
    {
        var item = CosmosItems.Read(JsonDocument.Parse(CosmosItems.Tombstone(new DocumentKey("p1", "n1"), "note", 3600)).RootElement);

        Assert.True(item.Deleted);
        Assert.Equal(("n1", "p1", "note"), (item.Id, item.PartitionKey, item.Type));
        Assert.Equal(3600, item.Element.GetProperty("ttl").GetInt32());
        Assert.Empty(item.UniqueIds);
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("abc", "abc")]
    [InlineData("\"", "\"")]
    [InlineData("", "")]
    public void Should_unquote_cosmos_etags(string raw, string expected)
    {
        Assert.Equal(expected, CosmosItems.Unquote(raw));
    }

    [Fact]
    public void Should_read_sort_values_from_nested_paths_and_missing_ones_as_null()
    {
        var item = JsonDocument.Parse("""{"a":{"b":"x"},"n":2.5,"f":true,"o":{"p":1},"z":null}""").RootElement;

        Assert.Equal(ScalarValue.From("x"), CosmosItems.SortValue(item, FieldPath.Parse("a.b")));
        Assert.Equal(ScalarValue.From(2.5), CosmosItems.SortValue(item, FieldPath.Parse("n")));
        Assert.Equal(ScalarValue.From(true), CosmosItems.SortValue(item, FieldPath.Parse("f")));
        Assert.True(CosmosItems.SortValue(item, FieldPath.Parse("o")).IsNull);
        Assert.True(CosmosItems.SortValue(item, FieldPath.Parse("z")).IsNull);
        Assert.True(CosmosItems.SortValue(item, FieldPath.Parse("a.b.c")).IsNull);
        Assert.True(CosmosItems.SortValue(item, FieldPath.Parse("missing")).IsNull);
    }

    private static DocumentWrite Write(string body) => new("n1", "p1", "note", Encoding.UTF8.GetBytes(body));

    private static JsonObject Parse(byte[] json) => JsonNode.Parse(json)!.AsObject();

    private static void AssertJson(string expected, ReadOnlyMemory<byte> actual) =>
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual.Span)),
            $"Expected {expected}, got {Encoding.UTF8.GetString(actual.Span)}"
        );
}
