using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Hosting;

/// <summary>
/// Prepares storage before the first request: containers and tables, built-in definitions,
/// indexes of every content type. Idempotent; safe on every start of every instance.
/// </summary>
public sealed partial class CxInitializer(
    IDocumentStore store,
    ContentTypeRegistry registry,
    Cx.Core.Segments.SegmentRegistry segments,
    Cx.Core.Personalization.DecisionLog decisionLog,
    AuditLog audit,
    Cx.Core.Lifecycle.HookFailureStore hookFailures,
    Cx.Core.Inbound.InboundSourceRegistry inboundSources,
    AccountService accounts,
    ISigningKeyStore keys,
    IOptions<BootstrapOptions> bootstrap,
    ILogger<CxInitializer> logger
) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        await registry.InitializeAsync(cancellationToken);
        await audit.InitializeAsync(cancellationToken);
        await segments.InitializeAsync(cancellationToken);
        await decisionLog.InitializeAsync(cancellationToken);
        await hookFailures.InitializeAsync(cancellationToken);
        await inboundSources.InitializeAsync(cancellationToken);
        await keys.GetKeysAsync(cancellationToken);
        await BootstrapAdminAsync(cancellationToken);
        LogReady(logger, store.GetType().Name);
    }

    /// <summary>Creates the bootstrap admin when configured and missing; never overwrites an existing account.</summary>
    private async Task BootstrapAdminAsync(CancellationToken cancellationToken)
    {
        if (bootstrap.Value is not { AdminEmail: { Length: > 0 } email, AdminPassword: { Length: > 0 } password })
        {
            return;
        }
        if (password.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            // An unresolved Key Vault reference arrives as its own text, which anyone could guess.
            throw new InvalidOperationException(
                "Cx:Auth:Bootstrap:AdminPassword is an unresolved Key Vault reference; refusing to use it as a password."
            );
        }
        try
        {
            await accounts.CreateAsync(email, password, [Roles.Admin], "Administrator", cancellationToken);
            LogBootstrapAdmin(logger, email);
        }
        catch (ConflictException)
        {
            // Already there.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Created the bootstrap admin account {Email}")]
    private static partial void LogBootstrapAdmin(ILogger logger, string email);

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Cx storage ready ({Store})")]
    private static partial void LogReady(ILogger logger, string store);
}

/// <summary>
/// An admin account created at start-up when missing (<c>Cx:Auth:Bootstrap</c>), so a new
/// deployment can be administered; in Azure the password is a Key Vault reference.
/// </summary>
public sealed class BootstrapOptions
{
    public const string Section = "Cx:Auth:Bootstrap";

    public string? AdminEmail { get; set; }

    public string? AdminPassword { get; set; }
}
