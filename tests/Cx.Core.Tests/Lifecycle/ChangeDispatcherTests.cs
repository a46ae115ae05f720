using System.Text.Json.Nodes;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Profiles;
using Cx.Core.Tests.Content;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Lifecycle;

/// <summary>The lifecycle dispatcher over the real SQLite change feed.</summary>
public sealed class ChangeDispatcherTests : IAsyncLifetime
{
    private SqliteStoreFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SqliteStoreFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    /// <summary>Records what it is handed; throws for the ids in <see cref="Poison"/>.</summary>
    private sealed class RecordingHook(string name) : IChangeHook
    {
        public List<ChangeRecord> Handled { get; } = [];

        public HashSet<string> Poison { get; } = new(StringComparer.Ordinal);

        public int Calls { get; private set; }

        public string Name => name;

        public bool Wants(ChangeRecord change) => change.Container == Containers.Customers;

        public ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
        {
            Calls++;
            if (changes.Any(c => Poison.Contains(c.Id)))
            {
                throw new InvalidOperationException("poison");
            }
            Handled.AddRange(changes);
            return ValueTask.CompletedTask;
        }
    }

    private ChangeDispatcher CreateSut(params IChangeHook[] hooks) =>
        new(
            hooks,
            _fixture.Feed,
            new HookFailureStore(_fixture.Store, _fixture.Time),
            Options.Create(new HookOptions { BatchSize = 10, MaxAttempts = 3 }),
            NullLogger<ChangeDispatcher>.Instance
        );

    private Task<Cx.Core.Documents.StoredDocument> CreateCustomerAsync(string id) =>
        _fixture.Entries.CreateAsync(
            CustomerProfile.TypeKey,
            JsonNode.Parse($$"""{"id":"{{id}}","email":"{{id}}@example.com"}""")!.AsObject(),
            CancellationToken.None
        );

