using System.Globalization;
using System.Text.Json;

namespace Cx.Core.Rules;

public enum ScalarKind : byte
{
    Null,
    String,
    Number,
    Boolean,
}

/// <summary>
/// A typed JSON scalar used in conditions and cursors. Dates are strings in the canonical
/// UTC form the content model stores (<c>yyyy-MM-ddTHH:mm:ss.fffZ</c>), so they compare
/// correctly as strings in every store.
/// </summary>
public readonly struct ScalarValue : IEquatable<ScalarValue>, IComparable<ScalarValue>
{
    private readonly string? _string;
    private readonly double _number;

    private ScalarValue(ScalarKind kind, string? s, double n)
    {
        Kind = kind;
        _string = s;
        _number = n;
    }

    public static ScalarValue Null => default;

    public ScalarKind Kind { get; }

    public bool IsNull => Kind == ScalarKind.Null;

    public string AsString => Kind == ScalarKind.String ? _string! : throw new InvalidOperationException("Not a string.");

    public double AsNumber => Kind == ScalarKind.Number ? _number : throw new InvalidOperationException("Not a number.");

    public bool AsBoolean => Kind == ScalarKind.Boolean ? _number != 0 : throw new InvalidOperationException("Not a boolean.");

    public static ScalarValue From(string value) => new(ScalarKind.String, value, 0);

    public static ScalarValue From(double value) => new(ScalarKind.Number, null, value);

    public static ScalarValue From(bool value) => new(ScalarKind.Boolean, null, value ? 1 : 0);

    /// <summary>Reads a scalar JSON element; objects and arrays are not scalars.</summary>
    public static bool TryFrom(JsonElement element, out ScalarValue value)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                value = From(element.GetString()!);
                return true;
            case JsonValueKind.Number:
                value = From(element.GetDouble());
                return true;
            case JsonValueKind.True:
                value = From(true);
                return true;
            case JsonValueKind.False:
                value = From(false);
                return true;
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                value = Null;
                return true;
            default:
                value = Null;
                return false;
        }
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case ScalarKind.String:
                writer.WriteStringValue(_string);
                break;
            case ScalarKind.Number:
                writer.WriteNumberValue(_number);
                break;
            case ScalarKind.Boolean:
                writer.WriteBooleanValue(_number != 0);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>Total order: null, then booleans, numbers, strings (ordinal).</summary>
    public int CompareTo(ScalarValue other)
    {
        if (Kind != other.Kind)
        {
            return Rank(Kind).CompareTo(Rank(other.Kind));
        }
        return Kind switch
        {
            ScalarKind.String => string.CompareOrdinal(_string, other._string),
            ScalarKind.Number or ScalarKind.Boolean => _number.CompareTo(other._number),
            _ => 0,
        };

        static int Rank(ScalarKind kind) =>
            kind switch
            {
                ScalarKind.Null => 0,
                ScalarKind.Boolean => 1,
                ScalarKind.Number => 2,
                _ => 3,
            };
    }

    public bool Equals(ScalarValue other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is ScalarValue other && Equals(other);

    public override int GetHashCode() =>
        Kind switch
        {
            ScalarKind.String => StringComparer.Ordinal.GetHashCode(_string!),
            ScalarKind.Null => 0,
            _ => HashCode.Combine(Kind, _number),
        };

    public override string ToString() =>
        Kind switch
        {
            ScalarKind.String => _string!,
            ScalarKind.Number => _number.ToString("R", CultureInfo.InvariantCulture),
            ScalarKind.Boolean => _number != 0 ? "true" : "false",
            _ => "null",
        };

    public static bool operator ==(ScalarValue left, ScalarValue right) => left.Equals(right);

    public static bool operator !=(ScalarValue left, ScalarValue right) => !left.Equals(right);

    public static bool operator <(ScalarValue left, ScalarValue right) => left.CompareTo(right) < 0;

    public static bool operator >(ScalarValue left, ScalarValue right) => left.CompareTo(right) > 0;

    public static bool operator <=(ScalarValue left, ScalarValue right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ScalarValue left, ScalarValue right) => left.CompareTo(right) >= 0;
}
