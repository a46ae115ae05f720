using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Cx.Core.Identity;

/// <summary>Authentication settings, bound from <c>Cx:Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Cx:Auth";

    /// <summary>The <c>iss</c> of the tokens Cx issues.</summary>
    [Required]
    public string Issuer { get; set; } = "cx";

    /// <summary>The <c>aud</c> of the tokens Cx issues and accepts.</summary>
    [Required]
    public string Audience { get; set; } = "cx-api";

    /// <summary>Lifetime of access tokens.</summary>
    [Range(1, 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>Lifetime of a refresh token (each use replaces it); a session ends after this much inactivity.</summary>
    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 30;

    /// <summary>Absolute lifetime of a session (a refresh-token family), however often it is refreshed.</summary>
    [Range(1, 365)]
    public int SessionMaxDays { get; set; } = 90;

    /// <summary>
    /// How long an instance trusts what it knows about revocations and API keys. A revoked
    /// session, a signed-out subject or a revoked key stops working within this bound on every
    /// instance (at once on the instance that revoked it).
    /// </summary>
    [Range(0, 300)]
    public int RevocationCacheSeconds { get; set; } = 5;

    /// <summary>
    /// Most entries each in-memory cache of the authentication path holds (API key lookups,
    /// validated access tokens, revocation states), whatever callers send; least recently used
    /// entries make way. Entries also expire with <see cref="RevocationCacheSeconds"/> (tokens with
    /// their expiry).
    /// </summary>
    [Range(100, 1_000_000)]
    public int MaxCachedEntries { get; set; } = 10_000;

    /// <summary>Failed password attempts before an account is locked.</summary>
    [Range(1, 100)]
    public int LockoutAttempts { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    [Range(1, 24 * 60)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Where signing keys come from: <c>Local</c> (generated under the data folder, embedded only) or <c>Configuration</c>.</summary>
    public string KeyProvider { get; set; } = "Local";

    /// <summary>Folder for the generated development key (KeyProvider=Local).</summary>
    public string LocalKeyFolder { get; set; } = ".data/keys";

    /// <summary>
    /// Signing keys (KeyProvider=Configuration): EC P-256 private keys as PEM, each with a key id.
    /// In Azure each PEM is a Key Vault reference. The newest active key signs; all validate, so
    /// rotation is: add a key, make it active, remove the old one after the longest token lifetime.
    /// </summary>
    [ValidateEnumeratedItems]
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];

    /// <summary>Browser origins allowed to call the API (CORS); empty allows none.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>External OpenID Connect issuers whose id_tokens can be exchanged for Cx tokens.</summary>
    [ValidateEnumeratedItems]
    public List<SsoIssuerOptions> SsoIssuers { get; set; } = [];

    /// <summary>Mark the refresh cookie Secure (keep true in production; false only for plain-HTTP local runs).</summary>
    public bool SecureCookies { get; set; } = true;
}

public sealed class SigningKeyOptions
{
    [Required]
    public string Id { get; set; } = "";

    /// <summary>EC P-256 private key, PKCS#8 or SEC1 PEM.</summary>
    [Required]
    public string PrivateKeyPem { get; set; } = "";

    public bool Active { get; set; } = true;
}

public sealed class SsoIssuerOptions
{
    /// <summary>Short key used in the claims-mapping document and the token request.</summary>
    [Required]
    public string Key { get; set; } = "";

    /// <summary>The exact <c>iss</c> of the id_tokens.</summary>
    [Required]
    public string Issuer { get; set; } = "";

    /// <summary>The <c>aud</c> the id_tokens must carry (your client id at that provider).</summary>
    [Required]
    public string Audience { get; set; } = "";

    /// <summary>Where the provider publishes its signing keys (JWKS).</summary>
    [Required]
    public string JwksUri { get; set; } = "";
}
