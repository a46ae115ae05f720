namespace Cx.Integration.Tests.Infrastructure;

/// <summary>Locates the repository (the folder holding Functions.sln) from the test binaries.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Functions.sln was not found above the test binaries.");
    });

    public static string Root => RootPath.Value;

    public static string NodeModules => Path.Combine(Root, "node_modules");

    /// <summary>The path of an npm package's file, failing clearly when `npm ci` has not been run.</summary>
    public static string NodePackageFile(string package, string relativePath)
    {
        var path = Path.Combine(NodeModules, package, relativePath);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"{package} is not installed ({path} is missing). Run `npm ci` in the repository root (the test command does)."
            );
    }
}
