namespace Cx.Core.Common;

/// <summary>
/// A value compiled from inputs that a fingerprint identifies (document versions, schema
/// versions), rebuilt once when the fingerprint changes: concurrent callers that see a new
/// fingerprint wait for one build instead of each building. The segment and flag catalogs keep
/// their compiled rule sets this way.
/// </summary>
public sealed class FingerprintedValue<T> : IDisposable
    where T : class
{
    private readonly SemaphoreSlim _build = new(1, 1);
    private volatile Entry? _current;

    /// <summary>The value built for <paramref name="fingerprint"/>, building it with <paramref name="build"/> when the fingerprint is new.</summary>
    public async ValueTask<T> GetAsync<TState>(
        string fingerprint,
        TState state,
        Func<TState, string, T> build,
        CancellationToken cancellationToken
    )
    {
        var current = _current;
        if (current is not null && current.Fingerprint == fingerprint)
        {
            return current.Value;
        }
        await _build.WaitAsync(cancellationToken);
        try
        {
            current = _current;
            if (current is not null && current.Fingerprint == fingerprint)
            {
                return current.Value;
            }
            var value = build(state, fingerprint);
            _current = new Entry(fingerprint, value);
            return value;
        }
        finally
        {
            _build.Release();
        }
    }

    public void Dispose() => _build.Dispose();

    private sealed record Entry(string Fingerprint, T Value);
}
