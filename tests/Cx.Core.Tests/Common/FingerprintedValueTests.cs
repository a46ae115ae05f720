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
        var builds = 0;
        var callers = Enumerable
            .Range(0, 16)
            .Select(_ =>
                Task.Run(
                    async () =>
                        await value.GetAsync(
                            "v1",
                            0,
                            (_, _) =>
                            {
                                Interlocked.Increment(ref builds);
                                Thread.Sleep(20);
                                return new object();
                            },
                            CancellationToken.None
                        ),
                    CancellationToken.None
                )
            )
            .ToArray();
        var results = await Task.WhenAll(callers);
        Assert.Equal(1, builds);
        Assert.All(results, r => Assert.Same(results[0], r));
    }
}
