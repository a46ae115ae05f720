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
}
