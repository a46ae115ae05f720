using System.Text.Json;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Segments;
using static Cx.Core.Tests.Segments.SegmentFixture;

namespace Cx.Core.Tests.Segments;

public sealed class SegmentServiceTests : IAsyncLifetime
{
    private SegmentFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SegmentFixture.StartAsync(pageSize: 100);

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private SegmentService Sut => _fixture.Service;

    private static SegmentDefinition Segment(
        string key,
        string criteria,
        SegmentStatus status = SegmentStatus.Active,
        string? name = null
    ) =>
        new()
        {
            Key = key,
            Name = name ?? key,
            Criteria = JsonLiteral.From(JsonDocument.Parse(criteria).RootElement),
            Status = status,
        };

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    private const string Gold = """{"field":"loyaltyTier","op":"eq","value":"gold"}""";
    private const string GoldOrPlatinum = """{"field":"loyaltyTier","op":"in","value":["gold","platinum"]}""";

    private async Task<int> AuditCountAsync(string action) =>
        (
            await _fixture.Audit.QueryAsync(
                [new Cx.Core.Content.RawFilter("action", "eq", action, "filter[action]")],
                100,
                null,
                CancellationToken.None
            )
        )
            .Items
            .Count;

    private async Task<SegmentJob> JobAsync(string key) => (await Sut.GetJobAsync(key, CancellationToken.None)).Definition;

    [Fact]
    public async Task Should_keep_a_version_per_rule_change_and_write_nothing_for_an_unchanged_save()
    {
        var created = await Sut.CreateAsync(Segment("vip", Gold), CancellationToken.None);
        Assert.Equal(1, created.Definition.Version);

        // Same rule written differently, same name: nothing written, no audit entry.
        var same = await Sut.ReplaceAsync(
            "vip",
            Segment("vip", """{ "value":"gold", "op":"eq", "field":"loyaltyTier" }"""),
            null,
            CancellationToken.None
        );
        Assert.Equal(created.Document.ETag, same.Document.ETag);

        var renamed = await Sut.ReplaceAsync("vip", Segment("vip", Gold, name: "Very important"), null, CancellationToken.None);
        Assert.Equal(1, renamed.Definition.Version);
        var changed = await Sut.ReplaceAsync("vip", Segment("vip", GoldOrPlatinum, name: "Very important"), null, CancellationToken.None);
        Assert.Equal(2, changed.Definition.Version);

        var versions = await Sut.ListVersionsAsync("vip", 10, null, CancellationToken.None);
        Assert.Equal([2, 1], versions.Items.Select(d => DefinitionDocuments.FromDocument<SegmentVersion>(d).Version));
        Assert.Equal(3, await AuditCountAsync(AuditActions.SegmentSaved));
        Assert.Equal("criteria-changed", (await JobAsync("vip")).Reason);
    }

    [Fact]
    public async Task Should_refuse_a_stale_if_match_and_write_nothing()
    {
        var created = await Sut.CreateAsync(Segment("vip", Gold), CancellationToken.None);
        await Sut.ReplaceAsync("vip", Segment("vip", GoldOrPlatinum), created.Document.ETag, CancellationToken.None);
        await Assert.ThrowsAsync<ETagMismatchException>(() =>
            Sut.ReplaceAsync("vip", Segment("vip", Gold), created.Document.ETag, CancellationToken.None)
        );
        Assert.Equal(2, (await Sut.GetAsync("vip", CancellationToken.None)).Definition.Version);
    }

    public static TheoryData<string, string, string> InvalidCriteria =>
        new()
        {
            {
                """{"all":[{"field":"loyaltyTier","op":"eq","value":"gold"},{"field":"nickname","op":"eq","value":"x"}]}""",
                "/criteria/all/1/field",
                "unknown-field"
            },
            {
                """{"any":[{"behavior":{"event":"purchase","aggregate":"sum","window":"P90D","op":"gt","value":5}}]}""",
                "/criteria/any/0/behavior/property",
                "required"
            },
            { """{"not":{"field":"lastLogin","op":"within","value":"P1M"}}""", "/criteria/not/value", "duration" },
            { """{"field":"segmentMembership.segment","op":"eq","value":"vip"}""", "/criteria/field", "not-allowed" },
            {
                """{"all":[{"behavior":{"event":"segment.entered","aggregate":"count","op":"gte","value":1}}]}""",
                "/criteria/all/0/behavior/event",
                "not-allowed"
            },
            {
                """{"behavior":{"event":"purchase","aggregate":"SUM","property":"amount","op":"gt","value":1}}""",
                "/criteria/behavior/aggregate",
                "enum"
            },
            {
                """{"behavior":{"event":"purchase","aggregate":"sum","property":"order.amount","op":"gt","value":1}}""",
                "/criteria/behavior/property",
                "type"
            },
            { """{"field":"name","op":"regex","value":"("}""", "/criteria/value", "pattern" },
            { "\"gold\"", "/criteria", "type" },
        };

