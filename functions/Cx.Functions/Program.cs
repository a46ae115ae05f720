using Cx.Functions;
using Cx.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ProblemDetailsMiddleware>();
builder.UseMiddleware<AccessMiddleware>();
builder.Services.AddCx(builder.Configuration);
builder.Build().Run();
