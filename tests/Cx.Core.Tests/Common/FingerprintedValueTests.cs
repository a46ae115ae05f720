using Cx.Core.Common;

namespace Cx.Core.Tests.Common;

public sealed class FingerprintedValueTests
{
    [Fact]
    public async Task Should_build_once_per_fingerprint_and_rebuild_when_it_changes()
    {
        using var value = new FingerprintedValue<string>();
        var builds = 0;
        string Build(int state, string fingerprint)
        {
            builds++;
            return fingerprint + "/" + state;
        }

        Assert.Equal("a/1", await value.GetAsync("a", 1, (s, f) => Build(s, f), CancellationToken.None));
        Assert.Equal("a/1", await value.GetAsync("a", 2, (s, f) => Build(s, f), CancellationToken.None));
        Assert.Equal(1, builds);
        Assert.Equal("b/3", await value.GetAsync("b", 3, (s, f) => Build(s, f), CancellationToken.None));
        Assert.Equal(2, builds);
    }

    [Fact]
    public async Task Should_let_concurrent_callers_with_a_new_fingerprint_share_one_build()
    {
        using var value = new FingerprintedValue<object>();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var builds = 0;
        object Build(int _, string __)
        {
            Interlocked.Increment(ref builds);
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(10));
            return new object();
        }

        var first = Task.Run(async () => await value.GetAsync("v1", 0, (s, f) => Build(s, f), CancellationToken.None));
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        // While the first build runs, later callers reach the build lock and wait there.
        var later = Enumerable
            .Range(0, 15)
            .Select(_ => value.GetAsync("v1", 0, (s, f) => Build(s, f), CancellationToken.None).AsTask())
            .ToArray();
        Assert.All(later, t => Assert.False(t.IsCompleted));
        release.Set();

        var results = await Task.WhenAll([first, .. later]);
        Assert.Equal(1, builds);
        Assert.All(results, r => Assert.Same(results[0], r));
    }
}
