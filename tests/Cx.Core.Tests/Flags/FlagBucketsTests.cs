using System.Text;
using System.Text.Json;
using Cx.Core.Flags;

namespace Cx.Core.Tests.Flags;

/// <summary>
/// The bucketing every SDK must reproduce: the C# implementation against the vectors that
/// flag-buckets.py computes with its own MurmurHash3 (checked there against SMHasher's known answers).
/// </summary>
public sealed class FlagBucketsTests
{
    private static JsonElement Vectors()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "tests", "Cx.Core.Tests", "Flags", "flag-buckets.json");
            if (File.Exists(path))
            {
                return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
            }
        }
        throw new InvalidOperationException("flag-buckets.json not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Should_hash_the_known_answers_of_murmur3()
    {
        foreach (var known in Vectors().GetProperty("murmur3").EnumerateArray())
        {
            var input = Encoding.UTF8.GetBytes(known.GetProperty("input").GetString()!);
            Assert.Equal(known.GetProperty("hash").GetUInt32(), FlagBuckets.Murmur3(input, known.GetProperty("seed").GetUInt32()));
        }
    }

    [Fact]
    public void Should_give_the_bucket_of_every_committed_vector()
    {
        var vectors = Vectors().GetProperty("vectors").EnumerateArray().ToList();
        Assert.True(vectors.Count >= 30);
        foreach (var vector in vectors)
        {
            var flag = vector.GetProperty("flag").GetString()!;
            var unit = vector.GetProperty("unit").GetString()!;
            Assert.Equal(vector.GetProperty("hash").GetUInt32(), FlagBuckets.Murmur3(Encoding.UTF8.GetBytes(flag + ":" + unit), 0));
            Assert.Equal(vector.GetProperty("bucket").GetInt32(), FlagBuckets.Bucket(flag, unit));
        }
    }

    [Fact]
    public void Should_bucket_long_ids_like_short_ones()
    {
        var unit = new string('u', 2000);
        Assert.Equal((int)(FlagBuckets.Murmur3(Encoding.UTF8.GetBytes("f:" + unit), 0) % 10000), FlagBuckets.Bucket("f", unit));
    }

    [Theory]
    [InlineData(0, 10000, 0)]
    [InlineData(4999, 10000, 0)]
    [InlineData(5000, 10000, 1)]
    [InlineData(9999, 10000, 1)]
    [InlineData(2499, 5000, 0)]
    [InlineData(2500, 5000, 1)]
    [InlineData(4999, 5000, 1)]
    [InlineData(5000, 5000, -1)]
    [InlineData(0, 0, -1)]
    public void Should_cut_the_covered_buckets_in_the_order_of_the_weights(int bucket, int coverage, int expected) =>
        Assert.Equal(expected, FlagBuckets.Pick(bucket, coverage, [5000, 5000]));

    [Fact]
    public void Should_skip_variations_of_weight_zero() => Assert.Equal(1, FlagBuckets.Pick(0, 10000, [0, 10000]));

    [Fact]
    public void Should_spread_units_evenly_over_the_buckets()
    {
        var counts = new int[10];
        for (var i = 0; i < 100_000; i++)
        {
            counts[FlagBuckets.Bucket("spread", "unit-" + i) / 1000]++;
        }
        // Chi-square with 9 degrees of freedom; 27.88 is its 0.999 quantile.
        var chi = counts.Sum(c => Math.Pow(c - 10_000, 2) / 10_000);
        Assert.True(chi < 27.88, $"chi-square {chi:F2} over deciles {string.Join(",", counts)}");
    }
}
