using System.Diagnostics;
using System.Text.Json;

namespace Cx.Integration.Tests.Portability;

/// <summary>An independent CSV reader for the export tests: Python's standard csv module.</summary>
internal static class PythonCsv
{
    /// <summary>Parses <paramref name="csv"/> and returns its rows.</summary>
    public static async Task<List<List<string>>> ReadAsync(string csv)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))");
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(csv);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return JsonSerializer.Deserialize<List<List<string>>>(output)!;
    }
}
