using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

using Serverless.Store.Tests.Infrastructure;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// The real standalone store as a child process: Azurite on free loopback ports with a temporary
/// folder, then `dotnet Serverless.Store.Standalone.dll` (the build copied next to this test
/// assembly, else standalone/bin, else built) on a free port with a full and a read-only token
/// and a fresh task hub. <see cref="KillAndRestartAsync"/> kills the host with SIGKILL and starts
/// it again on the same storage. Everything is stopped and the folder deleted at the end.
/// </summary>
public class StoreHost : IAsyncLifetime
{
    /// <summary>App settings the host gets on top of storage, tokens and task hub (a subclass's own store).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    /// <summary>How many of the latest output lines are kept (Azurite's and the host's, as they came).</summary>
    protected virtual int KeptLines => 2000;

    /// <summary>The host's storage connection string (Azurite's, with its account key).</summary>
    public string StorageConnection => connection;

    /// <summary>The host's task hub (a fresh one per store).</summary>
    public string TaskHub => taskHub;

    /// <summary>Azurite's data folder and processor time, and the host's processor time (the soak's samples).</summary>
    public string StorageFolder => azurite!.DataFolder;
    public TimeSpan StorageCpuTime => azurite!.CpuTime;
    public TimeSpan HostCpuTime
    {
        get
        {
            host!.Refresh();
            return host.TotalProcessorTime;
        }
    }

    /// <summary>The output lines kept so far, host and Azurite, each prefixed with its source.</summary>
    public IReadOnlyList<string> Log() => hostLog.ToArray();

    public const string FullToken = "http-tests-full-token";
    public const string ReadOnlyToken = "http-tests-read-token";

    readonly string taskHub = "http" + Guid.NewGuid().ToString("N")[..8];
    readonly ConcurrentQueue<string> hostLog = new();
    Azurite? azurite;
    Process? host;
    string hostDll = "";
    string connection = "";

    public int Port { get; } = Ports.Free();
    public Uri BaseUri => new($"http://127.0.0.1:{Port}/api");
    public string BaseUrl => BaseUri.ToString();

