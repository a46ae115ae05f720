using Cx.Core.Common;

namespace Cx.Core.Identity;

/// <summary>No valid credentials (401). <see cref="Error"/> is the OAuth/bearer error code.</summary>
public sealed class UnauthorizedException(string error, string message) : CxException(message)
{
    public const string InvalidToken = "invalid_token";
    public const string InvalidGrant = "invalid_grant";
    public const string InvalidRequest = "invalid_request";

    public string Error { get; } = error;

    public override string Code => "unauthorized";
}

/// <summary>Valid credentials that do not allow this operation (403).</summary>
public sealed class ForbiddenException(string message) : CxException(message)
{
    public override string Code => "forbidden";
}
