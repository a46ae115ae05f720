using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Feedback;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Feedback;

/// <summary>The serializer contracts of the NPS reports.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NpsReport))]
[JsonSerializable(typeof(NpsAdoption))]
public sealed partial class FeedbackJsonContext : JsonSerializerContext
{
    public static FeedbackJsonContext Relaxed { get; } =
        new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

/// <summary>HTTP handling of the NPS reports: per segment and period, and against feature adoption.</summary>
public sealed class FeedbackReportEndpoints(NpsReports reports, TimeProvider time)
{
    private static readonly string[] NpsParameters = ["from", "to", "period", "segment"];
    private static readonly string[] AdoptionParameters = ["from", "to", "eventType"];

    public async Task<IResult> NpsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var values = QueryParameters.Read(request, NpsParameters);
        var errors = new List<FieldError>();
        var (from, to) = ReadRange(values, errors);
        var period = values.GetValueOrDefault("period") ?? "month";
        if (!NpsReports.Periods.Contains(period, StringComparer.Ordinal))
        {
            errors.Add(new("period", "enum", "period is day, week, month or all.", ErrorLocation.Query));
        }
        var segment = values.GetValueOrDefault("segment");
        if (segment is not null && !IsName(segment))
        {
            errors.Add(new("segment", "pattern", "A segment key.", ErrorLocation.Query));
        }
        ThrowIfAny(errors);
        var report = await reports.ByPeriodAsync(from, to, period, segment, cancellationToken);
        return new JsonContractResult<NpsReport>(report, FeedbackJsonContext.Relaxed.NpsReport);
    }

    public async Task<IResult> AdoptionAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var values = QueryParameters.Read(request, AdoptionParameters);
        var errors = new List<FieldError>();
        var (from, to) = ReadRange(values, errors);
        if (!values.TryGetValue("eventType", out var eventType) || !IsName(eventType))
        {
            errors.Add(new("eventType", "required", "eventType is an event type name such as feature_used.", ErrorLocation.Query));
        }
        ThrowIfAny(errors);
        var report = await reports.ByAdoptionAsync(from, to, eventType!, cancellationToken);
        return new JsonContractResult<NpsAdoption>(report, FeedbackJsonContext.Relaxed.NpsAdoption);
    }

    /// <summary><c>from</c> (default 90 days before <c>to</c>) and <c>to</c> (default now), ISO 8601; at most 400 days.</summary>
    private (DateTimeOffset From, DateTimeOffset To) ReadRange(Dictionary<string, string> values, List<FieldError> errors)
    {
        var to = time.GetUtcNow();
        if (values.TryGetValue("to", out var toText))
        {
            if (Instants.TryParse(toText, out var parsed))
            {
                to = parsed;
            }
            else
            {
                errors.Add(new("to", "date-time", "to is an ISO 8601 instant or date, such as 2026-12-01.", ErrorLocation.Query));
            }
        }
        var from = to.AddDays(-90);
        if (values.TryGetValue("from", out var fromText))
        {
            if (Instants.TryParse(fromText, out var parsed))
            {
                from = parsed;
            }
            else
            {
                errors.Add(new("from", "date-time", "from is an ISO 8601 instant or date, such as 2026-09-01.", ErrorLocation.Query));
            }
        }
        if (errors.Count == 0 && (from >= to || to - from > TimeSpan.FromDays(400)))
        {
            errors.Add(new("from", "range", "from must be before to, at most 400 days apart.", ErrorLocation.Query));
        }
        return (from, to);
    }

    private static bool IsName(string value) =>
        value is { Length: > 0 and <= 64 }
        && char.IsAsciiLetter(value[0])
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static void ThrowIfAny(List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
    }
}
