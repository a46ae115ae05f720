using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Tests.Content;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cx.Core.Tests.Audit;

/// <summary>
/// The audit log's hash chain over the real SQLite store, tampered with directly in the database
/// file (another connection, below the API and the store), as someone with file access would.
/// </summary>
public sealed class AuditChainTests : IAsyncLifetime
{
    private const string Month = "2026-11";

    private SqliteStoreFixture _fixture = null!;
    private AuditLog _audit = null!;

    public async Task InitializeAsync()
    {
        _fixture = await SqliteStoreFixture.StartAsync();
        _audit = new AuditLog(_fixture.Store, _fixture.Time, NullLogger<AuditLog>.Instance);
        await _audit.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _audit.Dispose();
        await _fixture.DisposeAsync();
    }

    private async Task<List<JsonObject>> StoredEntriesAsync()
    {
        var page = await _fixture.Store.QueryAsync(
            Containers.Audit,
            new DocumentQuery { Type = AuditLog.EntryType, Limit = 100 },
            CancellationToken.None
        );
        return [.. page.Items.Select(d => JsonNode.Parse(d.Json.Span)!.AsObject())];
    }

    private async Task RecordAsync(int count, AuditLog? log = null)
    {
        for (var i = 0; i < count; i++)
        {
            await (log ?? _audit).RecordAsync(
                "tester",
                null,
                "test.action",
                "thing",
                "t" + i,
                true,
                new { n = i, note = "é \"q\"" },
                CancellationToken.None
            );
        }
    }

