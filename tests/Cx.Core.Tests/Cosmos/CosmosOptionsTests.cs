using System.Net.Security;
using Cx.Azure;
using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Cosmos;

public sealed class CosmosOptionsTests
{
    private const string Key = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    [Fact]
    public void Should_fail_start_up_naming_the_settings_when_no_connection_is_configured()
    {
        var result = Validate(new CosmosOptions());

        Assert.True(result.Failed);
        Assert.Contains("CosmosDb__accountEndpoint", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__CosmosDb", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_accept_an_identity_based_endpoint_with_a_user_assigned_identity()
    {
        Assert.True(Validate(new CosmosOptions { AccountEndpoint = "https://cx.documents.azure.com:443/", ClientId = "0000" }).Succeeded);
    }

    [Fact]
    public void Should_accept_an_emulator_connection_string_with_its_loopback_certificate()
    {
        var options = new CosmosOptions
        {
            ConnectionString = $"AccountEndpoint=https://localhost:8081/;AccountKey={Key};",
            GatewayMode = true,
            AcceptLoopbackCertificate = true,
        };

        Assert.True(Validate(options).Succeeded);
    }

    [Theory]
    [InlineData("https://cx.documents.azure.com:443/", true, "loopback")]
    [InlineData("https://10.0.0.5:8081/", true, "loopback")]
    [InlineData("https://127.0.0.1:8081/", false, "GatewayMode")]
    public void Should_refuse_the_loopback_certificate_setting_unless_the_endpoint_is_loopback_in_gateway_mode(
        string endpoint,
        bool gateway,
        string message
    )
    {
        var options = new CosmosOptions
        {
            ConnectionString = $"AccountEndpoint={endpoint};AccountKey={Key};",
            GatewayMode = gateway,
            AcceptLoopbackCertificate = true,
        };

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url", null)]
    [InlineData("http://cx.documents.azure.com/", null)]
    [InlineData(null, "AccountEndpoint=https://localhost:8081/;")]
    [InlineData(null, "garbage")]
    [InlineData("https://cx.documents.azure.com/", "AccountEndpoint=https://localhost:8081/;AccountKey=k;")]
    public void Should_refuse_a_malformed_or_ambiguous_connection(string? endpoint, string? connectionString)
    {
        Assert.True(Validate(new CosmosOptions { AccountEndpoint = endpoint, ConnectionString = connectionString }).Failed);
    }

    [Fact]
    public void Should_refuse_a_client_id_without_an_identity_based_endpoint()
    {
        var options = new CosmosOptions
        {
            ConnectionString = $"AccountEndpoint=https://localhost:8081/;AccountKey={Key};",
            ClientId = "0000",
        };

        Assert.True(Validate(options).Failed);
    }

    [Theory]
    [InlineData("ConnectionStrings:CosmosDb")]
    [InlineData("CosmosDb")]
    public void Should_read_the_connection_string_where_the_functions_host_reads_it(string key)
    {
        using var services = Build(
            new() { [key] = $"AccountEndpoint=https://localhost:8081/;AccountKey={Key};", ["Cx:Storage:Cosmos:Database"] = "crm" }
        );

        var options = services.GetRequiredService<IOptions<CosmosOptions>>().Value;

        Assert.Equal(("crm", "https://localhost:8081/"), (options.Database, options.ResolveEndpoint()!.ToString()));
    }

    [Fact]
    public void Should_read_the_identity_based_connection_and_ignore_connections_under_the_cx_section()
    {
        using var services = Build(
            new()
            {
                ["CosmosDb:accountEndpoint"] = "https://cx.documents.azure.com:443/",
                ["CosmosDb:clientId"] = "1111",
                ["Cx:Storage:Cosmos:ConnectionString"] = "AccountEndpoint=https://evil.example/;AccountKey=k;",
            }
        );

        var options = services.GetRequiredService<IOptions<CosmosOptions>>().Value;

        Assert.Equal(
            ("https://cx.documents.azure.com:443/", "1111", null),
            (options.AccountEndpoint, options.ClientId, options.ConnectionString)
        );
    }

    [Fact]
    public void Should_fail_on_first_use_when_the_options_are_invalid()
    {
        using var services = Build(new() { ["Cx:Storage:Cosmos:TombstoneTtlSeconds"] = "1" });

        var failures = Configuration.CxServices.ValidationFailures<CosmosOptions>(services);

        Assert.Contains(failures, f => f.Contains("TombstoneTtlSeconds", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("CosmosDb__accountEndpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_select_the_cosmos_store_and_feed_when_the_provider_is_cosmos()
    {
        using var services = BuildCx(
            new()
            {
                ["Cx:Storage:Provider"] = "cosmos",
                // No Cosmos analytics adapter yet (ADR 0101): the embedded one is chosen explicitly.
                ["Cx:Analytics:Provider"] = "Embedded",
                ["ConnectionStrings:CosmosDb"] = $"AccountEndpoint=https://localhost:8081/;AccountKey={Key};",
            }
        );

        // Not wrapped by the customer list cache: other instances' writes would not expire it (ADR 0403).
        Assert.IsType<CosmosDocumentStore>(services.GetRequiredService<IDocumentStore>());
        Assert.IsType<CosmosChangeFeed>(services.GetRequiredService<IChangeFeed>());
    }

    [Fact]
    public void Should_fail_start_up_listing_the_allowed_storage_providers_when_the_provider_is_unknown()
    {
        var error = Assert.Throws<InvalidOperationException>(() => BuildCx(new() { ["Cx:Storage:Provider"] = "Mongo" }));

        Assert.Contains("Allowed: Sqlite, Cosmos", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://127.0.0.1:8081/dbs", SslPolicyErrors.RemoteCertificateChainErrors, true)]
    [InlineData("https://localhost:8081/dbs", SslPolicyErrors.RemoteCertificateNameMismatch, true)]
    [InlineData("https://cx.documents.azure.com/dbs", SslPolicyErrors.RemoteCertificateChainErrors, false)]
    [InlineData("https://cx.documents.azure.com/dbs", SslPolicyErrors.None, true)]
    public void Should_accept_an_invalid_certificate_only_from_a_loopback_host(string url, SslPolicyErrors errors, bool accepted)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);

        Assert.Equal(accepted, CosmosClientFactory.AcceptLoopbackCertificate(request, null, null, errors));
    }

    private static ValidateOptionsResult Validate(CosmosOptions options) => new CosmosOptionsValidator().Validate(null, options);

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddCxCosmosStorage(configuration).BuildServiceProvider();
    }

    private static ServiceProvider BuildCx(Dictionary<string, string?> settings) => Configuration.CxServices.Build(settings);
}
