using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Serverless.Store.Tests.Infrastructure;

/// <summary>Loopback ports for the servers the tests start.</summary>
public static class Ports
{
    public static int Free()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public static async Task WaitUntilListening(int port, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}

/// <summary>
/// Azurite (the Azure Storage emulator, from tests/node_modules, which tests/run.sh installs; or
/// AZURITE_BIN) on free loopback ports with a temporary folder; killed and the folder deleted on
/// dispose.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    Process process;
    readonly string folder;
    readonly int[] ports;
    readonly Action<string>? log;

    public string ConnectionString { get; }

    /// <summary>Azurite's data folder: its tables, blobs and queues as it keeps them on disk.</summary>
    public string DataFolder => folder;

    /// <summary>The processor time Azurite has used so far (since its last start).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    Azurite(Process process, string folder, int[] ports, Action<string>? log, string connectionString)
    {
        this.process = process;
        this.folder = folder;
        this.ports = ports;
        this.log = log;
        ConnectionString = connectionString;
    }

    /// <param name="log">Receives Azurite's output lines (optional).</param>
    public static async Task<Azurite> StartAsync(Action<string>? log = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        int[] ports = [Ports.Free(), Ports.Free(), Ports.Free()];
        var process = await LaunchAsync(folder, ports, log);
        var connection =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports[0]}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{ports[1]}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{ports[2]}/devstoreaccount1;";
        return new Azurite(process, folder, ports, log, connection);
    }

    static async Task<Process> LaunchAsync(string folder, int[] ports, Action<string>? log)
    {
        var psi = new ProcessStartInfo(Executable()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--silent", "--location", folder, "--skipApiVersionCheck", "--loose",
                     "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                     "--blobPort", ports[0].ToString(), "--queuePort", ports[1].ToString(), "--tablePort", ports[2].ToString() })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("azurite did not start");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log?.Invoke(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log?.Invoke(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Bounded, not timed: node starts slowly on a busy machine (the suite's other processes share two cores).
        foreach (var port in ports) await Ports.WaitUntilListening(port, TimeSpan.FromMinutes(2));
        return process;
    }

    /// <summary>
    /// A storage outage: Azurite stops (a stop signal, so it saves its metadata: killed, it can lose
    /// the queues it made, which real storage never does); its data stays for <see cref="RestartAsync"/>.
    /// </summary>
    public async Task StopAsync()
    {
        Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Azurite again, on the same ports and data (the end of an outage).</summary>
    public async Task RestartAsync()
    {
        process.Dispose();
        process = await LaunchAsync(folder, ports, log);
    }

    static string Executable()
    {
        if (Environment.GetEnvironmentVariable("AZURITE_BIN") is { Length: > 0 } bin) return bin;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("Azurite is missing: run `npm ci --prefix tests` (or set AZURITE_BIN)");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { }
        process.Dispose();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
