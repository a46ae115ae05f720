using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Feedback;

/// <summary>Settings of feedback and its sentiment scoring, bound from <c>Cx:Feedback</c>.</summary>
public sealed class FeedbackOptions
{
    public const string Section = "Cx:Feedback";

    /// <summary>
    /// How often the in-process loop scores new feedback texts, in seconds (ten minutes). The
    /// <c>ScoreFeedback</c> timer function also runs every ten minutes, for a host scaled to zero.
    /// </summary>
    [Range(1, 86_400)]
    public int ScoreIntervalSeconds { get; set; } = 600;

    /// <summary>Most feedback entries scored in one pass, read a page (at most Cx:Content:MaxPageSize) at a time.</summary>
    [Range(1, 100_000)]
    public int ScoreBatchSize { get; set; } = 1_000;
}
