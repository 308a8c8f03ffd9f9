using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Serverless.Store.Durable;
using Serverless.Store.Standalone;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// Azurite on free loopback ports with a temporary folder, and the standalone Durable Task engine
/// in this process on a fresh task hub. Both are stopped and the folder deleted at the end.
/// Azurite is found through AZURITE_BIN, else node_modules/.bin up from the working directory
/// (tests/node_modules, which tests/run.sh installs), else `npx --no-install azurite`.
/// </summary>
public sealed class DurableFixture : IAsyncLifetime
{
    Process? azurite;
    readonly string folder = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N")[..8]);

    public DurableEngine Engine { get; private set; } = null!;
    public DurableStore Store => Engine.Store;
    public string ConnectionString { get; private set; } = "";

    /// <summary>Every HTTP request the engine sends to Azure Storage (benchmarks report requests per write).</summary>
    public StorageRequestCounter Requests { get; } = new();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        int blob = FreePort(), queue = FreePort(), table = FreePort();
        var (file, prefixArgs) = FindAzurite();
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in prefixArgs.Concat(["--silent", "--location", folder, "--skipApiVersionCheck", "--loose",
                     "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                     "--blobPort", blob.ToString(), "--queuePort", queue.ToString(), "--tablePort", table.ToString()]))
            psi.ArgumentList.Add(a);
        azurite = Process.Start(psi) ?? throw new InvalidOperationException("azurite did not start");
        azurite.OutputDataReceived += (_, _) => { };
        azurite.ErrorDataReceived += (_, _) => { };
        azurite.BeginOutputReadLine();
        azurite.BeginErrorReadLine();
        foreach (var port in new[] { blob, queue, table }) await WaitForPort(port);

        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
        var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
        Engine = new DurableEngine(new DurableEngineOptions
        {
            StorageConnection = ConnectionString,
            TaskHub = "test" + Guid.NewGuid().ToString("N")[..8],
            StorageRequests = Requests,
        }, loggers);
        await Engine.StartAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Engine is not null) await Engine.DisposeAsync();
        }
        finally
        {
            if (azurite is { HasExited: false })
            {
                azurite.Kill(entireProcessTree: true);
                await azurite.WaitForExitAsync();
            }
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    static (string File, string[] Args) FindAzurite()
    {
        if (Environment.GetEnvironmentVariable("AZURITE_BIN") is { Length: > 0 } bin) return (bin, []);
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite");
            if (File.Exists(candidate)) return (candidate, []);
        }
        return ("npx", ["--no-install", "azurite"]);
    }

    static async Task WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
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

    static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}

[CollectionDefinition(Name)]
public sealed class DurableCollection : ICollectionFixture<DurableFixture>
{
    public const string Name = "durable";
}
