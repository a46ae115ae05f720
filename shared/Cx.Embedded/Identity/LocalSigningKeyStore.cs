using System.Security.Cryptography;
using System.Text.Json;
using Cx.Core.Identity;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Identity;

/// <summary>
/// The development signing key of embedded mode: an EC P-256 key generated on first use and
/// kept in <see cref="AuthOptions.LocalKeyFolder"/> (under <c>.data/</c>, never committed), so the
/// DevHost and its <c>token</c> command sign with the same key across restarts.
/// </summary>
public sealed class LocalSigningKeyStore(IOptions<AuthOptions> options) : ISigningKeyStore
{
    private const string FileName = "signing-key.json";
    private readonly Lazy<IReadOnlyList<SigningKey>> _keys = new(() => [LoadOrCreate(options.Value.LocalKeyFolder)]);

    public ValueTask<IReadOnlyList<SigningKey>> GetKeysAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_keys.Value);

    private static SigningKey LoadOrCreate(string folder)
    {
        var path = Path.Combine(Path.GetFullPath(folder), FileName);
        if (File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize<StoredKey>(File.ReadAllText(path))!;
            return ConfiguredSigningKeyStore.Load(new SigningKeyOptions { Id = stored.Id, PrivateKeyPem = stored.PrivateKeyPem });
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var created = new StoredKey("dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), ecdsa.ExportPkcs8PrivateKeyPem());
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(created));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException)
        {
            // Another process created the key first; use theirs.
            File.Delete(temporary);
            return LoadOrCreate(folder);
        }
        return ConfiguredSigningKeyStore.Load(new SigningKeyOptions { Id = created.Id, PrivateKeyPem = created.PrivateKeyPem });
    }

    private sealed record StoredKey(string Id, string PrivateKeyPem);
}