    /// <summary>A client with the full token; callers add headers per request.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromMinutes(3),
    };

    public virtual async Task InitializeAsync()
    {
        hostDll = await FindHostAsync();
        await StartAzuriteAsync();
        await StartHostAsync();
    }

    async Task StartAzuriteAsync()
    {
        azurite = await Azurite.StartAsync(line => Keep("azurite", line));
        connection = azurite.ConnectionString;
        accountKey = System.Text.RegularExpressions.Regex.Match(connection, "AccountKey=([^;]+)").Groups[1].Value;
    }

    async Task StartHostAsync()
    {
        host = Start(HostStartInfo(Port), "host");
        await WaitUntilServingAsync();
    }

    ProcessStartInfo HostStartInfo(int port)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(hostDll)!,
        };
        psi.ArgumentList.Add(hostDll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{port}");
        psi.Environment["AzureWebJobsStorage"] = connection;
        psi.Environment["STORE_TOKEN"] = FullToken;
        psi.Environment["STORE_READONLY_TOKEN"] = ReadOnlyToken;
        psi.Environment["TaskHub"] = taskHub;
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["ReplyTimeoutSeconds"] = "150"; // tests wait for replies; a busy machine can be slow, not wrong
        foreach (var (name, value) in Settings) psi.Environment[name] = value;
        return psi;
    }

    readonly List<Process> instances = [];

    /// <summary>What node tests get besides STORE_URL and STORE_TOKEN.</summary>
    protected virtual IReadOnlyDictionary<string, string> NodeEnvironment { get; } = new Dictionary<string, string>();

    /// <summary>
    /// Another host process on this store's storage and task hub, as a second instance of one app;
    /// answers its REST base once it serves. It stops with the fixture.
    /// </summary>
    protected async Task<string> StartAnotherInstanceAsync()
    {
        var port = Ports.Free();
        var instance = Start(HostStartInfo(port), "host" + (instances.Count + 2));
        instances.Add(instance);
        var baseUrl = $"http://127.0.0.1:{port}/api";
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (instance.HasExited) throw new InvalidOperationException($"the second host exited with {instance.ExitCode}:\n{RecentLog()}");
            try
            {
                using var ping = new HttpRequestMessage(HttpMethod.Get, baseUrl);
                ping.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FullToken);
                using var response = await Http.SendAsync(ping);
                if (response.IsSuccessStatusCode) return baseUrl;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the second host did not serve within 2 minutes:\n{RecentLog()}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Until /api answers a read and a write: the write needs the worker, which after a kill may
    /// first wait for the dead process's queue leases to expire.
    /// </summary>
    async Task WaitUntilServingAsync()
    {
        var started = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(120);
        string last = "";
        while (started.Elapsed < deadline)
        {
            if (host!.HasExited) throw new InvalidOperationException($"the store host exited with {host.ExitCode}:\n{RecentLog()}");
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var (status, body) = await SendAsync(["SET", "__storehost:ready", "1"], cancellation: cts.Token);
                if (status == 200) return;
                last = $"{status} {body}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the store host did not serve within {deadline}: {last}\n{RecentLog()}");
    }

    /// <summary>kill -9 the host (no graceful shutdown), then start it again on the same storage and task hub.</summary>
    public async Task<TimeSpan> KillAndRestartAsync()
    {
        host!.Kill(entireProcessTree: true); // SIGKILL on Linux
        await host.WaitForExitAsync();
        host.Dispose();
        var clock = Stopwatch.StartNew();
        await StartHostAsync();
        return clock.Elapsed;
    }

    /// <summary>Storage goes away (Azurite killed, its data kept) until <see cref="StartStorageAsync"/>.</summary>
    public Task StopStorageAsync() => azurite!.StopAsync();

    public Task StartStorageAsync() => azurite!.RestartAsync();

    /// <summary>A normal stop signal (SIGTERM) to the host; completes when it has exited, with its exit code.</summary>
    public async Task<int> StopHostAsync()
    {
        Process.Start("kill", ["-TERM", host!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        await host.WaitForExitAsync();
        return host.ExitCode;
    }

    /// <summary>Whether the host process is still running (not crashed).</summary>
    public bool HostRunning => host is { HasExited: false };

    public string RecentLog() => string.Join('\n', hostLog.TakeLast(60));

    /// <summary>One command as a JSON array to POST /api (strings exact, base64-encoded replies when asked).</summary>
    public Task<(int Status, string Body)> SendAsync(string[] command, string? token = FullToken, bool base64 = false, CancellationToken cancellation = default) =>
        PostAsync("", JsonSerializer.Serialize(command), token, base64, cancellation);

    public async Task<(int Status, string Body)> PostAsync(string path, string json, string? token = FullToken, bool base64 = false, CancellationToken cancellation = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl.TrimEnd('/') + path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        return await SendRequestAsync(request, token, base64, cancellation);
    }

    /// <summary>Bytes to POST (an RDB file to <c>/restore</c>), as application/octet-stream.</summary>
    public Task<(int Status, string Body)> PostBytesAsync(string path, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl.TrimEnd('/') + path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return SendRequestAsync(request);
    }

    /// <summary>The text of an answer's <c>{"error"}</c>.</summary>
    public static string ErrorOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;

    /// <summary>Random letters, the same for a seed: no JSON escaping, and not so regular that compression hides the size.</summary>
    public static string Letters(int bytes, int seed)
    {
        var random = new Random(seed);
        return string.Create(bytes, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = (char)('a' + r.Next(26));
        });
    }

    public async Task<(int Status, string Body)> SendRequestAsync(HttpRequestMessage request, string? token = FullToken, bool base64 = false, CancellationToken cancellation = default)
    {
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (base64) request.Headers.Add("Upstash-Encoding", "base64");
        using var response = await Http.SendAsync(request, cancellation);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellation));
    }

    /// <summary>One command's result, failing with the host's log when it is not 200.</summary>
    public async Task<JsonElement> ResultAsync(params string[] command)
    {
        var (status, body) = await SendAsync(command);
        if (status != 200) throw new Xunit.Sdk.XunitException($"{string.Join(' ', command)} -> {status} {body}\n{RecentLog()}");
        return JsonDocument.Parse(body).RootElement.GetProperty("result").Clone();
    }

    /// <summary>
    /// Every line a host writes is checked for the tokens and the storage account key as it comes (not
    /// only the kept ones): issue #21 has every test over a real host, faults and hostile input
    /// included, run under this check.
    /// </summary>
    readonly SecretScan secretScan;

    public StoreHost() => secretScan = new(() => accountKey.Length > 0 ? [FullToken, ReadOnlyToken, accountKey] : [FullToken, ReadOnlyToken]);

    string accountKey = "";

    /// <summary>Where a host line held a secret (where, never the line): empty unless a log leaked one.</summary>
    public IReadOnlyCollection<string> SecretsLogged => secretScan.Found;

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (azurite is not null) await azurite.DisposeAsync();
        foreach (var p in instances.Prepend(host))
        {
            if (p is null) continue;
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        // A secret in the host's log fails the collection (xunit reports a fixture's cleanup failure
        // as a failed test), whichever test's request made the host log it.
        secretScan.ThrowIfFound();
    }

    Process Start(ProcessStartInfo psi, string name)
    {
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"{name} did not start");
        p.OutputDataReceived += (_, e) => Keep(name, e.Data);
        p.ErrorDataReceived += (_, e) => Keep(name, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    void Keep(string name, string? line)
    {
        if (line is null) return;
        if (name.StartsWith("host", StringComparison.Ordinal)) secretScan.Check(name, line);
        hostLog.Enqueue($"[{name}] {line}");
        while (hostLog.Count > KeptLines) hostLog.TryDequeue(out _);
    }

    /// <summary>
    /// The host's build: the test project references it, so its dll, deps and runtimeconfig are
    /// copied next to this assembly; else the standalone project's own output; else build it.
    /// </summary>
    static async Task<string> FindHostAsync()
    {
        const string dll = "Serverless.Store.Standalone.dll";
        var here = Path.Combine(AppContext.BaseDirectory, dll);
        if (File.Exists(here) && File.Exists(Path.ChangeExtension(here, ".runtimeconfig.json"))) return here;
        var root = RepoRoot() ?? throw new InvalidOperationException($"{dll} is not next to the tests and the repository root was not found");
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Parent?.Name ?? "Debug";
        var built = Path.Combine(root, "standalone", "bin", configuration, "net10.0", dll);
        if (File.Exists(built)) return built;
        var psi = new ProcessStartInfo("dotnet", ["build", Path.Combine(root, "standalone"), "-c", configuration, "-nologo", "-v", "q"]) { UseShellExecute = false };
        using var build = Process.Start(psi)!;
        await build.WaitForExitAsync();
        if (build.ExitCode != 0 || !File.Exists(built)) throw new InvalidOperationException($"building the standalone host failed ({build.ExitCode})");
        return built;
    }

    static string? RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "standalone", "Serverless.Store.Standalone.csproj"))) return dir.FullName;
        return null;
    }

    public static string? TestsFolder() => RepoRoot() is { } root ? Path.Combine(root, "tests") : null;

    /// <summary>
    /// Runs the node tests in <paramref name="target"/> against this store and fails unless they all
    /// passed, <paramref name="passes"/> of them when given; their output goes to the test's output.
    /// </summary>
    public async Task AssertNodeTestsPassAsync(string target, string package, TimeSpan timeout, Xunit.Abstractions.ITestOutputHelper output, int? passes = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var (exitCode, stdout, stderr) = await RunNodeTestsAsync(target, package, timeout, environment);
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.True(exitCode == 0, $"node --test {target} exited with {exitCode}:\n{stdout}\n{stderr}\n{RecentLog()}");
        Assert.Contains(passes is { } n ? $"# pass {n}" : "# pass", stdout);
        Assert.Contains("# fail 0", stdout);
    }

    /// <summary>
    /// Runs `node --test &lt;target&gt;` in the tests folder against this store (STORE_URL, STORE_TOKEN),
    /// after checking the npm package it needs is installed; the JavaScript clients' tests run this way.
    /// <paramref name="environment"/> adds variables of the test's own (e.g. a redis-server's port).
    /// </summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunNodeTestsAsync(string target, string package, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var tests = TestsFolder() ?? throw new InvalidOperationException("the repository's tests folder was not found");
        Assert.True(Directory.Exists(Path.Combine(tests, "node_modules", package)), "run `npm ci --prefix tests` first");
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = tests,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--test");
        psi.ArgumentList.Add(target);
        psi.Environment["STORE_URL"] = BaseUrl;
        psi.Environment["STORE_TOKEN"] = FullToken;
        foreach (var (name, value) in NodeEnvironment) psi.Environment[name] = value;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        using var node = Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await node.WaitForExitAsync(cancel.Token);
        return (node.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// A store of its own (its own Azurite, host and task hub) for a test class that judges the whole
/// keyspace, so nothing another class writes or leaves expiring can change what it judges. Request
/// bodies are limited to 1 MiB (<see cref="Limits"/>) so its oversized-request cases stay cheap.
/// </summary>
public sealed class OwnStoreHost : StoreHost
{
    public static readonly Serverless.Store.Api.RestLimits Limits = new(MaxBodyBytes: 1 << 20);

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        [Serverless.Store.Api.RestLimits.MaxBodySetting] = Limits.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// A store of its own for server-sent-event subscriptions: keyspace events on (every write then
/// also signals the registry, which the shared host should not pay for) and at most
/// <see cref="MaxStreams"/> streams, so the limit is cheap to reach.
/// </summary>
public sealed class EventStreamStoreHost : StoreHost
{
    public const int MaxStreams = 3;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        [Serverless.Store.Keyspace.KeyspaceNotifications.Setting] = "KEA",
        [Serverless.Store.Http.EventStreams.MaxStreamsSetting] = MaxStreams.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// A store of its own served by two host processes on one task hub (two instances of one app):
/// <see cref="SecondBaseUrl"/> is the second one's REST base.
/// </summary>
public sealed class TwoInstanceStoreHost : StoreHost
{
    public string SecondBaseUrl { get; private set; } = "";

    protected override IReadOnlyDictionary<string, string> NodeEnvironment => new Dictionary<string, string> { ["STORE_URL_2"] = SecondBaseUrl };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        SecondBaseUrl = await StartAnotherInstanceAsync();
    }
}

/// <summary>
/// A store of its own that logs everything it can (<c>DetailedLogs</c>, every category at Trace) and
/// keeps every line, for the test that looks for secrets in the log.
/// </summary>
public sealed class VerboseStoreHost : StoreHost
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        [Serverless.Store.Standalone.StoreLogging.DetailedSetting] = "true",
        ["Logging__LogLevel__Default"] = "Trace",
    };

    protected override int KeptLines => int.MaxValue;
}

