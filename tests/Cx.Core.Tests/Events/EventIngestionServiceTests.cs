using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Events;

public sealed class EventIngestionServiceTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-core-tests", Guid.NewGuid().ToString("n"));
    private readonly FakeTimeProvider _time = new(Now);
    private readonly List<TrackedEvent> _appended = [];
    private readonly Mock<IEventStream> _stream = new();
    private SqliteDatabase? _database;
    private EventTypeRegistry? _registry;

    public async Task InitializeAsync()
    {
        _database = new SqliteDatabase(Options.Create(new SqliteOptions { Path = Path.Combine(_folder, "cx.db") }));
        var store = new SqliteDocumentStore(_database, _time);
        await store.InitializeAsync(CancellationToken.None);
        _registry = new EventTypeRegistry(store, _time, Options.Create(new ContentOptions()), NullLogger<EventTypeRegistry>.Instance);
        await _registry.InitializeAsync(CancellationToken.None);
        _stream
            .Setup(s => s.AppendAsync(It.IsAny<IReadOnlyList<TrackedEvent>>(), It.IsAny<CancellationToken>()))
            .Callback<IReadOnlyList<TrackedEvent>, CancellationToken>((events, _) => _appended.AddRange(events))
            .Returns(ValueTask.CompletedTask);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _registry?.Dispose();
        _database?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException) { }
    }

    private EventIngestionService CreateSut(EventOptions? options = null) =>
        new(_registry!, _stream.Object, _time, Options.Create(options ?? new EventOptions()));

    private static List<EventInput> Inputs(params string[] events)
    {
        var list = new List<EventInput>();
        for (var i = 0; i < events.Length; i++)
        {
            var element = JsonDocument.Parse(events[i]).RootElement;
            list.Add(new EventInput(element, "/events/" + i, events[i].Length));
        }
        return list;
    }

    [Fact]
    public async Task Should_accept_a_valid_purchase_and_normalise_its_properties()
    {
        var result = await CreateSut()
            .IngestAsync(
                Inputs(
                    """{"type":"purchase","customerId":"c1","eventId":"o-1","timestamp":"2026-11-25T11:00:00+01:00","properties":{"amount":12.5,"category":"shoes","extra":"kept"}}"""
                ),
                CancellationToken.None
            );
        Assert.Equal(1, result.Accepted);
        Assert.Empty(result.Rejected);
        var e = Assert.Single(_appended);
        Assert.Equal("o-1", e.Id);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), e.Timestamp);
        Assert.Equal(Now, e.ReceivedAt);
        Assert.False(e.Custom);
        using var props = JsonDocument.Parse(e.Properties);
        Assert.Equal(12.5m, props.RootElement.GetProperty("amount").GetDecimal());
        Assert.Equal("kept", props.RootElement.GetProperty("extra").GetString());
    }

    [Fact]
    public async Task Should_reject_invalid_events_by_index_and_keep_valid_siblings()
    {
        var result = await CreateSut()
            .IngestAsync(
                Inputs(
                    """{"type":"purchase","customerId":"c1","properties":{"amount":"lots"}}""",
                    """{"type":"page_view","anonymousId":"a-1","properties":{"page":"/home"}}""",
                    """{"type":"purchase","customerId":"c1","properties":{}}"""
                ),
                CancellationToken.None
            );
        Assert.Equal(1, result.Accepted);
        Assert.Equal([0, 2], result.Rejected.Select(r => r.Index));
        Assert.Equal(("/events/0/properties/amount", "type"), (result.Rejected[0].Errors[0].Path, result.Rejected[0].Errors[0].Code));
        Assert.Equal(("/events/2/properties/amount", "required"), (result.Rejected[1].Errors[0].Path, result.Rejected[1].Errors[0].Code));
        Assert.Equal("/home", Assert.Single(_appended).Page);
    }

    [Fact]
    public async Task Should_give_each_event_of_a_batch_exactly_its_own_properties()
    {
        var result = await CreateSut()
            .IngestAsync(
                Inputs(
                    """{"type":"purchase","customerId":"c1","properties":{"amount":10,"category":"shoes","note":"a much longer first value"}}""",
                    """{"type":"purchase","customerId":"c1","properties":{"amount":-1,"category":"half written"}}""",
                    """{"type":"page_view","anonymousId":"a-1"}""",
                    """{"type":"purchase","customerId":"c2","properties":{"amount":2.5,"gone":null}}"""
                ),
                CancellationToken.None
            );
        Assert.Equal([1], result.Rejected.Select(r => r.Index));
        Assert.Equal(
            ["""{"amount":10,"category":"shoes","note":"a much longer first value"}""", "{}", """{"amount":2.5}"""],
            _appended.Select(e => System.Text.Encoding.UTF8.GetString(e.Properties.Span))
        );
    }

    [Fact]
    public async Task Should_accept_unknown_type_as_custom_when_the_policy_is_custom()
    {
        var result = await CreateSut()
            .IngestAsync(
                Inputs("""{"type":"video_played","anonymousId":"a-1","properties":{"any":{"thing":[1]}}}"""),
                CancellationToken.None
            );
        Assert.Equal(1, result.Accepted);
        Assert.True(Assert.Single(_appended).Custom);
    }

    [Fact]
    public async Task Should_reject_unknown_type_when_the_policy_is_reject()
    {
        var result = await CreateSut(new EventOptions { UnknownTypes = UnknownEventTypePolicy.Reject })
            .IngestAsync(Inputs("""{"type":"video_played","anonymousId":"a-1"}"""), CancellationToken.None);
        Assert.Equal("unknown-event-type", Assert.Single(Assert.Single(result.Rejected).Errors).Code);
        _stream.Verify(s => s.AppendAsync(It.IsAny<IReadOnlyList<TrackedEvent>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Should_clamp_timestamp_when_it_is_beyond_the_future_skew()
    {
        await CreateSut()
            .IngestAsync(
                Inputs(
                    """{"type":"search","anonymousId":"a-1","timestamp":"2026-11-25T12:04:59Z","properties":{"query":"x"}}""",
                    """{"type":"search","anonymousId":"a-1","timestamp":"2026-11-25T12:05:01Z","properties":{"query":"y"}}"""
                ),
                CancellationToken.None
            );
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 4, 59, TimeSpan.Zero), _appended[0].Timestamp);
        Assert.Equal(Now, _appended[1].Timestamp);
    }

    [Fact]
    public async Task Should_reject_event_when_it_is_older_than_the_maximum_age()
    {
        var result = await CreateSut(new EventOptions { MaxEventAgeDays = 30 })
            .IngestAsync(
                Inputs("""{"type":"search","anonymousId":"a-1","timestamp":"2026-10-25T11:59:59Z","properties":{"query":"x"}}"""),
                CancellationToken.None
            );
        Assert.Equal(("/events/0/timestamp", "too-old"), (result.Rejected[0].Errors[0].Path, result.Rejected[0].Errors[0].Code));
    }

    [Fact]
    public async Task Should_report_every_envelope_problem_with_its_pointer()
    {
        var result = await CreateSut(new EventOptions { MaxEventBytes = 1024 })
            .IngestAsync(
                Inputs("""{"type":"Bad Type","customerId":"-1","extra":1,"timestamp":"yesterday","eventId":"has space"}"""),
                CancellationToken.None
            );
        var codes = Assert.Single(result.Rejected).Errors.Select(e => (e.Path, e.Code)).ToList();
        Assert.Contains(("/events/0/extra", "unknown-field"), codes);
        Assert.Contains(("/events/0/type", "type-name"), codes);
        Assert.Contains(("/events/0/customerId", "junk-identifier"), codes);
        Assert.Contains(("/events/0/timestamp", "date-time"), codes);
        Assert.Contains(("/events/0/eventId", "event-id"), codes);
    }

    [Fact]
    public async Task Should_reject_event_when_it_has_no_subject_or_is_too_large()
    {
        var big = "{\"type\":\"search\",\"anonymousId\":\"a\",\"properties\":{\"query\":\"" + new string('q', 1100) + "\"}}";
        var result = await CreateSut(new EventOptions { MaxEventBytes = 1024 })
            .IngestAsync(Inputs("""{"type":"search","properties":{"query":"x"}}""", big), CancellationToken.None);
        Assert.Equal("subject-required", result.Rejected[0].Errors[0].Code);
        Assert.Equal("too-large", result.Rejected[1].Errors[0].Code);
    }

    [Fact]
    public async Task Should_reject_undeclared_properties_when_the_type_forbids_them()
    {
        await _registry!.CreateAsync(
            new EventTypeDefinition
            {
                Key = "strict_event",
                DisplayName = "Strict",
                AdditionalProperties = false,
                Properties =
                [
                    new FieldDefinition
                    {
                        Name = "level",
                        Type = FieldType.Integer,
                        Min = 1,
                        Max = 5,
                    },
                ],
            },
            CancellationToken.None
        );
        var result = await CreateSut()
            .IngestAsync(
                Inputs("""{"type":"strict_event","anonymousId":"a-1","properties":{"level":9,"other":true}}"""),
                CancellationToken.None
            );
        var codes = result.Rejected[0].Errors.Select(e => (e.Path, e.Code)).ToList();
        Assert.Contains(("/events/0/properties/level", "max"), codes);
        Assert.Contains(("/events/0/properties/other", "unknown-property"), codes);
    }
}

