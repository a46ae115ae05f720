namespace Cx.Core.Tests.Configuration;

/// <summary>
/// The development key provider (a key generated on the instance's disk) never runs in Azure:
/// each instance would sign with its own key, and the key would not survive a restart.
/// </summary>
public sealed class KeyProviderInAzureTests
{
    public static TheoryData<Dictionary<string, string?>> AzureSettings() =>
        new()
        {
            new() { ["WEBSITE_SITE_NAME"] = "func-cx-prod" },
            new() { ["WEBSITE_SITE_NAME"] = "func-cx-prod", ["Cx:Auth:KeyProvider"] = "local" },
            new() { ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated", ["WEBSITE_INSTANCE_ID"] = "8f3c0a" },
        };

    [Theory]
    [MemberData(nameof(AzureSettings))]
    public void Should_refuse_to_start_with_the_local_key_provider_in_azure(Dictionary<string, string?> settings)
    {
        var failure = Assert.Throws<InvalidOperationException>(() => CxServices.Build(settings).Dispose());

        Assert.Contains("Cx:Auth:KeyProvider", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Configuration", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_start_with_configured_keys_in_azure() =>
        CxServices.Build(new() { ["WEBSITE_SITE_NAME"] = "func-cx-prod", ["Cx:Auth:KeyProvider"] = "Configuration" }).Dispose();

    [Fact]
    public void Should_start_with_the_local_key_provider_under_local_core_tools() =>
        // `func start` sets the worker runtime from local.settings.json, but not the App Service instance id.
        CxServices.Build(new() { ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated" }).Dispose();
}
