using System.Globalization;
using System.Text.Json;

namespace Cx.Core.Analytics;

/// <summary>
/// Computes a <see cref="BehaviorQuery"/> from a customer's events (timestamp + properties),
/// fed in any order. Every store adapter uses it, so every store answers the same.
/// </summary>
public sealed class BehaviorAccumulator(BehaviorQuery query)
{
    private readonly SortedSet<string> _distinct = new(StringComparer.Ordinal);
    private long _count;
    private long _withValue;
    private decimal _sum;
    private decimal? _min;
    private decimal? _max;
    private long _firstTs = long.MaxValue;
    private long _lastTs = long.MinValue;
    private string? _firstValue;
    private string? _lastValue;

    public BehaviorQuery Query => query;

    /// <summary>Adds one event already known to be of the query's type and inside its window.</summary>
    public void Add(long timestampMs, ReadOnlySpan<byte> properties)
    {
        _count++;
        switch (query.Aggregate)
        {
            case BehaviorAggregate.Count:
                return;
            case BehaviorAggregate.First:
                if (timestampMs < _firstTs)
                {
                    _firstTs = timestampMs;
                    _firstValue = query.Property is null ? null : PropertyReader.ReadText(properties, query.Property);
                }
                return;
            case BehaviorAggregate.Last:
                if (timestampMs >= _lastTs)
                {
                    _lastTs = timestampMs;
                    _lastValue = query.Property is null ? null : PropertyReader.ReadText(properties, query.Property);
                }
                return;
            case BehaviorAggregate.Distinct:
                if (PropertyReader.ReadText(properties, query.Property!) is { } text)
                {
                    _distinct.Add(text);
                }
                return;
            default:
                if (PropertyReader.ReadNumber(properties, query.Property!) is { } number)
                {
                    _withValue++;
                    _sum += number;
                    _min = _min is null || number < _min ? number : _min;
                    _max = _max is null || number > _max ? number : _max;
                }
                return;
        }
    }

    public BehaviorResult Result() =>
        query.Aggregate switch
        {
            BehaviorAggregate.Count => new(query.Aggregate, _count, _count, null, []),
            BehaviorAggregate.Sum => new(query.Aggregate, _count, _sum, null, []),
            BehaviorAggregate.Min => new(query.Aggregate, _count, _min, null, []),
            BehaviorAggregate.Max => new(query.Aggregate, _count, _max, null, []),
            BehaviorAggregate.Avg => new(query.Aggregate, _count, _withValue == 0 ? null : _sum / _withValue, null, []),
            BehaviorAggregate.Distinct => new(query.Aggregate, _count, _distinct.Count, null, [.. _distinct]),
            BehaviorAggregate.First => new(
                query.Aggregate,
                _count,
                null,
                _count == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(_firstTs),
                _firstValue is null ? [] : [_firstValue]
            ),
            BehaviorAggregate.Last => new(
                query.Aggregate,
                _count,
                null,
                _count == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(_lastTs),
                _lastValue is null ? [] : [_lastValue]
            ),
            _ => throw new InvalidOperationException(),
        };
}

/// <summary>Reads one top-level property of a UTF-8 JSON object without building a DOM.</summary>
public static class PropertyReader
{
    public static decimal? ReadNumber(ReadOnlySpan<byte> json, string name)
    {
        var reader = new Utf8JsonReader(json);
        if (!Seek(ref reader, name))
        {
            return null;
        }
        return reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var value) ? value : null;
    }

    /// <summary>A scalar as text: strings as they are, numbers as written, booleans as true/false.</summary>
    public static string? ReadText(ReadOnlySpan<byte> json, string name)
    {
        var reader = new Utf8JsonReader(json);
        if (!Seek(ref reader, name))
        {
            return null;
        }
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => reader.TryGetDecimal(out var d)
                ? d.ToString(CultureInfo.InvariantCulture)
                : System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            _ => null,
        };
    }

    private static bool Seek(ref Utf8JsonReader reader, string name)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }
}
