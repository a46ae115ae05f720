namespace Cx.Core.Queues;

/// <summary>
/// A retry schedule: after failed attempt <c>n</c> the message is tried again after
/// <c>Delays[n - 1]</c>; when the delays run out it is dead-lettered. So a policy makes
/// <see cref="MaxAttempts"/> = <c>Delays.Count + 1</c> attempts in all.
/// </summary>
public sealed class QueueRetryPolicy
{
    public QueueRetryPolicy(IReadOnlyList<TimeSpan> delays)
    {
        ArgumentNullException.ThrowIfNull(delays);
        if (delays.Any(d => d < TimeSpan.Zero))
        {
            throw new ArgumentOutOfRangeException(nameof(delays), "Retry delays cannot be negative.");
        }
        Delays = [.. delays];
    }

    public IReadOnlyList<TimeSpan> Delays { get; }

    public int MaxAttempts => Delays.Count + 1;

    /// <summary>The wait before the attempt after <paramref name="failedAttempt"/>, or null when none is left.</summary>
    public TimeSpan? DelayAfter(int failedAttempt) =>
        failedAttempt >= 1 && failedAttempt <= Delays.Count ? Delays[failedAttempt - 1] : null;

    /// <summary><paramref name="attempts"/> attempts in all, <paramref name="delay"/> apart.</summary>
    public static QueueRetryPolicy Fixed(int attempts, TimeSpan delay) =>
        new(Enumerable.Repeat(delay, Math.Max(0, attempts - 1)).ToArray());
}
