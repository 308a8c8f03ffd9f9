using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Serverless.Store.Infra.Tests;

/// <summary>One run of the Bicep CLI: exit code, output, and the diagnostics it printed.</summary>
sealed record BicepRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Lines like <c>path(3,7) : Warning no-unused-params: ...</c>, from either stream.</summary>
    public IReadOnlyList<string> Diagnostics =>
        (Stdout + "\n" + Stderr).Split('\n').Where(line => Diagnostic.IsMatch(line)).Select(line => line.Trim()).ToList();

    public bool Clean => ExitCode == 0 && Diagnostics.Count == 0;

    public override string ToString() => $"exit {ExitCode}\n{Stderr}\n{(Stdout.Length > 2000 ? Stdout[..2000] + "..." : Stdout)}";

    static readonly Regex Diagnostic = new(@"\(\d+,\d+\) : (Error|Warning|Info) ", RegexOptions.Compiled);
}

/// <summary>
/// The Bicep compiler from the NuGet package Azure.Bicep.CommandLine.linux-x64 (the csproj records
/// where restore put it), so CI needs neither the Azure CLI nor a download.
/// </summary>
static class Bicep
{
    public static readonly string Executable = Find();

    static string Find()
    {
        var root = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPackageRoot").Value;
        if (string.IsNullOrEmpty(root)) throw new InvalidOperationException("the BicepPackageRoot metadata is empty: is Azure.Bicep.CommandLine.linux-x64 restored?");
        var path = Path.Combine(root, "tools", "bicep");
        if (!File.Exists(path)) throw new FileNotFoundException("the Bicep CLI is not where its package should have it", path);
        // NuGet does not keep file modes everywhere it extracts packages. (The package is linux-x64 only.)
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("these tests run the linux-x64 Bicep CLI");
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute)) File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Runs <c>bicep args...</c>; environment variables are set for the child only.</summary>
    public static BicepRun Run(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) start.Environment.Remove(name); else start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A guard against a hung compiler, not a timing assertion.
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("bicep " + string.Join(' ', args) + " did not finish in 3 minutes");
        }
        return new BicepRun(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static BicepRun Build(string bicepFile) => Run(["build", bicepFile, "--stdout"]);

    public static BicepRun Lint(string bicepFile) => Run(["lint", bicepFile]);

    /// <summary>infra/main.bicep compiled once for all tests of this run.</summary>
    public static BicepRun MainBuild => mainBuild.Value;

    static readonly Lazy<BicepRun> mainBuild = new(() => Build(Repo.PathOf("infra", "main.bicep")));

    /// <summary>A fresh copy of the compiled ARM template (tests may change it).</summary>
    public static JsonObject MainTemplate()
    {
        var run = MainBuild;
        if (run.ExitCode != 0) throw new InvalidOperationException("infra/main.bicep does not build: " + run);
        return JsonNode.Parse(run.Stdout)!.AsObject();
    }
}
