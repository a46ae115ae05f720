using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Profiles;
using Cx.Core.Tests.Content;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Lifecycle;

/// <summary>Replaying and discarding dead letters, over the real SQLite store, change feed and audit log.</summary>
public sealed class DeadLetterServiceTests : IAsyncLifetime
{
    private SqliteStoreFixture _fixture = null!;
    private AuditLog _audit = null!;
    private HookFailureStore _failures = null!;

    public async Task InitializeAsync()
    {
        _fixture = await SqliteStoreFixture.StartAsync();
        _audit = new AuditLog(_fixture.Store, _fixture.Time, NullLogger<AuditLog>.Instance);
        await _audit.InitializeAsync(CancellationToken.None);
        _failures = new HookFailureStore(_fixture.Store, _fixture.Time);
        await _failures.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    /// <summary>Fails while <see cref="Failing"/> is set; counts what it handled.</summary>
    private sealed class SwitchHook : IChangeHook
    {
        public bool Failing { get; set; } = true;

        public List<string> Handled { get; } = [];

        public string Name => "switch";

        public bool Wants(ChangeRecord change) => change.Container == Containers.Customers;

        public ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
        {
            if (Failing)
            {
                throw new InvalidOperationException("still broken");
            }
            Handled.AddRange(changes.Select(c => c.Id));
            return ValueTask.CompletedTask;
        }
    }

    private (ChangeDispatcher Dispatcher, DeadLetterService Service) CreateSut(IChangeHook hook, int maxAttempts = 2)
    {
        var dispatcher = new ChangeDispatcher(
            [hook],
            _fixture.Feed,
            _failures,
            Options.Create(new HookOptions { MaxAttempts = maxAttempts }),
            NullLogger<ChangeDispatcher>.Instance
        );
        return (dispatcher, new DeadLetterService(_failures, dispatcher, _audit, _fixture.Time));
    }

    private async Task<HookFailure> DeadLetterAsync(ChangeDispatcher dispatcher, string customerId, int rounds = 2)
    {
        await _fixture.Entries.CreateAsync(
            CustomerProfile.TypeKey,
            JsonNode.Parse($$"""{"id":"{{customerId}}","email":"{{customerId}}@example.com"}""")!.AsObject(),
            CancellationToken.None
        );
        for (var i = 0; i < rounds; i++)
        {
            await dispatcher.DispatchAsync(CancellationToken.None);
        }
        var page = await _failures.ListAsync("switch", null, 10, null, CancellationToken.None);
        return HookFailureStore.FromDocument(Assert.Single(page.Items));
    }

    private async Task<List<JsonElement>> AuditEntriesAsync(string action)
    {
        var page = await _audit.QueryAsync([new RawFilter("action", "eq", action, "filter[action]")], 50, null, CancellationToken.None);
        return [.. page.Items.Select(d => JsonDocument.Parse(d.Json).RootElement)];
    }

    [Fact]
    public async Task Should_replay_a_dead_letter_once_and_audit_every_request()
    {
        var hook = new SwitchHook();
        var (dispatcher, sut) = CreateSut(hook);
        using var _ = dispatcher;
        var dead = await DeadLetterAsync(dispatcher, "c1");
        Assert.Equal(HookFailureStatus.Dead, dead.Status);

        var failed = await sut.ReplayAsync("switch", dead.Id, CancellationToken.None);
        hook.Failing = false;
        _fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var replayed = await sut.ReplayAsync("switch", dead.Id, CancellationToken.None);
        _fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var again = await sut.ReplayAsync("switch", dead.Id, CancellationToken.None);

        Assert.Equal((ReplayOutcome.Failed, HookFailureStatus.Dead, 3), (failed.Outcome, failed.Failure.Status, failed.Failure.Attempts));
        Assert.Equal((ReplayOutcome.Replayed, HookFailureStatus.Replayed), (replayed.Outcome, replayed.Failure.Status));
        Assert.Equal(ReplayOutcome.AlreadyReplayed, again.Outcome);
        Assert.Equal(["c1"], hook.Handled);
        Assert.Equal("system:system", replayed.Failure.ReplayedBy);
        var entries = await AuditEntriesAsync(AuditActions.DeadLetterReplayed);
        Assert.Equal(
            ["already-replayed", "replayed", "failed"],
            entries.Select(e => e.GetProperty("details").GetProperty("outcome").GetString())
        );
        Assert.Equal(["success", "success", "failure"], entries.Select(e => e.GetProperty("outcome").GetString()));
        Assert.All(entries, e => Assert.Equal("switch/" + dead.Id, e.GetProperty("targetId").GetString()));
    }

    [Fact]
    public async Task Should_refuse_to_replay_or_discard_a_change_that_is_still_being_retried()
    {
        var hook = new SwitchHook();
        var (dispatcher, sut) = CreateSut(hook, maxAttempts: 5);
        using var _ = dispatcher;
        var retrying = await DeadLetterAsync(dispatcher, "c1", rounds: 1);

        var replay = await Assert.ThrowsAsync<ConflictException>(() => sut.ReplayAsync("switch", retrying.Id, CancellationToken.None));
        var discard = await Assert.ThrowsAsync<ConflictException>(() => sut.DiscardAsync("switch", retrying.Id, CancellationToken.None));

        Assert.Equal("dead-letter-retrying", replay.Code);
        Assert.Equal("dead-letter-retrying", discard.Code);
        Assert.Empty(hook.Handled);
    }

    [Fact]
    public async Task Should_discard_a_dead_letter_and_keep_what_it_was_in_the_audit_log()
    {
        var (dispatcher, sut) = CreateSut(new SwitchHook());
        using var _ = dispatcher;
        var dead = await DeadLetterAsync(dispatcher, "c1");

        await sut.DiscardAsync("switch", dead.Id, CancellationToken.None);

        await Assert.ThrowsAsync<NotFoundException>(() => sut.GetAsync("switch", dead.Id, CancellationToken.None));
        await Assert.ThrowsAsync<NotFoundException>(() => sut.DiscardAsync("switch", dead.Id, CancellationToken.None));
        var entry = Assert.Single(await AuditEntriesAsync(AuditActions.DeadLetterDiscarded));
        var details = entry.GetProperty("details");
        Assert.Equal(
            ("c1", "dead", 2),
            (
                details.GetProperty("documentId").GetString(),
                details.GetProperty("status").GetString(),
                details.GetProperty("attempts").GetInt32()
            )
        );
    }

    [Fact]
    public async Task Should_refuse_to_replay_for_a_hook_the_app_no_longer_runs()
    {
        var (dispatcher, _) = CreateSut(new SwitchHook());
        using var __ = dispatcher;
        var dead = await DeadLetterAsync(dispatcher, "c1");
        using var other = new ChangeDispatcher(
            [],
            _fixture.Feed,
            _failures,
            Options.Create(new HookOptions()),
            NullLogger<ChangeDispatcher>.Instance
        );
        var sut = new DeadLetterService(_failures, other, _audit, _fixture.Time);

        var error = await Assert.ThrowsAsync<ConflictException>(() => sut.ReplayAsync("switch", dead.Id, CancellationToken.None));

        Assert.Equal("hook-unknown", error.Code);
        Assert.Equal(HookFailureStatus.Dead, (await sut.GetAsync("switch", dead.Id, CancellationToken.None)).Status);
    }
}
