using System.Diagnostics;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Cli.Tests;

/// <summary>A finished run of a command-line tool: exit code, stdout bytes, stderr text.</summary>
public sealed record Run(int ExitCode, byte[] Stdout, string Stderr)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Stdout);
}

/// <summary>Runs store-cli (its build next to these tests) and redis-cli as child processes, stdin given, stdout captured as bytes.</summary>
public static class CliProcess
{
    public static string StoreCliDll => Path.Combine(AppContext.BaseDirectory, "store-cli.dll");

    /// <summary>store-cli against <paramref name="host"/> with the full token (-u, -t first, then <paramref name="args"/>).</summary>
    public static Task<Run> StoreCliAsync(StoreHost host, IEnumerable<string> args, byte[]? stdin = null, TimeSpan? timeout = null) =>
        RunAsync("dotnet", [StoreCliDll, "-u", host.BaseUrl, "-t", StoreHost.FullToken, .. args], stdin, timeout);

    public static Task<Run> RedisCliAsync(int port, IEnumerable<string> args, byte[]? stdin = null) =>
        RunAsync("redis-cli", ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args], stdin, null);

    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("FAKETTY");
        psi.Environment.Remove("STORE_URL");
        psi.Environment.Remove("STORE_TOKEN");
        return psi;
    }

    public static async Task<Run> RunAsync(string file, IEnumerable<string> args, byte[]? stdin, TimeSpan? timeout)
    {
        using var process = Process.Start(StartInfo(file, args))!;
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.BaseStream.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish: {await stderr}");
        }
        await copy;
        return new Run(process.ExitCode, stdout.ToArray(), await stderr);
    }
}
