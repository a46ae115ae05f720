using System.Globalization;
using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Segments;
using Microsoft.Extensions.Options;

namespace Cx.Core.Feedback;

/// <summary>
/// NPS of a group of answers: promoters (9-10) minus detractors (0-6), in percent of all, with a
/// 95 % confidence interval (normal approximation of the difference of two proportions of one
/// multinomial sample: variance = (p + d - (p - d)^2) / n), clamped to -100..100.
/// </summary>
public sealed record NpsScore(string Group, int Responses, int Promoters, int Passives, int Detractors, double Nps, double Low, double High)
{
    public static NpsScore Of(string group, IReadOnlyCollection<int> answers)
    {
        var n = answers.Count;
        var promoters = answers.Count(a => a >= FeedbackModel.PromoterMin);
        var detractors = answers.Count(a => a <= FeedbackModel.DetractorMax);
        if (n == 0)
        {
            return new NpsScore(group, 0, 0, 0, 0, 0, -100, 100);
        }
        var p = (double)promoters / n;
        var d = (double)detractors / n;
        var nps = 100 * (p - d);
        var half = 1.96 * 100 * Math.Sqrt(Math.Max(0, p + d - ((p - d) * (p - d))) / n);
        return new NpsScore(
            group,
            n,
            promoters,
            n - promoters - detractors,
            detractors,
            Math.Round(nps, 2),
            Math.Round(Math.Max(-100, nps - half), 2),
            Math.Round(Math.Min(100, nps + half), 2)
        );
    }
}

/// <summary>NPS per period (and overall) of the answers in a range, optionally of one segment's members.</summary>
public sealed record NpsReport(string? Segment, string Period, IReadOnlyList<NpsScore> Periods, NpsScore Total);

/// <summary>NPS of the customers who used an event type against those who did not: data for a chart.</summary>
public sealed record NpsAdoption(string EventType, NpsScore Used, NpsScore NotUsed);

/// <summary>Computes NPS reports from the stored feedback answers (read a page at a time, at most <see cref="MaxAnswers"/>).</summary>
public sealed class NpsReports(EntryService entries, SegmentService segments, ITimelineReader timeline, IOptions<ContentOptions> content)
{
    public const int MaxAnswers = 100_000;

    public static IReadOnlyList<string> Periods { get; } = ["day", "week", "month", "all"];

    public async Task<NpsReport> ByPeriodAsync(
        DateTimeOffset from,
        DateTimeOffset to,
        string period,
        string? segment,
        CancellationToken cancellationToken
    )
    {
        HashSet<string>? members = null;
        if (segment is not null)
        {
            members = new HashSet<string>(StringComparer.Ordinal);
            Keyset? after = null;
            do
            {
                var page = await segments.ListMembersAsync(segment, content.Value.MaxPageSize, after, cancellationToken);
                foreach (var member in page.Items)
                {
                    members.Add(member.Id);
                }
                after = page.Next;
            } while (after is not null && members.Count < MaxAnswers);
        }
        var answers = (await AnswersAsync(from, to, cancellationToken))
            .Where(a => members is null || members.Contains(a.Customer))
            .ToList();
        var periods = answers
            .GroupBy(a => Bucket(a.At, period), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => NpsScore.Of(g.Key, [.. g.Select(a => a.Nps)]))
            .ToList();
        return new NpsReport(segment, period, periods, NpsScore.Of("total", [.. answers.Select(a => a.Nps)]));
    }

    /// <summary>Answers of customers with at least one <paramref name="eventType"/> event (ever) against the others'.</summary>
    public async Task<NpsAdoption> ByAdoptionAsync(
        DateTimeOffset from,
        DateTimeOffset to,
        string eventType,
        CancellationToken cancellationToken
    )
    {
        var answers = await AnswersAsync(from, to, cancellationToken);
        var used = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var customer in answers.Select(a => a.Customer).Distinct(StringComparer.Ordinal))
        {
            var page = await timeline.ReadTimelineAsync(customer, eventType, 1, null, cancellationToken);
            used[customer] = page.Items.Count > 0;
        }
        return new NpsAdoption(
            eventType,
            NpsScore.Of("used", [.. answers.Where(a => used[a.Customer]).Select(a => a.Nps)]),
            NpsScore.Of("notUsed", [.. answers.Where(a => !used[a.Customer]).Select(a => a.Nps)])
        );
    }

    public static string Bucket(DateTimeOffset at, string period) =>
        period switch
        {
            "day" => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            "week" => string.Create(
                CultureInfo.InvariantCulture,
                $"{ISOWeek.GetYear(at.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(at.UtcDateTime):00}"
            ),
            "month" => at.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            _ => "all",
        };

    private sealed record Answer(string Customer, int Nps, DateTimeOffset At);

    private async Task<List<Answer>> AnswersAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var answers = new List<Answer>();
        Keyset? after = null;
        do
        {
            var (_, page) = await entries.ListAsync(
                FeedbackModel.TypeKey,
                new EntryListRequest
                {
                    Filters =
                    [
                        new RawFilter("at", "gte", Instants.Format(from), "from"),
                        new RawFilter("at", "lt", Instants.Format(to), "to"),
                    ],
                    Sort = ["at"],
                    Limit = content.Value.MaxPageSize,
                    After = after,
                },
                cancellationToken
            );
            foreach (var document in page.Items)
            {
                using var json = JsonDocument.Parse(document.Json);
                var root = json.RootElement;
                if (
                    root.TryGetProperty("customer", out var customer)
                    && root.TryGetProperty("nps", out var nps)
                    && nps.TryGetInt32(out var score)
                    && root.TryGetProperty("at", out var at)
                    && Instants.TryParse(at.GetString() ?? "", out var instant)
                )
                {
                    answers.Add(new Answer(customer.GetString()!, score, instant));
                }
            }
            after = page.Next;
        } while (after is not null && answers.Count < MaxAnswers);
        return answers;
    }
}
