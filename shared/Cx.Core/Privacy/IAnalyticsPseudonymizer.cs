namespace Cx.Core.Privacy;

/// <summary>What pseudonymising a customer in the analytics store changed.</summary>
public sealed record AnalyticsPseudonymization(int Subjects, long Facts, IReadOnlyList<string> AnonymousIds);

/// <summary>
/// The analytics store's part of an erasure: the customer's subject key, and those of the
/// anonymous ids identified with them, are replaced by pseudonyms in place. Facts, roll-ups and
/// occurrence blocks keep their subject numbers, so every count stays what it was; nothing can
/// find them from the customer id or the anonymous ids any more.
/// </summary>
public interface IAnalyticsPseudonymizer
{
    ValueTask<AnalyticsPseudonymization> PseudonymizeAsync(string customerId, string pseudonym, CancellationToken cancellationToken);
}
