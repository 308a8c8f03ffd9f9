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

/// <summary>
/// A tool that keeps running (the prompt, SUBSCRIBE, --stat): its stdout collected as it comes, waited
/// on by text, and the process killed on dispose.
/// </summary>
public sealed class LiveProcess : IAsyncDisposable
{
    readonly System.Text.StringBuilder output = new();
    readonly Task reading;

    public Process Process { get; }

    public LiveProcess(ProcessStartInfo psi)
    {
        Process = Process.Start(psi)!;
        reading = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int n;
            while ((n = await Process.StandardOutput.ReadAsync(buffer)) > 0) lock (output) output.Append(buffer, 0, n);
        });
    }

    /// <summary>Everything the process printed so far.</summary>
    public string Text { get { lock (output) return output.ToString(); } }

    public async Task WaitForAsync(string expected)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2); // a bound on a hung process, not a timing assertion
        while (true)
        {
            var text = Text;
            if (text.Contains(expected, StringComparison.Ordinal)) return;
            if (DateTime.UtcNow > deadline) Assert.Fail($"expected:\n{expected}\ngot:\n{text}");
            await Task.Delay(100);
        }
    }

    bool disposed;

    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(10))); // stdout closes with the process tree
        Process.Dispose();
    }
}