    [Fact]
    public async Task Should_deliver_each_save_once_with_its_before_and_after_state()
    {
        var hook = new RecordingHook("record");
        using var sut = CreateSut(hook);
        await CreateCustomerAsync("c1");
        await _fixture.Entries.PatchAsync(
            CustomerProfile.TypeKey,
            "c1",
            JsonNode.Parse("""{"name":"Ana"}""")!.AsObject(),
            null,
            CancellationToken.None
        );

        Assert.Equal(2, await sut.DispatchAsync(CancellationToken.None));
        Assert.Equal(0, await sut.DispatchAsync(CancellationToken.None));

        Assert.Equal(2, hook.Handled.Count);
        Assert.Null(hook.Handled[0].Before);
        Assert.NotNull(hook.Handled[0].After);
        Assert.DoesNotContain("Ana", System.Text.Encoding.UTF8.GetString(hook.Handled[1].Before!.Value.Span), StringComparison.Ordinal);
        Assert.Contains("Ana", System.Text.Encoding.UTF8.GetString(hook.Handled[1].After!.Value.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_read_batches_until_the_feed_is_drained()
    {
        var hook = new RecordingHook("batches");
        using var sut = CreateSut(hook);
        for (var i = 0; i < 25; i++)
        {
            await CreateCustomerAsync($"c{i:D2}");
        }
        Assert.Equal(25, await sut.DispatchAsync(CancellationToken.None));
        Assert.Equal(25, hook.Handled.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public async Task Should_retry_a_failing_change_and_give_it_up_after_the_maximum_attempts_without_holding_back_others()
    {
        var stuck = new RecordingHook("stuck");
        var healthy = new RecordingHook("healthy");
        using var sut = CreateSut(stuck, healthy);
        stuck.Poison.Add("bad");
        await CreateCustomerAsync("good1");
        await CreateCustomerAsync("bad");
        await CreateCustomerAsync("good2");

        for (var round = 0; round < 3; round++)
        {
            await sut.DispatchAsync(CancellationToken.None);
        }

        Assert.Equal(["good1", "bad", "good2"], healthy.Handled.Select(c => c.Id));
        // Delivered again change by change; the poison change is dead-lettered on its third failure.
        Assert.Equal(["good1", "good1", "good1", "good2"], stuck.Handled.Select(c => c.Id));
        await CreateCustomerAsync("good3");
        await sut.DispatchAsync(CancellationToken.None);
        Assert.Equal("good3", stuck.Handled[^1].Id);
    }

    [Fact]
    public async Task Should_continue_the_attempt_count_in_a_new_dispatcher_on_the_same_store()
    {
        var first = new RecordingHook("poisoned");
        first.Poison.Add("bad");
        await CreateCustomerAsync("bad");
        await CreateCustomerAsync("after");
        using (var sut = CreateSut(first))
        {
            // MaxAttempts is 3: two failures, then the process goes away.
            await sut.DispatchAsync(CancellationToken.None);
            await sut.DispatchAsync(CancellationToken.None);
        }
        Assert.Empty(first.Handled);

        var second = new RecordingHook("poisoned");
        second.Poison.Add("bad");
        using (var sut = CreateSut(second))
        {
            // The third attempt overall: the change is dead-lettered and the hook moves on.
            await sut.DispatchAsync(CancellationToken.None);
        }

        Assert.Equal(["after"], second.Handled.Select(c => c.Id));
        // The batch, the poison change alone (its last attempt), then the change after it alone.
        Assert.Equal(3, second.Calls);
    }

    [Fact]
    public async Task Should_keep_the_dead_letter_in_the_store_with_the_change_and_the_error()
    {
        var hook = new RecordingHook("kept");
        hook.Poison.Add("bad");
        using var sut = CreateSut(hook);
        var stored = await CreateCustomerAsync("bad");

        for (var round = 0; round < 3; round++)
        {
            await sut.DispatchAsync(CancellationToken.None);
        }

        var failures = new HookFailureStore(_fixture.Store, _fixture.Time);
        var page = await failures.ListAsync("kept", HookFailureStatus.Dead, 10, null, CancellationToken.None);
        var failure = HookFailureStore.FromDocument(Assert.Single(page.Items));
        Assert.Equal(("kept", 3, "poison"), (failure.Hook, failure.Attempts, failure.ErrorMessage));
        Assert.Equal(typeof(InvalidOperationException).FullName, failure.ErrorType);
        Assert.Equal(
            (Containers.Customers, "bad", stored.ETag, ChangeKind.Upsert),
            (failure.Change.Container, failure.Change.Id, failure.Change.ETag, failure.Change.Kind)
        );
        Assert.Equal(_fixture.Time.GetUtcNow(), failure.DeadAt);
        using var after = System.Text.Json.JsonDocument.Parse(failure.Change.After!.Value);
        Assert.Equal("bad@example.com", after.RootElement.GetProperty("email").GetString());
        Assert.Null(failure.Change.Before);
    }

    [Fact]
    public async Task Should_forget_the_attempts_of_a_change_that_succeeds_on_a_later_round()
    {
        var hook = new RecordingHook("transient");
        hook.Poison.Add("flaky");
        using var sut = CreateSut(hook);
        await CreateCustomerAsync("flaky");
        await sut.DispatchAsync(CancellationToken.None);
        var failures = new HookFailureStore(_fixture.Store, _fixture.Time);
        Assert.Single((await failures.ListAsync("transient", HookFailureStatus.Retrying, 10, null, CancellationToken.None)).Items);

        hook.Poison.Clear();
        await sut.DispatchAsync(CancellationToken.None);

        Assert.Equal(["flaky"], hook.Handled.Select(c => c.Id));
        Assert.Empty((await failures.ListAsync("transient", null, 10, null, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Should_forget_the_attempts_left_by_an_earlier_process_once_the_batch_succeeds()
    {
        var hook = new RecordingHook("restarted");
        hook.Poison.Add("flaky");
        await CreateCustomerAsync("flaky");
        using (var first = CreateSut(hook))
        {
            await first.DispatchAsync(CancellationToken.None);
        }
        hook.Poison.Clear();

        using (var second = CreateSut(hook))
        {
            await second.DispatchAsync(CancellationToken.None);
        }

        var failures = new HookFailureStore(_fixture.Store, _fixture.Time);
        Assert.Empty((await failures.ListAsync("restarted", null, 10, null, CancellationToken.None)).Items);
    }
}
