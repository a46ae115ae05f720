using Cx.Core.Common;

namespace Cx.Http.Problems;

/// <summary>The body is larger than <see cref="HttpOptions.MaxBodyBytes"/> (413).</summary>
public sealed class PayloadTooLargeException(long limit) : CxException($"The request body is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;

    public override string Code => "payload-too-large";
}

/// <summary>The body is not in a media type the endpoint takes (415).</summary>
public sealed class UnsupportedMediaTypeException(string? received, IReadOnlyList<string> supported)
    : CxException($"Content-Type '{received ?? "(none)"}' is not supported here; send {string.Join(" or ", supported)}.")
{
    public IReadOnlyList<string> Supported { get; } = supported;

    public override string Code => "unsupported-media-type";
}