public sealed class EventTypeDefinitionRulesTests
{
    [Fact]
    public void Should_reject_definition_when_dimension_or_value_property_is_not_declared_right()
    {
        var type = new EventTypeDefinition
        {
            Key = "Bad Key",
            DisplayName = "x",
            Properties = [new FieldDefinition { Name = "note", Type = FieldType.Text }],
            RollupDimensions = ["missing"],
            ValueProperty = "note",
        };
        var errors = Assert.Throws<ValidationException>(() => EventTypeRegistry.Validate(type)).Errors.Select(e => e.Path).ToList();
        Assert.Equal(["/key", "/rollupDimensions/0", "/valueProperty"], errors);
    }

    [Fact]
    public void Should_reject_change_when_a_property_changes_type_or_a_built_in_property_goes()
    {
        var before = BuiltInEventTypes.All.Single(t => t.Key == BuiltInEventTypes.Purchase);
        var after = before with
        {
            Properties =
            [
                .. before.Properties.Where(p => p.Name != "orderId").Select(p => p.Name == "amount" ? p with { Type = FieldType.Text } : p),
            ],
        };
        var codes = Assert
            .Throws<ValidationException>(() => EventTypeRegistry.ValidateChange(before, after))
            .Errors.Select(e => e.Code)
            .ToList();
        Assert.Contains("type-change", codes);
        Assert.Contains("built-in", codes);
    }
}
