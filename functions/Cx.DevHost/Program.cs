using Cx.DevHost;
using Cx.Hosting;
using Cx.Http.Problems;

// Runs the function app's own functions in one process, without Azure Functions Core Tools:
// the HTTP functions of functions.metadata on Kestrel, its timers on their schedules.
var commandLine = DevHostCommandLine.Parse(args);
var builder = WebApplication.CreateBuilder(
    new WebApplicationOptions { Args = commandLine.Remaining, ContentRootPath = Directory.GetCurrentDirectory() }
);
builder.Configuration.AddFunctionsLocalSettings(commandLine.SettingsPath ?? Path.Combine(AppContext.BaseDirectory, "local.settings.json"));
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls($"http://127.0.0.1:{commandLine.Port}");
}

var functionApp = typeof(Cx.Functions.ProblemDetailsMiddleware).Assembly;
var functions = FunctionMetadata.Load(Path.Combine(AppContext.BaseDirectory, FunctionMetadata.FileName));
builder.Services.AddCx(builder.Configuration);
builder.Services.AddSingleton<DemoData>();
builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<TimerFunctionScheduler>(sp, functions, functionApp));

var app = builder.Build();
app.UseMiddleware<ProblemDetailsMiddleware>();
app.UseStatusCodePages(context => ProblemMapper.WriteStatusAsync(context.HttpContext));
app.MapHttpFunctions(functions, functionApp, FunctionMetadata.ReadRoutePrefix(Path.Combine(AppContext.BaseDirectory, "host.json")));

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
