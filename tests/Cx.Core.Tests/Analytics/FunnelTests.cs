using Cx.Core.Analytics;

namespace Cx.Core.Tests.Analytics;

/// <summary>
/// An in-memory occurrence reader: occurrences per event type, served in shuffled blocks (as
/// per-batch blocks are: unsorted, late events in earlier hours), filtered to [from, to).
/// </summary>
internal sealed class FakeOccurrenceReader : IEventOccurrenceReader
{
    private readonly Dictionary<string, List<SubjectOccurrence>> _byType = new(StringComparer.Ordinal);
    private readonly Random _random = new(7);

    public Dictionary<int, int> Merges { get; } = [];

    public List<(string Type, DateTimeOffset From, DateTimeOffset To)> Scans { get; } = [];

    public FakeOccurrenceReader Add(string type, int subject, DateTimeOffset at)
    {
        if (!_byType.TryGetValue(type, out var list))
        {
            _byType[type] = list = [];
        }
        list.Add(new SubjectOccurrence(subject, at.ToUnixTimeMilliseconds()));
        return this;
    }

    public ValueTask ScanAsync(
        string eventType,
        DateTimeOffset from,
        DateTimeOffset to,
        Action<ReadOnlySpan<SubjectOccurrence>> onBlock,
        CancellationToken cancellationToken
    )
    {
        Scans.Add((eventType, from, to));
        var inRange = _byType
            .GetValueOrDefault(eventType, [])
            .Where(o => o.TimestampMs >= from.ToUnixTimeMilliseconds() && o.TimestampMs < to.ToUnixTimeMilliseconds())
            .OrderBy(_ => _random.Next())
            .ToArray();
        for (var i = 0; i < inRange.Length; i += 3)
        {
            onBlock(inRange.AsSpan(i, Math.Min(3, inRange.Length - i)));
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyDictionary<int, int>> ReadSubjectMergesAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<int, int>>(Merges);

    public ValueTask<IReadOnlyDictionary<int, string>> ReadSubjectsAsync(
        IReadOnlyCollection<int> subjectIds,
        CancellationToken cancellationToken
    ) => throw new NotSupportedException();
}

public sealed class FunnelTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private readonly FakeOccurrenceReader _reader = new();

    private FunnelService CreateSut() => new(_reader);

    private async Task<long[]> CountsAsync(TimeSpan window, DateTimeOffset from, DateTimeOffset to, params string[] steps)
    {
        var result = await CreateSut().RunAsync(new FunnelQuery([.. steps.Select(s => FunnelStep.Of(s))], window, from, to), default);
        return [.. result.Steps.Select(s => s.Count)];
    }

    private Task<long[]> ViewCartBuyAsync(TimeSpan? window = null) =>
        CountsAsync(window ?? Day, T, T.AddDays(1), "page_view", "add_to_cart", "purchase");

    [Fact]
    public async Task Should_count_each_subject_at_the_deepest_step_it_reached_in_order()
    {
        _reader
            .Add("page_view", 1, T.AddHours(1))
            .Add("add_to_cart", 1, T.AddHours(2))
            .Add("purchase", 1, T.AddHours(3))
            .Add("page_view", 2, T.AddHours(1))
            .Add("add_to_cart", 2, T.AddHours(5))
            .Add("page_view", 3, T.AddHours(4))
            .Add("page_view", 3, T.AddHours(6));
        Assert.Equal(new long[] { 3, 2, 1 }, await ViewCartBuyAsync());
    }

    [Fact]
    public async Task Should_not_count_a_step_done_before_the_previous_one()
    {
        _reader.Add("purchase", 1, T.AddHours(1)).Add("add_to_cart", 1, T.AddHours(2)).Add("page_view", 1, T.AddHours(3));
        Assert.Equal(new long[] { 1, 0, 0 }, await ViewCartBuyAsync());
    }

    [Fact]
    public async Task Should_not_count_a_subject_that_skipped_a_step()
    {
        _reader.Add("page_view", 1, T.AddHours(1)).Add("purchase", 1, T.AddHours(2));
        Assert.Equal(new long[] { 1, 0, 0 }, await ViewCartBuyAsync());
    }

    [Fact]
    public async Task Should_count_a_step_one_millisecond_before_the_window_ends_and_not_exactly_at_its_end()
    {
        var start = T.AddHours(1);
        _reader
            .Add("page_view", 1, start)
            .Add("add_to_cart", 1, start.AddMinutes(1))
            .Add("purchase", 1, start + Day - TimeSpan.FromMilliseconds(1))
            .Add("page_view", 2, start)
            .Add("add_to_cart", 2, start.AddMinutes(1))
            .Add("purchase", 2, start + Day);
        Assert.Equal(new long[] { 2, 2, 1 }, await ViewCartBuyAsync());
    }

    [Fact]
    public async Task Should_not_let_events_in_the_same_millisecond_follow_each_other()
    {
        _reader
            .Add("page_view", 1, T.AddHours(1))
            .Add("add_to_cart", 1, T.AddHours(1))
            .Add("page_view", 2, T.AddHours(1))
            .Add("add_to_cart", 2, T.AddHours(1).AddMilliseconds(1));
        Assert.Equal(new long[] { 2, 1 }, await CountsAsync(Day, T, T.AddDays(1), "page_view", "add_to_cart"));
    }

    [Fact]
    public async Task Should_need_a_later_occurrence_for_a_repeated_step()
    {
        _reader
            .Add("page_view", 1, T.AddHours(1))
            .Add("page_view", 2, T.AddHours(1))
            .Add("page_view", 2, T.AddHours(2))
            .Add("page_view", 3, T.AddHours(1))
            .Add("page_view", 3, T.AddHours(1));
        Assert.Equal(new long[] { 3, 1 }, await CountsAsync(Day, T, T.AddDays(1), "page_view", "page_view"));
    }

    [Fact]
    public async Task Should_count_an_anonymous_visitor_merged_into_a_customer_once_as_the_customer()
    {
        // Subject 10 is anonymous, merged into customer 20: the view and cart as a visitor,
        // the purchase after identify. Subject 11 is anonymous and not merged.
        _reader.Merges[10] = 20;
        _reader
            .Add("page_view", 10, T.AddHours(1))
            .Add("add_to_cart", 10, T.AddHours(2))
            .Add("page_view", 20, T.AddHours(2).AddMinutes(30))
            .Add("purchase", 20, T.AddHours(3))
            .Add("page_view", 11, T.AddHours(1));
        Assert.Equal(new long[] { 2, 1, 1 }, await ViewCartBuyAsync());
    }

    [Fact]
    public async Task Should_count_a_later_start_that_converts_when_an_earlier_one_ran_out_of_window()
    {
        _reader
            .Add("page_view", 1, T.AddHours(1))
            .Add("page_view", 1, T.AddHours(20))
            .Add("add_to_cart", 1, T.AddHours(30))
            .Add("purchase", 1, T.AddHours(40));
        Assert.Equal(new long[] { 1, 1, 1 }, await ViewCartBuyAsync());
    }

    [Fact]
    public async Task Should_start_only_in_the_range_and_let_later_steps_follow_after_it()
    {
        _reader
            .Add("page_view", 1, T.AddMilliseconds(-1))
            .Add("add_to_cart", 1, T.AddHours(1))
            .Add("page_view", 2, T.AddDays(1).AddMilliseconds(-1))
            .Add("add_to_cart", 2, T.AddDays(1).AddHours(1))
            .Add("page_view", 3, T.AddDays(1))
            .Add("add_to_cart", 3, T.AddDays(1).AddHours(1));
        Assert.Equal(new long[] { 1, 1 }, await CountsAsync(Day, T, T.AddDays(1), "page_view", "add_to_cart"));
    }

    [Fact]
    public async Task Should_scan_start_only_types_until_to_and_the_others_until_to_plus_the_window()
    {
        await CountsAsync(TimeSpan.FromHours(6), T, T.AddDays(1), "page_view", "add_to_cart", "page_view", "purchase");
        Assert.Equal(
            [
                ("page_view", T, T.AddDays(1).AddHours(6)),
                ("add_to_cart", T, T.AddDays(1).AddHours(6)),
                ("purchase", T, T.AddDays(1).AddHours(6)),
            ],
            _reader.Scans.OrderBy(s =>
                s.Type == "page_view" ? 0
                : s.Type == "add_to_cart" ? 1
                : 2
            )
        );
        _reader.Scans.Clear();
        await CountsAsync(TimeSpan.FromHours(6), T, T.AddDays(1), "page_view", "purchase");
        Assert.Contains(("page_view", T, T.AddDays(1)), _reader.Scans);
        Assert.Contains(("purchase", T, T.AddDays(1).AddHours(6)), _reader.Scans);
    }

    [Fact]
    public async Task Should_answer_rates_rounded_to_four_decimals_and_null_when_nobody_started()
    {
        _reader
            .Add("page_view", 1, T.AddHours(1))
            .Add("page_view", 2, T.AddHours(1))
            .Add("page_view", 3, T.AddHours(1))
            .Add("add_to_cart", 1, T.AddHours(2))
            .Add("add_to_cart", 2, T.AddHours(2));
        var result = await CreateSut()
            .RunAsync(
                new FunnelQuery(
                    [FunnelStep.Of("page_view"), FunnelStep.Of("add_to_cart"), FunnelStep.Of("purchase")],
                    Day,
                    T,
                    T.AddDays(1)
                ),
                default
            );
        Assert.Equal(
            [(3L, 1.0, 1.0, 0L, 0.0), (2L, 0.6667, 0.6667, 1L, 0.3333), (0L, 0.0, 0.0, 2L, 1.0)],
            result.Steps.Select(s =>
                (s.Count, s.ConversionFromFirst!.Value, s.ConversionFromPrevious!.Value, s.DropOff, s.DropOffRate!.Value)
            )
        );
        var empty = await CreateSut()
            .RunAsync(new FunnelQuery([FunnelStep.Of("search"), FunnelStep.Of("purchase")], Day, T, T.AddDays(1)), default);
        Assert.All(
            empty.Steps,
            s => Assert.Equal((0L, (double?)null, (double?)null), (s.Count, s.ConversionFromFirst, s.ConversionFromPrevious))
        );
    }

    [Fact]
    public async Task Should_tell_subjects_apart_across_the_whole_id_range()
    {
        int[] subjects = [1, 4095, 4096, 4097, 10_000_000, int.MaxValue];
        foreach (var subject in subjects)
        {
            _reader.Add("page_view", subject, T.AddHours(1)).Add("add_to_cart", subject, T.AddHours(2));
        }
        _reader.Add("page_view", 4098, T.AddHours(1));
        Assert.Equal(new long[] { 7, 6 }, await CountsAsync(Day, T, T.AddDays(1), "page_view", "add_to_cart"));
    }

    [Fact]
    public async Task Should_let_a_step_be_any_of_several_event_types()
    {
        _reader
            .Add("page_view", 1, T.AddHours(1))
            .Add("search", 2, T.AddHours(1))
            .Add("purchase", 2, T.AddHours(2))
            .Add("checkout_complete", 1, T.AddHours(3));
        var result = await CreateSut()
            .RunAsync(
                new FunnelQuery(
                    [FunnelStep.Of("page_view", "search"), FunnelStep.Of("purchase", "checkout_complete")],
                    Day,
                    T,
                    T.AddDays(1)
                ),
                default
            );
        Assert.Equal([2L, 2L], result.Steps.Select(s => s.Count));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Should_agree_with_an_exhaustive_search_on_random_histories(int seed)
    {
        var random = new Random(seed);
        string[] types = ["a", "b", "c"];
        var steps = Enumerable.Range(0, random.Next(2, 6)).Select(_ => types[random.Next(types.Length)]).ToArray();
        var window = TimeSpan.FromMinutes(random.Next(1, 40));
        var from = T.AddMinutes(10);
        var to = T.AddMinutes(70);
        var histories = new Dictionary<int, List<(string Type, long Ms)>>();
        for (var subject = 1; subject <= 300; subject++)
        {
            var history = histories[subject] = [];
            for (var i = random.Next(0, 12); i > 0; i--)
            {
                // Minutes 0-119, often the same millisecond, so ties and repeats are common.
                var at = T.AddMinutes(random.Next(0, 120)).AddMilliseconds(random.Next(0, 2));
                var type = types[random.Next(types.Length)];
                history.Add((type, at.ToUnixTimeMilliseconds()));
                _reader.Add(type, subject, at);
            }
        }

        var counts = await CountsAsync(window, from, to, steps);

        var expected = new long[steps.Length];
        foreach (var history in histories.Values)
        {
            var depth = ExhaustiveDepth(
                history,
                steps,
                from.ToUnixTimeMilliseconds(),
                to.ToUnixTimeMilliseconds(),
                (long)window.TotalMilliseconds
            );
            for (var k = 0; k < depth; k++)
            {
                expected[k]++;
            }
        }
        Assert.Equal(expected, counts);
        Assert.True(expected[0] > 0);
    }

    /// <summary>Tries every chain of distinct occurrences: the definition, by brute force.</summary>
    private static int ExhaustiveDepth(List<(string Type, long Ms)> history, string[] steps, long from, long to, long window)
    {
        var best = 0;
        var used = new bool[history.Count];
        void Extend(int step, long start, long previous)
        {
            best = Math.Max(best, step);
            if (step == steps.Length)
            {
                return;
            }
            for (var i = 0; i < history.Count; i++)
            {
                var (type, ms) = history[i];
                if (used[i] || type != steps[step] || ms <= previous || ms - start >= window)
                {
                    continue;
                }
                used[i] = true;
                Extend(step + 1, start, ms);
                used[i] = false;
            }
        }
        for (var i = 0; i < history.Count; i++)
        {
            var (type, ms) = history[i];
            if (type == steps[0] && ms >= from && ms < to)
            {
                used[i] = true;
                Extend(1, ms, ms);
                used[i] = false;
            }
        }
        return best;
    }
}
