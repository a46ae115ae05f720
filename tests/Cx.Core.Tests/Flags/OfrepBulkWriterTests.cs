using System.Text.Json;
using Cx.Core.Flags;
using Cx.Http.Flags;
using static Cx.Core.Tests.Flags.FlagTestData;

namespace Cx.Core.Tests.Flags;

/// <summary>The OFREP bulk answer written from pieces kept per flag set: the same bytes as serializing it whole, and an ETag that follows the results.</summary>
public sealed class OfrepBulkWriterTests
{
    private static FlagSet Flags(string fingerprint = "test") =>
        FlagCatalog.Build(
            [
                Release(
                    Flag(
                        """
                        {"key":"banner","name":"Banner","valueType":"json","enabled":true,"offVariation":"plain",
                         "variations":[{"key":"plain","value":{"color":"grey"}},{"key":"bold","value":{"color":"red","size":2,"note":"<ü & \"q\">"}}],
                         "fallthrough":{"variation":"bold"}}
                        """
                    ),
                    version: 3
                ),
                Release(
                    Flag(
                        $$$$"""
                        {"key":"gold","name":"Gold","valueType":"boolean","enabled":true,"offVariation":"off","variations":{{{{BooleanVariations}}}},
                         "fallthrough":{"rollout":{"weights":[{"variation":"on","weight":5000},{"variation":"off","weight":5000}]}}}
                        """
                    )
                ),
                Release(
                    Flag(
                        """
                        {"key":"limit","name":"Limit","valueType":"number","enabled":true,"offVariation":"low",
                         "variations":[{"key":"low","value":1.5},{"key":"high","value":100}],"fallthrough":{"variation":"high"}}
                        """
                    )
                ),
            ],
            Content.SchemaBuilder.Customer(),
            fingerprint
        );

    private static FlagEvaluation[] Results(FlagSet set, params (int Variation, FlagReason Reason, FlagErrorCode Error)[] results) =>
        [.. results.Select((r, i) => new FlagEvaluation(set.Flags[i], new FlagResult(r.Variation, r.Reason, -1, r.Error, false)))];

    private static byte[] Whole(FlagEvaluation[] evaluations) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new OfrepBulkView([.. evaluations.Select(OfrepEndpoints.View)]),
            FlagJsonContext.Relaxed.OfrepBulkView
        );

    public static TheoryData<int> Cases() => [0, 1, 2, 3];

    private static FlagEvaluation[] Case(FlagSet set, int n) =>
        n switch
        {
            0 => Results(
                set,
                (1, FlagReason.Default, FlagErrorCode.None),
                (0, FlagReason.Split, FlagErrorCode.None),
                (1, FlagReason.Default, FlagErrorCode.None)
            ),
            1 => Results(
                set,
                (0, FlagReason.Disabled, FlagErrorCode.None),
                (-1, FlagReason.Error, FlagErrorCode.TargetingKeyMissing),
                (0, FlagReason.PrerequisiteFailed, FlagErrorCode.None)
            ),
            2 => Results(
                set,
                (1, FlagReason.TargetingMatch, FlagErrorCode.None),
                (-1, FlagReason.Error, FlagErrorCode.General),
                (0, FlagReason.TargetingMatch, FlagErrorCode.None)
            ),
            _ => Results(
                set,
                (1, FlagReason.Default, FlagErrorCode.None),
                (1, FlagReason.Split, FlagErrorCode.None),
                (1, FlagReason.Default, FlagErrorCode.None)
            ),
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_write_the_same_bytes_as_serializing_the_whole_answer(int n)
    {
        var set = Flags();
        var evaluations = Case(set, n);
        var (body, _) = OfrepBulkWriter.Write(set, evaluations, OfrepEndpoints.View);
        Assert.Equal(Whole(evaluations), body);
        // Again, from the pieces kept by the first call.
        Assert.Equal(Whole(evaluations), OfrepBulkWriter.Write(set, evaluations, OfrepEndpoints.View).Body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(3, json.RootElement.GetProperty("flags").GetArrayLength());
    }

    [Fact]
    public void Should_change_the_etag_with_any_result_or_the_flag_set_and_only_then()
    {
        var set = Flags();
        var etags = new HashSet<string>();
        foreach (var n in Cases())
        {
            var (_, etag) = OfrepBulkWriter.Write(set, Case(set, n), OfrepEndpoints.View);
            Assert.True(etags.Add(etag), $"case {n} has an ETag of its own");
            Assert.Equal(etag, OfrepBulkWriter.Write(set, Case(set, n), OfrepEndpoints.View).ETag);
        }
        // Only the reason differs (SPLIT vs DEFAULT on the same variation): another body, another ETag.
        var split = Results(
            set,
            (1, FlagReason.Default, FlagErrorCode.None),
            (0, FlagReason.Default, FlagErrorCode.None),
            (1, FlagReason.Default, FlagErrorCode.None)
        );
        Assert.True(etags.Add(OfrepBulkWriter.Write(set, split, OfrepEndpoints.View).ETag));
        // The same results over another compiled set (another publish): another ETag, though equal fingerprints agree.
        var republished = Flags("test-2");
        Assert.True(etags.Add(OfrepBulkWriter.Write(republished, Case(republished, 0), OfrepEndpoints.View).ETag));
        var same = Flags();
        Assert.Equal(
            OfrepBulkWriter.Write(set, Case(set, 0), OfrepEndpoints.View).ETag,
            OfrepBulkWriter.Write(same, Case(same, 0), OfrepEndpoints.View).ETag
        );
    }
}
