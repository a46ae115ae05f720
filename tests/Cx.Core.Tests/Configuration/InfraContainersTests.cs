using System.Text.RegularExpressions;
using Cx.Core.Documents;

namespace Cx.Core.Tests.Configuration;

/// <summary>
/// With local auth off, the app cannot create Cosmos DB containers in Azure: infra/ must declare
/// every container the product uses. This holds the Bicep list equal to <see cref="Containers.All"/>
/// plus the adapter's own (unique-value reservations and change-feed leases).
/// </summary>
public sealed partial class InfraContainersTests
{
    private static readonly string[] AdapterContainers = ["uniques", "leases", "realtime"];

    [GeneratedRegex(@"var cosmosContainerNames = \[(?<names>[^\]]*)\]", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerList();

    [Fact]
    public void Should_declare_every_container_in_the_bicep()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "Functions.sln")))
        {
            directory = directory.Parent;
        }
        var bicep = File.ReadAllText(Path.Combine(directory.FullName, "infra", "main.bicep"));
        var match = ContainerList().Match(bicep);
        Assert.True(match.Success, "cosmosContainerNames was not found in infra/main.bicep.");
        var declared = match
            .Groups["names"]
            .Value.Split('\n')
            .Select(l => l.Trim().Trim('\''))
            .Where(l => l.Length > 0)
            .Order(StringComparer.Ordinal);
        Assert.Equal(Containers.All.Concat(AdapterContainers).Order(StringComparer.Ordinal), declared);
    }
}
