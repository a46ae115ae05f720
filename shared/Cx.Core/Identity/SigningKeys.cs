using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Core.Identity;

/// <summary>A signing key: its id, the EC key, and whether it signs new tokens.</summary>
public sealed record SigningKey(string Id, ECDsaSecurityKey Key, bool Active);

/// <summary>The port that supplies signing keys (generated locally, or from configuration/Key Vault).</summary>
public interface ISigningKeyStore
{
    ValueTask<IReadOnlyList<SigningKey>> GetKeysAsync(CancellationToken cancellationToken);
}

/// <summary>Keys from <see cref="AuthOptions.SigningKeys"/> (in Azure, Key Vault references).</summary>
public sealed class ConfiguredSigningKeyStore : ISigningKeyStore
{
    private readonly IReadOnlyList<SigningKey> _keys;

    public ConfiguredSigningKeyStore(Microsoft.Extensions.Options.IOptions<AuthOptions> options)
    {
        var configured = options.Value.SigningKeys;
        if (configured.Count == 0 || !configured.Any(k => k.Active))
        {
            throw new InvalidOperationException("Cx:Auth:KeyProvider is Configuration but Cx:Auth:SigningKeys has no active key.");
        }
        _keys = [.. configured.Select(Load)];
    }

    public static SigningKey Load(SigningKeyOptions options)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(options.PrivateKeyPem);
        }
        catch (ArgumentException ex)
        {
            ecdsa.Dispose();
            throw new InvalidOperationException($"Signing key '{options.Id}' is not a PEM EC private key.", ex);
        }
        if (ecdsa.KeySize != 256)
        {
            ecdsa.Dispose();
            throw new InvalidOperationException($"Signing key '{options.Id}' must be an EC P-256 key (ES256).");
        }
        return new SigningKey(options.Id, new ECDsaSecurityKey(ecdsa) { KeyId = options.Id }, options.Active);
    }

    public ValueTask<IReadOnlyList<SigningKey>> GetKeysAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_keys);
}