/// <summary>
/// A store of its own whose keys hold at most <see cref="MaxValueBytes"/> (the <c>MaxValueBytes</c>
/// setting), so that the value limit is cheap to reach (<see cref="ValueLimitHttpTests"/>).
/// </summary>
public sealed class SmallValueStoreHost : StoreHost
{
    public const int MaxValueBytes = 256 * 1024;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        [Serverless.Store.Durable.KeyLimits.Setting] = MaxValueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>A store of its own whose storage a test takes away and brings back (<see cref="StopStorageAsync"/>).</summary>
public sealed class OutageStoreHost : StoreHost;

/// <summary>
/// A store of its own for the crash test (<see cref="CrashTests"/>): the TTL sweep runs every second
/// (<c>TtlSweepSeconds=1</c>) so a kill -9 can land while it sweeps, and nothing else the shared host
/// carries can be caught half done by the kill.
/// </summary>
public sealed class CrashStoreHost : StoreHost
{
    /// <summary>Whether the crash test runs (tests/tools/crash.sh sets CRASH_ROUNDS); else this store never starts.</summary>
    public static bool Enabled => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CRASH_ROUNDS"));

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        [Serverless.Store.Standalone.ExpirySweepService.Setting] = "1",
    };

    public override Task InitializeAsync() => Enabled ? base.InitializeAsync() : Task.CompletedTask;
}

