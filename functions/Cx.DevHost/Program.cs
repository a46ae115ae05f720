using System.Diagnostics;
using Cx.Core.Identity;
using Cx.DevHost;
using Cx.DevHost.Durable;
using Cx.DevHost.Realtime;
using Cx.Hosting;
using Cx.Http.Problems;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

// Runs the function app's own functions in one process, without Azure Functions Core Tools:
// the HTTP functions of functions.metadata on Kestrel, its timers on their schedules, its Durable
// orchestrators and activities on the in-process Durable backend.
DevHostCommandLine commandLine;
try
{
    commandLine = DevHostCommandLine.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}

// The dev host has no appsettings files to reload; watching them costs an inotify instance per
// host, and a test run starts dozens of hosts.
var builder = WebApplication.CreateBuilder(
    new WebApplicationOptions
    {
        Args = [.. commandLine.Remaining, "--hostBuilder:reloadConfigOnChange=false"],
        ContentRootPath = Directory.GetCurrentDirectory(),
    }
);
builder.Configuration.AddFunctionsLocalSettings(commandLine.SettingsPath ?? Path.Combine(AppContext.BaseDirectory, "local.settings.json"));
builder.Logging.AddFilter("Microsoft.AspNetCore.Cors", LogLevel.Warning);
var ownPort = string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]);
if (ownPort)
{
    // Checked before anything starts, so a taken port ends in one line instead of a host that half started.
    if (commandLine.Command is null && !DevHostCommandLine.IsPortFree(commandLine.Port))
    {
        await Console.Error.WriteLineAsync(DevHostCommandLine.PortTaken(commandLine.Port));
        return 1;
    }
    builder.WebHost.UseUrls($"http://127.0.0.1:{commandLine.Port}");
}

var functionApp = typeof(Cx.Functions.ProblemDetailsMiddleware).Assembly;
var functions = FunctionMetadata.Load(Path.Combine(AppContext.BaseDirectory, FunctionMetadata.FileName));
builder.Services.AddCx(builder.Configuration);
if (FaultInjection.Add(builder) is { } refused)
{
    Console.Error.WriteLine(refused);
    return 2;
}
builder.Services.AddCxRealtimeHub();
builder.Services.AddSingleton<DemoData>();
builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<TimerFunctionScheduler>(sp, functions, functionApp));
builder.Services.AddDurableFunctions(functions, functionApp);
builder.Services.AddCors();
builder.Services.AddSingleton<KestrelRejections>();
builder.Services.AddOptions<KestrelServerOptions>().Configure<KestrelRejections>((options, rejections) => rejections.Configure(options));

var app = builder.Build();
if (commandLine.Command == "token")
{
    return await TokenCommand.RunAsync(commandLine.CommandArguments, app.Services);
}
if (commandLine.Command == "audit")
{
    return await AuditCommand.RunAsync(commandLine.CommandArguments, app.Services);
}
if (commandLine.Command == "restore")
{
    return await RestoreCommand.RunAsync(commandLine.CommandArguments, app.Services);
}

using var rejectionEvents = app
    .Services.GetRequiredService<KestrelRejections>()
    .Observe(app.Services.GetRequiredService<DiagnosticListener>());
var origins = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.AllowedOrigins;
app.UseMiddleware<ProblemDetailsMiddleware>();
app.UseCors(cors =>
    cors.WithOrigins([.. origins])
        .AllowAnyHeader()
        .AllowAnyMethod()
        .AllowCredentials()
        .WithExposedHeaders("ETag", "Location", "Link", "Retry-After")
);
app.UseStatusCodePages(context => ProblemMapper.WriteStatusAsync(context.HttpContext));
app.MapHttpFunctions(functions, functionApp, FunctionMetadata.ReadRoutePrefix(Path.Combine(AppContext.BaseDirectory, "host.json")));
app.MapCxRealtimeHub();

try
{
    if (commandLine.SeedDemo is { } customers)
    {
        await app.StartAsync();
        await app.Services.GetRequiredService<DemoData>().SeedAsync(customers, app.Lifetime.ApplicationStopping);
        await app.WaitForShutdownAsync();
    }
    else
    {
        await app.RunAsync();
    }
}
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    // Taken between the check above and the bind, or an address given in urls / ASPNETCORE_URLS.
    await Console.Error.WriteLineAsync(
        ownPort ? DevHostCommandLine.PortTaken(commandLine.Port) : ex.Message + " Change the address in urls (ASPNETCORE_URLS)."
    );
    return 1;
}
return 0;
