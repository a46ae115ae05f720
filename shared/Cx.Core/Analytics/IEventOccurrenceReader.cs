namespace Cx.Core.Analytics;

/// <summary>One occurrence in a funnel block: an interned subject and the event time.</summary>
public readonly record struct SubjectOccurrence(int SubjectId, long TimestampMs);

/// <summary>
/// Compact occurrence blocks for funnels and journeys: per event type and UTC hour, packed
/// (subject id, time) pairs of every distinct event. Subjects are interned integers; anonymous
/// subjects merged into a customer map to the customer's id through <see cref="ReadSubjectMergesAsync"/>.
/// </summary>
public interface IEventOccurrenceReader
{
    /// <summary>Calls <paramref name="onBlock"/> for each stored block overlapping [from, to) (occurrences outside are filtered out).</summary>
    ValueTask ScanAsync(
        string eventType,
        DateTimeOffset from,
        DateTimeOffset to,
        Action<ReadOnlySpan<SubjectOccurrence>> onBlock,
        CancellationToken cancellationToken
    );

    /// <summary>Anonymous subject id → the customer subject id it was merged into.</summary>
    ValueTask<IReadOnlyDictionary<int, int>> ReadSubjectMergesAsync(CancellationToken cancellationToken);

    /// <summary>The subject key (<c>c:id</c> or <c>a:id</c>) of interned ids.</summary>
    ValueTask<IReadOnlyDictionary<int, string>> ReadSubjectsAsync(IReadOnlyCollection<int> subjectIds, CancellationToken cancellationToken);
}
