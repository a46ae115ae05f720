namespace Cx.Core.Realtime;

/// <summary>
/// The last applied counter of each offline client (a user's client id): what makes replayed
/// mutations apply exactly once. Advancing is compare-and-set, so two instances replaying the same
/// client cannot both apply a counter.
/// </summary>
public interface IMutationLedger
{
    /// <summary>The client's last applied counter (0 for a client never seen).</summary>
    ValueTask<long> GetAsync(string userId, string clientId, CancellationToken cancellationToken);

    /// <summary>Moves the counter from <paramref name="from"/> to <paramref name="to"/>; false when it no longer is <paramref name="from"/>.</summary>
    ValueTask<bool> AdvanceAsync(string userId, string clientId, long from, long to, CancellationToken cancellationToken);
}
