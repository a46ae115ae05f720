using System.Net.Http.Headers;
using Cx.Core.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Infrastructure;

/// <summary>
/// The real DevHost (its Program, its functions.metadata, its middleware) on Kestrel at a free
/// loopback port, with its own SQLite file. Tests talk to it over HTTP like any client.
/// </summary>
public class DevHostFactory : WebApplicationFactory<Cx.DevHost.DevHostCommandLine>
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "cx-tests", Guid.NewGuid().ToString("n"));

    public DevHostFactory()
    {
        UseKestrel(0);
    }

    /// <summary>Extra settings (configuration keys with ':'), applied over the defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public string DataDirectory => _dataDirectory;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(_dataDirectory);
        builder.UseSetting("Cx:Storage:Sqlite:Path", Path.Combine(_dataDirectory, "cx.db"));
        builder.UseSetting("Cx:Content:DefinitionCacheSeconds", "0");
        builder.UseSetting("Cx:Auth:LocalKeyFolder", Path.Combine(_dataDirectory, "keys"));
        builder.UseSetting("Cx:Webhooks:SecretKeysFolder", Path.Combine(_dataDirectory, "webhook-keys"));
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>An HTTP client for the API root (<c>/api/v1/</c>), signed in as an admin.</summary>
    public HttpClient CreateApiClient() => CreateClientFor(Roles.Admin);

    /// <summary>
    /// An HTTP client for the API root (<c>/api/v1/</c>) with no credentials. Every response it
    /// receives is held to the OpenAPI document the server publishes
    /// (<see cref="OpenApiValidatingHandler"/>): one that breaks it fails the test. No redirects
    /// are followed.
    /// </summary>
    public HttpClient CreateAnonymousClient()
    {
        StartServer();
        var validator = new OpenApiValidatingHandler();
        var client = CreateDefaultClient(validator);
        if (validator.InnerHandler is HttpClientHandler sockets)
        {
            // On Kestrel the factory's inner handler follows redirects unless told not to.
            sockets.AllowAutoRedirect = false;
        }
        client.BaseAddress = new Uri(client.BaseAddress!, "/api/v1/");
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>
    /// A client that does not check responses against the OpenAPI document, for tests of
    /// protocol behaviour outside the operations (CORS preflight, rate limiting).
    /// </summary>
    public HttpClient CreateRawClient()
    {
        StartServer();
        var client = CreateDefaultClient();
        client.BaseAddress = new Uri(client.BaseAddress!, "/api/v1/");
        return client;
    }

    /// <summary>A client with a token for a staff role, or for a customer (role customer + id).</summary>
    public HttpClient CreateClientFor(string role, string? customerId = null, string? subject = null)
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", IssueToken(role, customerId, subject));
        return client;
    }

    /// <summary>A client that presents an API key.</summary>
    public HttpClient CreateClientWithKey(string apiKey)
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>A token signed by the DevHost's own key, as the `token` command makes them.</summary>
    public string IssueToken(string role, string? customerId = null, string? subject = null, TimeSpan? lifetime = null)
    {
        StartServer();
        var actor =
            role == Roles.Customer
                ? new Actor(ActorKind.Customer, customerId!, [Roles.Customer], Permissions.ForRoles([Roles.Customer]), customerId)
                : new Actor(ActorKind.Staff, subject ?? "test-" + role, [role], Permissions.ForRoles([role]));
        return Services
            .GetRequiredService<TokenService>()
            .IssueAsync(actor, CancellationToken.None, lifetime)
            .AsTask()
            .GetAwaiter()
            .GetResult()
            .Token;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open on a slow shutdown; the OS temp folder is cleaned eventually.
            }
        }
    }
}