    [Theory]
    [MemberData(nameof(InvalidCriteria))]
    public async Task Should_reject_an_invalid_rule_with_the_path_of_the_problem_and_write_nothing(
        string criteria,
        string pointer,
        string code
    )
    {
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            Sut.CreateAsync(Segment("broken", criteria), CancellationToken.None)
        );
        Assert.Contains(error.Errors, e => e.Path == pointer && e.Code == code);
        Assert.Null(await _fixture.Registry.ReadCurrentAsync("broken", CancellationToken.None));
        Assert.Null(await _fixture.Jobs.GetAsync("broken", CancellationToken.None));
        Assert.Equal(0, await AuditCountAsync(AuditActions.SegmentSaved));
    }

    [Fact]
    public async Task Should_report_every_problem_of_a_segment_at_once()
    {
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            Sut.CreateAsync(
                new SegmentDefinition
                {
                    Key = "Bad Key",
                    Name = "",
                    Criteria = JsonLiteral.From(Json("""{"field":"loyaltyTier","op":"eq","value":"diamond"}""")),
                },
                CancellationToken.None
            )
        );
        Assert.Equal([("/key", "key"), ("/name", "name"), ("/criteria/value", "enum")], error.Errors.Select(e => (e.Path, e.Code)));
        await Assert.ThrowsAsync<ValidationException>(() => Sut.CreateAsync(Segment("preview", Gold), CancellationToken.None));
    }

    [Fact]
    public async Task Should_recompute_every_customer_after_a_rule_change_with_readable_progress()
    {
        for (var i = 0; i < 250; i++)
        {
            var tier = (i % 5) switch
            {
                0 => "gold",
                1 => "platinum",
                _ => "silver",
            };
            await _fixture.CreateCustomerAsync($"c{i:D3}", $"\"loyaltyTier\":\"{tier}\"");
        }
        await Sut.CreateAsync(Segment("vip", Gold), CancellationToken.None);
        Assert.Equal(SegmentJobState.Queued, (await JobAsync("vip")).State);
        await _fixture.SettleAsync();
        var first = await JobAsync("vip");
        Assert.Equal(
            (SegmentJobState.Completed, 250L, 250L, 50L, 50L, 0L),
            (first.State, first.Processed, first.Total, first.Matched, first.Entered, first.Exited)
        );
        Assert.Equal(50, (await _fixture.MembersAsync("vip")).Count);

        await Sut.ReplaceAsync(
            "vip",
            Segment("vip", """{"field":"loyaltyTier","op":"eq","value":"platinum"}"""),
            null,
            CancellationToken.None
        );
        var queued = await JobAsync("vip");
        Assert.Equal((SegmentJobState.Queued, 2, 0L), (queued.State, queued.RuleVersion, queued.Processed));
        await _fixture.SettleAsync();
        var second = await JobAsync("vip");
        Assert.Equal(
            (SegmentJobState.Completed, 250L, 50L, 50L, 50L),
            (second.State, second.Processed, second.Matched, second.Entered, second.Exited)
        );
        var members = await _fixture.MembersAsync("vip");
        Assert.Equal(50, members.Count);
        Assert.All(members, id => Assert.Equal(1, int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture) % 5));
        var profile = await _fixture.ProfileAsync("c001");
        Assert.Equal(2, SegmentProfiles.ReadMembership(profile)["vip"].RuleVersion);
    }

    [Fact]
    public async Task Should_resume_a_stalled_recompute_after_its_last_page()
    {
        for (var i = 0; i < 150; i++)
        {
            await _fixture.CreateCustomerAsync($"c{i:D3}", "\"loyaltyTier\":\"gold\"");
        }
        await Sut.CreateAsync(Segment("vip", Gold), CancellationToken.None);
        var queued = await _fixture.Jobs.GetAsync("vip", CancellationToken.None);
        // An instance took the job, did its first page (c000..c099) and stopped.
        var stalled = queued!.Definition with
        {
            State = SegmentJobState.Running,
            Processed = 100,
            Cursor = "c099",
            Owner = "gone",
            HeartbeatAt = Instants.Format(Start),
            Total = 150,
        };
        await _fixture.Store.ReplaceAsync(
            Containers.Definitions,
            new DocumentWrite(
                "vip",
                SegmentDocuments.Job,
                SegmentDocuments.Job,
                DefinitionDocuments.ToJson(stalled, "vip", SegmentDocuments.Job, stalled.QueuedAt, stalled.QueuedAt)
            ),
            queued.Document.ETag,
            CancellationToken.None
        );
        Assert.Equal(0, await _fixture.Jobs.RunPendingAsync(CancellationToken.None)); // its heartbeat is fresh

        _fixture.Time.Advance(TimeSpan.FromSeconds(_fixture.Settings.Value.JobStaleSeconds + 1));
        Assert.Equal(1, await _fixture.Jobs.RunPendingAsync(CancellationToken.None));
        var job = await JobAsync("vip");
        Assert.Equal((SegmentJobState.Completed, 150L, 50L), (job.State, job.Processed, job.Entered));
        Assert.Empty(await _fixture.SegmentsOfAsync("c000"));
        Assert.Equal(["vip"], await _fixture.SegmentsOfAsync("c149"));
    }

    [Fact]
    public async Task Should_tell_how_many_customers_new_criteria_would_add_and_remove()
    {
        var tiers = new[] { "gold", "gold", "gold", "platinum", "platinum", "silver", "bronze" };
        for (var i = 0; i < tiers.Length; i++)
        {
            await _fixture.CreateCustomerAsync($"c{i}", $"\"loyaltyTier\":\"{tiers[i]}\"");
        }
        await Sut.CreateAsync(Segment("vip", Gold), CancellationToken.None);
        await _fixture.SettleAsync();
        var events = _fixture.Stream.Events.Count;

        var dryRun = await Sut.DryRunAsync(
            "vip",
            Json("""{"field":"loyaltyTier","op":"in","value":["platinum","silver"]}"""),
            CancellationToken.None
        );

        Assert.Equal((3L, 3L, 3L, 3L, 7L), (dryRun.WouldAdd, dryRun.WouldRemove, dryRun.Total, dryRun.Current, dryRun.Evaluated));
        Assert.Equal(3, (await _fixture.MembersAsync("vip")).Count); // nothing changed
        Assert.Equal(events, _fixture.Stream.Events.Count);
        Assert.Equal(1, (await Sut.GetAsync("vip", CancellationToken.None)).Definition.Version);

        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            Sut.DryRunAsync("vip", Json("""{"field":"loyaltyTier","op":"gt"}"""), CancellationToken.None)
        );
        Assert.Contains(error.Errors, e => e.Path == "/criteria/value");
    }

    [Fact]
    public async Task Should_preview_unsaved_criteria_with_a_count_and_a_sample_in_id_order()
    {
        for (var i = 0; i < 230; i++)
        {
            await _fixture.CreateCustomerAsync($"c{i:D3}", i % 2 == 0 ? "\"loyaltyTier\":\"gold\"" : "");
        }
        await _fixture.TrackAsync(Event("purchase", "c001", Start, "o1", """{"amount":20}"""));

        var preview = await Sut.PreviewAsync(
            Json(
                """{"any":[{"field":"loyaltyTier","op":"eq","value":"gold"},{"behavior":{"event":"purchase","aggregate":"count","op":"gte","value":1}}]}"""
            ),
            3,
            CancellationToken.None
        );

        Assert.Equal((116L, 230L), (preview.Count, preview.Evaluated));
        Assert.Equal(["c000", "c001", "c002"], preview.Sample);
        Assert.Null(await _fixture.Registry.ReadCurrentAsync("preview", CancellationToken.None));
    }

    [Fact]
    public async Task Should_freeze_a_paused_segment_and_remove_every_member_of_an_archived_one()
    {
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"gold\"");
        await _fixture.CreateCustomerAsync("c2", "\"loyaltyTier\":\"gold\"");
        await Sut.CreateAsync(Segment("vip", Gold), CancellationToken.None);
        await _fixture.SettleAsync();

        await Sut.ReplaceAsync("vip", Segment("vip", Gold, SegmentStatus.Paused), null, CancellationToken.None);
        await _fixture.PatchCustomerAsync("c1", """{"loyaltyTier":"silver"}""");
        await _fixture.SettleAsync();
        Assert.Equal(["vip"], await _fixture.SegmentsOfAsync("c1")); // frozen
        await Assert.ThrowsAsync<ConflictException>(() => Sut.StartRecomputeAsync("vip", CancellationToken.None));
        await Assert.ThrowsAsync<ConflictException>(() => Sut.DeleteAsync("vip", null, CancellationToken.None));

        await Sut.ReplaceAsync("vip", Segment("vip", Gold), null, CancellationToken.None);
        Assert.Equal("resumed", (await JobAsync("vip")).Reason);
        await _fixture.SettleAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));
        Assert.Equal(["c2"], await _fixture.MembersAsync("vip"));

        await Sut.ReplaceAsync("vip", Segment("vip", Gold, SegmentStatus.Archived), null, CancellationToken.None);
        Assert.Equal("archived", (await JobAsync("vip")).Reason);
        await _fixture.SettleAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c2"));
        Assert.Empty(await _fixture.MembersAsync("vip"));

        await Sut.DeleteAsync("vip", null, CancellationToken.None);
        await Assert.ThrowsAsync<NotFoundException>(() => Sut.GetAsync("vip", CancellationToken.None));
        Assert.Empty(
            (
                await _fixture.Store.QueryAsync(
                    Containers.Definitions,
                    new DocumentQuery { Type = SegmentDocuments.Version, PartitionKey = SegmentDocuments.Version },
                    CancellationToken.None
                )
            ).Items
        );
        Assert.Equal(1, await AuditCountAsync(AuditActions.SegmentDeleted));
    }

    [Fact]
    public async Task Should_limit_the_segments_in_use()
    {
        var options = _fixture.Settings.Value;
        var limit = options.MaxSegments;
        options.MaxSegments = 2;
        try
        {
            await Sut.CreateAsync(Segment("a", Gold), CancellationToken.None);
            await Sut.CreateAsync(Segment("b", Gold, SegmentStatus.Paused), CancellationToken.None);
            var error = await Assert.ThrowsAsync<ConflictException>(() => Sut.CreateAsync(Segment("c", Gold), CancellationToken.None));
            Assert.Equal("limit", error.Code);
            await Sut.CreateAsync(Segment("d", Gold, SegmentStatus.Archived), CancellationToken.None);
        }
        finally
        {
            options.MaxSegments = limit;
        }
    }

    [Fact]
    public async Task Should_explain_each_condition_with_the_value_it_saw()
    {
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"gold\",\"lastLogin\":\"2026-11-20T12:00:00.000Z\"");
        await _fixture.TrackAsync(
            Event("purchase", "c1", Start.AddDays(-2), "o1", """{"amount":120}"""),
            Event("purchase", "c1", Start.AddDays(-1), "o2", """{"amount":80.5}""")
        );
        await Sut.CreateAsync(
            Segment(
                "vip",
                """{"all":[{"field":"loyaltyTier","op":"in","value":["gold","platinum"]},{"field":"lastLogin","op":"within","value":"P3D"},{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":200}}]}"""
            ),
            CancellationToken.None
        );
        await _fixture.SettleAsync();

        var result = await Sut.ExplainAsync("c1", "vip", CancellationToken.None);

        Assert.False(result.Matches);
        Assert.Null(result.Membership);
        var conditions = result.Explanation.Children!;
        Assert.Equal(
            [
                ("loyaltyTier in [gold, platinum]", true, "gold"),
                ("sum of amount of purchase events in the last P90D gt 200", true, "200.5"),
            ],
            new[] { conditions[0], conditions[2] }.Select(c => (c.Condition, c.Result, c.Observed))
        );
        Assert.Equal((false, "2026-11-20T12:00:00.000Z"), (conditions[1].Result, conditions[1].Observed));
        Assert.Contains("after 2026-11-22T12:00:00.000Z", conditions[1].Condition, StringComparison.Ordinal);

        await _fixture.PatchCustomerAsync("c1", """{"lastLogin":"2026-11-25T11:00:00.000Z"}""");
        await _fixture.SettleAsync();
        var member = await Sut.ExplainAsync("c1", "vip", CancellationToken.None);
        Assert.True(member.Matches);
        Assert.Equal(1, member.Membership!.RuleVersion);
        await Assert.ThrowsAsync<NotFoundException>(() => Sut.ExplainAsync("nobody", "vip", CancellationToken.None));
    }
}
