using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

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
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>
    /// An HTTP client for the API root (<c>/api/v1/</c>). Every response it receives is held to
    /// the OpenAPI document the server publishes (<see cref="OpenApiValidatingHandler"/>): one
    /// that breaks it fails the test. No redirects are followed.
    /// </summary>
    public HttpClient CreateApiClient()
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
