using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Identity;
using Cx.Http.Responses;

namespace Cx.Http.Identity;

/// <summary>One public signing key of Cx (JWK).</summary>
public sealed record JwkView(string Kty, string Crv, string Kid, string Use, string Alg, string X, string Y);

/// <summary>The JWKS document: the keys that verify Cx access tokens.</summary>
public sealed record JwksDocument(IReadOnlyList<JwkView> Keys);

/// <summary>The token request (form or JSON), RFC 6749 / RFC 8693 names.</summary>
public sealed record TokenRequest(
    string GrantType,
    string? Username = null,
    string? Password = null,
    string? RefreshToken = null,
    string? SubjectToken = null,
    string? SubjectTokenType = null,
    string? ClientType = null
);

/// <summary>The token revocation request (RFC 7009); the refresh cookie works too.</summary>
public sealed record RevokeRequest(string? Token = null);

/// <summary>The serializer contracts of the identity endpoints: the responses use them and the OpenAPI document is derived from them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(AccountView))]
[JsonSerializable(typeof(ItemsPage<AccountView>))]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(ItemsPage<ApiKeyView>))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(CreateAccountRequest))]
[JsonSerializable(typeof(UpdateAccountRequest))]
[JsonSerializable(typeof(SetPasswordRequest))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(JwksDocument))]
public sealed partial class IdentityJsonContext : JsonSerializerContext
{
    /// <summary>The context with readable escaping (no \u0027 for an apostrophe), as every Cx response.</summary>
    public static IdentityJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}

/// <summary>Token endpoint contracts use the snake_case names of OAuth.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull
)]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(RevokeRequest))]
public sealed partial class TokenJsonContext : JsonSerializerContext;
