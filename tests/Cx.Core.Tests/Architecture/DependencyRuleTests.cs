using System.Reflection;
using NetArchTest.Rules;

namespace Cx.Core.Tests.Architecture;

/// <summary>The dependency rule of ARCHITECTURE.md, enforced on the compiled assemblies.</summary>
public sealed class DependencyRuleTests
{
    private static readonly Assembly Core = typeof(Cx.Core.Content.EntryService).Assembly;
    private static readonly Assembly Http = typeof(Cx.Http.HttpOptions).Assembly;
    private static readonly Assembly Embedded = typeof(Cx.Embedded.EmbeddedServiceCollectionExtensions).Assembly;
    private static readonly Assembly Azure = Assembly.Load("Cx.Azure");

    private static void AssertNoDependency(Assembly assembly, params string[] forbidden)
    {
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(
            result.IsSuccessful,
            $"{assembly.GetName().Name} depends on {string.Join(", ", forbidden)}: {string.Join(", ", result.FailingTypeNames ?? [])}"
        );
    }

    [Fact]
    public void Core_should_not_depend_on_azure_sql_http_or_adapters() =>
        AssertNoDependency(
            Core,
            "Microsoft.Azure",
            "Azure",
            "Microsoft.Data.Sqlite",
            // HTTP: the ASP.NET Core request pipeline. (Microsoft.AspNetCore.Identity's password
            // hasher is allowed: it ships in Microsoft.Extensions.Identity.Core, with no HTTP in it.)
            "Microsoft.AspNetCore.Http",
            "Microsoft.AspNetCore.Mvc",
            "Microsoft.AspNetCore.Routing",
            "Microsoft.AspNetCore.Builder",
            "Microsoft.AspNetCore.Hosting",
            "System.Net.Http",
            "Cx.Http",
            "Cx.Embedded",
            "Cx.Azure",
            "Cx.Hosting"
        );

    [Fact]
    public void Http_contract_should_not_depend_on_adapters() =>
        AssertNoDependency(Http, "Cx.Embedded", "Cx.Azure", "Cx.Hosting", "Microsoft.Data.Sqlite", "Microsoft.Azure.Cosmos");

    [Fact]
    public void Embedded_adapters_should_not_depend_on_azure_or_http() =>
        AssertNoDependency(Embedded, "Cx.Azure", "Cx.Http", "Cx.Hosting", "Microsoft.Azure", "Microsoft.AspNetCore");

    [Fact]
    public void Azure_adapters_should_not_depend_on_embedded_or_http() =>
        AssertNoDependency(Azure, "Cx.Embedded", "Cx.Http", "Cx.Hosting", "Microsoft.AspNetCore");
}