    /// <summary>Runs SQL on the database file through a connection of its own, outside the store.</summary>
    private void Sql(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={_fixture.Database.FilePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }

    private static string Id(long seq) => AuditChain.EntryId(Month, seq);

    private static string Sha256(string canonical) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

    [Fact]
    public async Task Should_link_every_entry_to_the_one_before_by_hash()
    {
        await RecordAsync(3);

        var entries = await StoredEntriesAsync();

        Assert.Equal([1L, 2L, 3L], entries.Select(e => (long?)e["seq"]));
        Assert.Equal([Id(1), Id(2), Id(3)], entries.Select(e => (string?)e["id"]));
        Assert.All(entries, e => Assert.Matches("^[0-9a-f]{64}$", (string?)e["hash"] ?? ""));
        Assert.Equal(AuditChain.Genesis, (string?)entries[0]["prevHash"]);
        for (var i = 1; i < entries.Count; i++)
        {
            Assert.Equal((string?)entries[i - 1]["hash"], (string?)entries[i]["prevHash"]);
        }
    }

    [Fact]
    public async Task Should_hash_the_canonical_json_of_the_entry_without_its_hash()
    {
        await RecordAsync(1);
        var entry = (await StoredEntriesAsync())[0];
        var expected =
            $$"""{"action":"test.action","actor":"tester","at":"2026-11-25T09:00:00.000Z","details":{"n":0,"note":"é \"q\""},"id":"{{Id(1)}}","outcome":"success","prevHash":"{{AuditChain.Genesis}}","seq":1,"targetId":"t0","targetType":"thing","type":"audit"}""";

        Assert.Equal(Sha256(expected), (string?)entry["hash"]);
    }

    [Fact]
    public async Task Should_verify_an_intact_chain_against_its_head()
    {
        await RecordAsync(4);

        var result = await _audit.VerifyAsync(Month, CancellationToken.None);

        Assert.True(result.Ok, result.Break?.Detail);
        Assert.Equal((4L, 4L), (result.Entries, result.HeadSeq!.Value));
        Assert.Equal((string?)(await StoredEntriesAsync())[3]["hash"], result.HeadHash);
    }

    [Fact]
    public async Task Should_name_an_entry_whose_body_was_edited_in_the_database()
    {
        await RecordAsync(4);

        Sql("UPDATE audit SET body = json_set(body, '$.outcome', 'failure') WHERE id = $id", ("$id", Id(2)));

        var broken = (await _audit.VerifyAsync(Month, CancellationToken.None)).Break;
        Assert.Equal((Id(2), 2L, AuditBreaks.Edited), (broken!.EntryId, broken.Seq, broken.Reason));
    }

    [Fact]
    public async Task Should_name_an_entry_deleted_from_the_database()
    {
        await RecordAsync(4);

        Sql("DELETE FROM audit WHERE id = $id", ("$id", Id(2)));

        var broken = (await _audit.VerifyAsync(Month, CancellationToken.None)).Break;
        Assert.Equal((Id(2), 2L, AuditBreaks.Deleted), (broken!.EntryId, broken.Seq, broken.Reason));
        Assert.Contains(Id(3), broken.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_name_the_first_entry_of_a_truncated_tail()
    {
        await RecordAsync(5);

        Sql("DELETE FROM audit WHERE type = 'audit' AND json_extract(body, '$.seq') > 3");

        var result = await _audit.VerifyAsync(Month, CancellationToken.None);
        Assert.Equal((Id(4), 4L, AuditBreaks.Truncated), (result.Break!.EntryId, result.Break.Seq, result.Break.Reason));
        Assert.Equal(3, result.Entries);
    }

    [Fact]
    public async Task Should_name_entries_whose_places_were_swapped()
    {
        await RecordAsync(4);

        Sql(
            "UPDATE audit SET body = CASE id WHEN $a THEN (SELECT body FROM audit WHERE id = $b) ELSE (SELECT body FROM audit WHERE id = $a) END WHERE id IN ($a, $b)",
            ("$a", Id(2)),
            ("$b", Id(3))
        );

        var broken = (await _audit.VerifyAsync(Month, CancellationToken.None)).Break;
        Assert.Equal((Id(2), AuditBreaks.Reordered), (broken!.EntryId, broken.Reason));
    }

    [Fact]
    public async Task Should_notice_an_entry_rewritten_with_a_recomputed_hash()
    {
        await RecordAsync(4);
        var second = (await StoredEntriesAsync())[1];
        second["outcome"] = "failure";
        second["hash"] = AuditChain.Hash(JsonSerializer.SerializeToElement(second));

        Sql("UPDATE audit SET body = $body WHERE id = $id", ("$body", second.ToJsonString()), ("$id", Id(2)));

        var broken = (await _audit.VerifyAsync(Month, CancellationToken.None)).Break;
        Assert.Equal((Id(3), 3L, AuditBreaks.Edited), (broken!.EntryId, broken.Seq, broken.Reason));
    }

    [Fact]
    public async Task Should_notice_the_last_entry_rewritten_with_a_recomputed_hash_against_the_head()
    {
        await RecordAsync(3);
        var last = (await StoredEntriesAsync())[2];
        last["actor"] = "someone-else";
        last["hash"] = AuditChain.Hash(JsonSerializer.SerializeToElement(last));

        Sql("UPDATE audit SET body = $body WHERE id = $id", ("$body", last.ToJsonString()), ("$id", Id(3)));

        var broken = (await _audit.VerifyAsync(Month, CancellationToken.None)).Break;
        Assert.Equal((Id(3), AuditBreaks.Edited), (broken!.EntryId, broken.Reason));
    }

    [Fact]
    public async Task Should_report_a_missing_head_because_truncation_can_then_not_be_checked()
    {
        await RecordAsync(2);

        Sql("DELETE FROM audit WHERE type = 'audit-head'");

        var broken = (await _audit.VerifyAsync(Month, CancellationToken.None)).Break;
        Assert.Equal((AuditChain.HeadId, AuditBreaks.Deleted), (broken!.EntryId, broken.Reason));
    }

    [Fact]
    public async Task Should_name_an_entry_without_chain_fields()
    {
        await RecordAsync(1);

        await _fixture.Store.CreateAsync(
            Containers.Audit,
            new DocumentWrite(
                "0forged",
                Month,
                AuditLog.EntryType,
                """{"id":"0forged","type":"audit","action":"auth.sign-in"}"""u8.ToArray()
            ),
            CancellationToken.None
        );

        var broken = (await _audit.VerifyAsync(Month, CancellationToken.None)).Break;
        Assert.Equal(("0forged", AuditBreaks.Unchained), (broken!.EntryId, broken.Reason));
    }

    [Fact]
    public async Task Should_not_fork_the_chain_when_two_instances_append_at_once()
    {
        using var other = new AuditLog(_fixture.Store, _fixture.Time, NullLogger<AuditLog>.Instance);
        await RecordAsync(1);
        await RecordAsync(1, other); // both have a cached tail now

        await Task.WhenAll(RecordAsync(25), RecordAsync(25, other));

        var result = await _audit.VerifyAsync(Month, CancellationToken.None);
        Assert.True(result.Ok, result.Break?.Detail);
        Assert.Equal((52L, 52L), (result.Entries, result.HeadSeq!.Value));
    }

    [Fact]
    public async Task Should_keep_appending_after_the_anchored_entry_when_the_tail_was_truncated()
    {
        await RecordAsync(3);
        Sql("DELETE FROM audit WHERE id = $id", ("$id", Id(3)));
        using var restarted = new AuditLog(_fixture.Store, _fixture.Time, NullLogger<AuditLog>.Instance);

        await RecordAsync(1, restarted);

        var entries = await StoredEntriesAsync();
        Assert.Equal([1L, 2L, 4L], entries.Select(e => (long?)e["seq"]));
        var broken = (await _audit.VerifyAsync(Month, CancellationToken.None)).Break;
        Assert.Equal((Id(3), AuditBreaks.Deleted), (broken!.EntryId, broken.Reason));
    }

    [Fact]
    public async Task Should_start_a_chain_per_month_and_list_the_partitions()
    {
        await RecordAsync(2);
        _fixture.Time.Advance(TimeSpan.FromDays(10));
        await RecordAsync(1);
        _fixture.Time.Advance(TimeSpan.FromDays(62));

        // Every month from the oldest with audit data through the current one, an empty one included.
        Assert.Equal([Month, "2026-12", "2027-01", "2027-02"], await _audit.PartitionsAsync(CancellationToken.None));
        var december = await _audit.VerifyAsync("2026-12", CancellationToken.None);
        Assert.Equal((true, 1L, 1L), (december.Ok, december.Entries, december.HeadSeq!.Value));
        Assert.Equal(
            AuditChain.Genesis,
            (string?)(await StoredEntriesAsync()).Single(e => (string?)e["id"] == AuditChain.EntryId("2026-12", 1))["prevHash"]
        );
        Assert.Equal("2027-02", _audit.CurrentPartition);
    }

    [Theory]
    [InlineData("2026-13")]
    [InlineData("2026-1")]
    [InlineData("26-11")]
    [InlineData("2026-11-01")]
    [InlineData("")]
    public async Task Should_refuse_a_partition_that_is_not_a_month(string partition)
    {
        var error = await Assert.ThrowsAsync<ValidationException>(() => _audit.VerifyAsync(partition, CancellationToken.None));

        Assert.Equal("partition", Assert.Single(error.Errors).Path);
    }

    [Fact]
    public async Task Should_list_a_month_whose_head_was_removed()
    {
        await RecordAsync(1);
        _fixture.Time.Advance(TimeSpan.FromDays(10));
        await RecordAsync(1);

        Sql("DELETE FROM audit WHERE type = 'audit-head' AND pk = $pk", ("$pk", Month));

        Assert.Equal([Month, "2026-12"], await _audit.PartitionsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Should_verify_an_empty_partition_as_intact()
    {
        var result = await _audit.VerifyAsync("2025-01", CancellationToken.None);

        Assert.Equal((true, 0L, (long?)null), (result.Ok, result.Entries, result.HeadSeq));
    }
}
