using System.Reflection;

namespace Cx.Http.OpenApi;

/// <summary>
/// Every documented operation of the API. Entries are found in static members marked
/// <see cref="ApiOperationsAttribute"/> (next to the route constants they use), so a new
/// function needs one entry and nothing else. Duplicate operation ids or method/path pairs
/// fail at start-up; the integration tests hold the catalog equal to functions.metadata.
/// </summary>
public sealed class ApiCatalog
{
    private static readonly string[] MethodOrder = ["GET", "PUT", "POST", "PATCH", "DELETE"];

    public ApiCatalog(IEnumerable<ApiOperation> operations)
    {
        var list = operations
            .OrderBy(o => o.Path, StringComparer.Ordinal)
            .ThenBy(o => Array.IndexOf(MethodOrder, o.Method) is var i and >= 0 ? i : MethodOrder.Length)
            .ToList();
        var problems = new List<string>();
        problems.AddRange(
            list.GroupBy(o => o.OperationId, StringComparer.Ordinal)
                .Where(g => g.Count() > 1)
                .Select(g => $"operation id {g.Key} is used twice")
        );
        problems.AddRange(
            list.GroupBy(o => (o.Method, o.Path)).Where(g => g.Count() > 1).Select(g => $"{g.Key.Method} {g.Key.Path} is documented twice")
        );
        problems.AddRange(
            list.Where(o => !MethodOrder.Contains(o.Method, StringComparer.Ordinal))
                .Select(o => $"{o.OperationId}: method '{o.Method}' is not one of {string.Join(", ", MethodOrder)}")
        );
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The API operation catalog is inconsistent: " + string.Join("; ", problems) + ".");
        }
        Operations = list;
    }

    public IReadOnlyList<ApiOperation> Operations { get; }

    /// <summary>The catalog of the operations declared in <paramref name="assemblies"/> (Cx.Http by default).</summary>
    public static ApiCatalog Discover(params Assembly[] assemblies)
    {
        var operations = new List<ApiOperation>();
        foreach (var assembly in assemblies.Length > 0 ? assemblies : [typeof(ApiCatalog).Assembly])
        {
            foreach (var type in assembly.GetTypes())
            {
                const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
                foreach (var member in type.GetMembers(Static).Where(m => m.IsDefined(typeof(ApiOperationsAttribute))))
                {
                    var value = member switch
                    {
                        PropertyInfo property => property.GetValue(null),
                        FieldInfo field => field.GetValue(null),
                        _ => null,
                    };
                    if (value is not IEnumerable<ApiOperation> declared)
                    {
                        throw new InvalidOperationException(
                            $"{type.FullName}.{member.Name} is marked [ApiOperations] but is not a static IEnumerable<ApiOperation>."
                        );
                    }
                    operations.AddRange(declared);
                }
            }
        }
        return new ApiCatalog(operations);
    }
}