/// <summary>
/// A store of its own for the soak (<see cref="SoakTests"/>), which judges the host's memory and its
/// task hub's storage. Deleted keys' rows go within a minute (message-reorder window 0, cleanup every
/// minute) so the cleanup's cycle fits a 3-minute run; tests/tools/soak.sh sets both for its own run.
/// </summary>
public sealed class SoakStoreHost : StoreHost
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["EntityMessageReorderWindowMinutes"] = Environment.GetEnvironmentVariable("SOAK_REORDER_WINDOW_MINUTES") ?? "0",
        [Serverless.Store.Standalone.EntityCleanupService.Setting] = Environment.GetEnvironmentVariable("SOAK_CLEANUP_MINUTES") ?? "1",
    };
}

/// <summary>One store host for every HTTP test class; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class StoreHostCollection : ICollectionFixture<StoreHost>
{
    public const string Name = "store-host";
}

/// <summary>Finds secrets in log lines and reports where, never the line itself.</summary>
public sealed class SecretScan(Func<IEnumerable<string>> secrets)
{
    readonly ConcurrentQueue<string> found = new();

    public IReadOnlyCollection<string> Found => found;

    public void Check(string source, string line)
    {
        var index = 0;
        foreach (var secret in secrets())
        {
            index++;
            var at = line.IndexOf(secret, StringComparison.Ordinal);
            if (at >= 0) found.Enqueue($"[{source}] a line holds secret #{index} at character {at}");
        }
    }

    public void ThrowIfFound()
    {
        if (!found.IsEmpty) throw new Xunit.Sdk.XunitException("the store host logged a secret:\n" + string.Join('\n', found.Take(20)));
    }
}
