using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Common;

namespace Cx.Core.Content;

public static partial class EntryValidator
{
    /// <summary>The scalar field types: strings, e-mails, numbers, decimals, instants, enumerations, JSON.</summary>
    private sealed partial class Context
    {
        private JsonNode? ValidateString(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                return Fail(pointer, "type", "a string");
            }
            var text = value.GetValue<string>();
            var max = field.MaxLength ?? (field.Type == FieldType.Text ? DefaultTextMaxLength : DefaultStringMaxLength);
            if (text.Length > max)
            {
                return Add(pointer, "max-length", $"Must be at most {max} characters (got {text.Length}).");
            }
            if (field.MinLength is { } min && text.Length < min)
            {
                return Add(pointer, "min-length", $"Must be at least {min} characters.");
            }
            if (field.Pattern is { } pattern && !Matches(pattern, text, pointer))
            {
                return null;
            }
            return value;
        }

        private bool Matches(string pattern, string text, string pointer)
        {
            try
            {
                if (GetPattern(pattern).IsMatch(text))
                {
                    return true;
                }
                Add(pointer, "pattern", $"Must match the pattern {pattern}.");
            }
            catch (RegexMatchTimeoutException)
            {
                Add(pointer, "pattern-timeout", "The value took too long to check against the pattern.");
            }
            return false;
        }

        private JsonNode? ValidateEmail(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                return Fail(pointer, "type", "an e-mail address string");
            }
            var email = value.GetValue<string>().Trim().ToLowerInvariant();
            if (!IsEmail(email))
            {
                return Add(pointer, "email", "Must be an e-mail address such as ana@example.com.");
            }
            if (field.Pattern is { } pattern && !Matches(pattern, email, pointer))
            {
                return null;
            }
            return JsonValue.Create(email);
        }

        private JsonNode? ValidateInteger(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.Number || !value.AsValue().TryGetValue<long>(out var number))
            {
                if (
                    value.GetValueKind() == JsonValueKind.Number
                    && value.AsValue().TryGetValue<decimal>(out var d)
                    && d == decimal.Truncate(d)
                    && Math.Abs(d) <= MaxSafeInteger
                )
                {
                    number = (long)d;
                }
                else
                {
                    return Fail(pointer, "type", "a whole number");
                }
            }
            if (Math.Abs(number) > MaxSafeInteger)
            {
                return Add(pointer, "range", "Must be within ±9007199254740991.");
            }
            return CheckRange(field, number, pointer) ? JsonValue.Create(number) : null;
        }

        private JsonNode? ValidateNumber(FieldDefinition field, JsonNode value, string pointer)
        {
            if (
                value.GetValueKind() != JsonValueKind.Number
                || !value.AsValue().TryGetValue<double>(out var number)
                || !double.IsFinite(number)
            )
            {
                return Fail(pointer, "type", "a number");
            }
            return CheckRange(field, (decimal)Math.Clamp(number, (double)decimal.MinValue, (double)decimal.MaxValue), pointer)
                ? JsonValue.Create(number)
                : null;
        }

        private JsonNode? ValidateDecimal(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.Number || !value.AsValue().TryGetValue<decimal>(out var number))
            {
                return Fail(pointer, "type", "a decimal number");
            }
            var scale = field.Scale ?? DefaultDecimalScale;
            if (number.Scale > scale && decimal.Round(number, scale) != number)
            {
                return Add(pointer, "scale", $"Must have at most {scale} digits after the decimal point.");
            }
            return CheckRange(field, number, pointer) ? JsonValue.Create(number) : null;
        }

        private bool CheckRange(FieldDefinition field, decimal number, string pointer)
        {
            if (field.Min is { } min && number < min)
            {
                Add(pointer, "min", $"Must be at least {min.ToString(CultureInfo.InvariantCulture)}.");
                return false;
            }
            if (field.Max is { } max && number > max)
            {
                Add(pointer, "max", $"Must be at most {max.ToString(CultureInfo.InvariantCulture)}.");
                return false;
            }
            return true;
        }

        private JsonNode? ValidateDateTime(JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                return Fail(pointer, "type", "an ISO 8601 date-time string");
            }
            return Instants.TryParse(value.GetValue<string>(), out var instant)
                ? JsonValue.Create(Instants.Format(instant))
                : Add(pointer, "date-time", "Must be an ISO 8601 date or date-time, such as 2026-11-25T10:30:00Z.");
        }

        private JsonNode? ValidateEnumeration(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                return Fail(pointer, "type", "a string");
            }
            var text = value.GetValue<string>();
            foreach (var allowed in field.Values)
            {
                if (string.Equals(allowed, text, StringComparison.Ordinal))
                {
                    return value;
                }
            }
            return Add(pointer, "enum", $"Must be one of: {string.Join(", ", field.Values)}.");
        }

        private JsonNode? ValidateJson(JsonNode value, string pointer)
        {
            var size = JsonSerializer.SerializeToUtf8Bytes(value).Length;
            return size > MaxJsonFieldBytes
                ? Add(pointer, "max-size", $"Must be at most {MaxJsonFieldBytes} bytes of JSON (got {size}).")
                : value;
        }
    }
}
