using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Serverless.Store.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// Load over time (issue #21): a mixed load at a steady rate against a store of its own, sampled every
/// 10 s (the host's working set and managed heap from INFO memory; the task hub's rows, blobs and
/// queued messages, and Azurite's files on disk; storage requests from /stats; the processor time of
/// the host and of Azurite; errors, p50/p99 latency). It judges what must hold however slow the machine
/// is: no error and no transaction seen half applied, and memory and storage level off (the highest
/// value of the last third of the run at most 1.5 times the highest of the middle third, plus a
/// little). Latency is written down, never judged. 3 minutes in CI; tests/tools/soak.sh runs 30
/// (<c>SOAK_MINUTES</c>, <c>SOAK_RATE</c>), writes every sample to <c>SOAK_OUT</c> and draws the charts
/// in docs/reliability.md.
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class SoakTests(SoakStoreHost store, ITestOutputHelper output) : IClassFixture<SoakStoreHost>
{
    static double Setting(string name, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    static readonly TimeSpan Duration = TimeSpan.FromMinutes(Setting("SOAK_MINUTES", 3));
    static readonly double Rate = Setting("SOAK_RATE", 10); // requests per second
    static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);
    /// <summary>Requests out at once before a tick is skipped (the store fell far behind): counted, not sent.</summary>
    const int MaxInFlight = 1000;
    const int Strings = 200, Others = 50, Pairs = 10;

    static string S(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A request of the mix: where it goes, its body, and whether it reads an account pair.</summary>
    readonly record struct Request(string Path, string Body, bool ReadsPair);

    /// <summary>
    /// The i-th request of the mix, twenty to a cycle: reads and writes of 200 strings (SET with a
    /// 30-90 s TTL, so keys come and go), a new key with a 20 s TTL every cycle (a rate limiter's
    /// window keys), counters, hashes, sorted sets, a list kept at 100 by a pipeline, a 10-command
    /// pipeline, and transfers between account pairs (on one entity through a hash tag, and across two)
    /// with MGETs that must see each pair sum to 0.
    /// </summary>
    static Request Next(long i, Random random)
    {
        static string J(params string[] command) => JsonSerializer.Serialize(command);
        static string Batch(IEnumerable<string[]> commands) => JsonSerializer.Serialize(commands);
        var text = $"soak:s:{random.Next(Strings)}";
        var other = random.Next(Others);
        var pair = random.Next(Pairs);
        var (a, b) = (i % 20) is 16 or 17 ? ($"{{soak:t{pair}}}:a", $"{{soak:t{pair}}}:b") : ($"soak:u{pair}:a", $"soak:u{pair}:b");
        var list = $"soak:l:{other}";
        return (i % 20) switch
        {
            < 5 => new("", J("GET", text), false),
            < 7 => new("", J("SET", text, $"v{i}", "EX", S(30 + random.Next(60))), false),
            7 => new("", J("SET", $"soak:once:{i}", "1", "EX", "20"), false),
            < 10 => new("", J("INCR", $"soak:n:{other}"), false),
            10 => new("", J("HSET", $"soak:h:{other}", $"f{random.Next(20)}", $"v{i}"), false),
            11 => new("", J("HGETALL", $"soak:h:{other}"), false),
            12 => new("", J("ZADD", $"soak:z:{other}", S(random.Next(1000)), $"m{random.Next(100)}"), false),
            13 => new("", J("ZRANGE", $"soak:z:{other}", "0", "9", "WITHSCORES"), false),
            14 => new("/pipeline", Batch([["LPUSH", list, $"v{i}"], ["LTRIM", list, "0", "99"], ["LRANGE", list, "0", "9"]]), false),
            15 => new("/pipeline", Batch(Enumerable.Range(0, 10).Select(n =>
                n % 2 == 0 ? new[] { "GET", $"soak:s:{random.Next(Strings)}" } : ["SET", $"soak:s:{random.Next(Strings)}", $"p{i}", "EX", "60"])), false),
            16 or 18 => new("/multi-exec", Transfer(a, b, 1 + random.Next(9)), false),
            _ => new("", J("MGET", a, b), true),
        };
    }

    static string Transfer(string from, string to, int amount) =>
        JsonSerializer.Serialize(new[] { new[] { "DECRBY", from, S(amount) }, ["INCRBY", to, S(amount)] });

    /// <summary>What is wrong with a reply (null when nothing): a status or error, or a pair not summing to 0.</summary>
    static string? Judge(Request request, int status, string body)
    {
        if (status != 200) return $"HTTP {status}: {body}";
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var replies = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToArray() : [root];
        foreach (var reply in replies)
            if (!reply.TryGetProperty("result", out _)) return $"{request.Body} -> {reply}";
        if (request.ReadsPair)
        {
            var sum = root.GetProperty("result").EnumerateArray().Sum(v => v.ValueKind == JsonValueKind.Null ? 0 : long.Parse(v.GetString()!, CultureInfo.InvariantCulture));
            if (sum != 0) return $"a transfer seen half applied: {request.Body} -> {body}";
        }
        return null;
    }

    sealed record Sample(double Seconds, int Requests, int Errors, double P50Ms, double P99Ms, long Skipped,
        double WorkingSetMb, double GcHeapMb, long StorageRequests, TaskHubFootprint Storage, AzuriteFiles Disk,
        double HostCpuPercent, double AzuriteCpuPercent);

    /// <summary>Azurite's files by service (KB): what the emulator keeps of tables, blobs and queues.</summary>
    sealed record AzuriteFiles(double TableKb, double BlobKb, double QueueKb)
    {
        public static AzuriteFiles Measure(string folder)
        {
            static long Size(FileSystemInfo entry) => entry switch
            {
                FileInfo f => f.Length,
                DirectoryInfo d => d.EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length),
                _ => 0,
            };
            var entries = new DirectoryInfo(folder).EnumerateFileSystemInfos().ToList();
            double Kb(string service) => entries.Where(e => e.Name.Contains(service, StringComparison.OrdinalIgnoreCase)).Sum(Size) / 1024.0;
            return new(Kb("table"), Kb("blob"), Kb("queue"));
        }
    }

    /// <summary>Processor time at the previous sample: each sample reports the share of its own window.</summary>
    (TimeSpan At, TimeSpan Host, TimeSpan Azurite) lastCpu;

    [Fact]
    public async Task A_steady_mixed_load_runs_without_errors_while_memory_and_storage_level_off()
    {
        var outcomes = new ConcurrentQueue<(double Ms, string? Error)>();
        var errors = new ConcurrentQueue<string>();
        var inFlight = 0;
        long skipped = 0;
        var sent = new List<Task>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(Duration);

        async Task SendAsync(Request request)
        {
            var started = clock.Elapsed;
            string? error;
            try
            {
                var (status, body) = await store.PostAsync(request.Path, request.Body);
                error = Judge(request, status, body);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                error = $"{request.Body}: {e.GetType().Name} {e.Message}";
            }
            finally { Interlocked.Decrement(ref inFlight); }
            outcomes.Enqueue(((clock.Elapsed - started).TotalMilliseconds, error));
            if (error is not null) errors.Enqueue(error);
        }

        async Task LoadAsync()
        {
            var random = new Random(21);
            for (long i = 0; !stop.IsCancellationRequested; i++)
            {
                var wait = TimeSpan.FromSeconds(i / Rate) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                    try { await Task.Delay(wait, stop.Token); } catch (OperationCanceledException) { break; }
                var request = Next(i, random);
                if (Volatile.Read(ref inFlight) >= MaxInFlight) { skipped++; continue; }
                Interlocked.Increment(ref inFlight);
                sent.Add(SendAsync(request));
            }
            await Task.WhenAll(sent);
        }

        var samples = new List<Sample>();
        lastCpu = (clock.Elapsed, store.HostCpuTime, store.StorageCpuTime);
        async Task SampleAsync()
        {
            for (var next = SampleEvery; ; next += SampleEvery)
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                    try { await Task.Delay(wait, stop.Token); } catch (OperationCanceledException) { }
                if (stop.IsCancellationRequested) break;
                samples.Add(await TakeSampleAsync(clock.Elapsed, outcomes, Volatile.Read(ref skipped)));
            }
        }

        await Task.WhenAll(LoadAsync(), SampleAsync());
        // The last sample after every request has its answer: the tail of the run is in it.
        samples.Add(await TakeSampleAsync(clock.Elapsed, outcomes, skipped));

        Report(samples);
        var total = samples.Sum(s => s.Requests);
        Assert.True(total >= Rate * Duration.TotalSeconds / 2, $"only {total} requests were answered in {Duration}: the load did not run");
        Assert.True(errors.IsEmpty, $"{errors.Count} requests failed, the first:\n{string.Join('\n', errors.Take(10))}\n{store.RecentLog()}");
        var notLevel = new[]
        {
            LevelsOff(samples, "working set (MB)", s => s.WorkingSetMb, slack: 64),
            LevelsOff(samples, "managed heap (MB)", s => s.GcHeapMb, slack: 32),
            LevelsOff(samples, "table rows", s => s.Storage.Instances + s.Storage.History, slack: 100),
            LevelsOff(samples, "Azurite's table files (KB)", s => s.Disk.TableKb, slack: 256),
            LevelsOff(samples, "blob bytes", s => s.Storage.BlobBytes, slack: 256 * 1024),
        }.OfType<string>().ToList();
        Assert.True(notLevel.Count == 0, "still growing:\n" + string.Join('\n', notLevel));
    }

    async Task<Sample> TakeSampleAsync(TimeSpan at, ConcurrentQueue<(double Ms, string? Error)> outcomes, long skipped)
    {
        var window = new List<(double Ms, string? Error)>();
        while (outcomes.TryDequeue(out var o)) window.Add(o);
        var latencies = window.Select(o => o.Ms).Order().ToArray();
        double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];

        var info = (await store.ResultAsync("INFO", "memory")).GetString()!;
        double Mb(string field) =>
            long.Parse(info.Split("\r\n").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..], CultureInfo.InvariantCulture) / 1048576.0;

        // Storage requests of the last 10 seconds, as the host counted them second by second.
        var (_, stats) = await store.SendRequestAsync(new HttpRequestMessage(HttpMethod.Get, store.BaseUrl.TrimEnd('/') + "/stats"));
        var storageRequests = JsonDocument.Parse(stats).RootElement.GetProperty("result").GetProperty("seconds").EnumerateArray()
            .TakeLast((int)SampleEvery.TotalSeconds)
            .Sum(s => s.GetProperty("storageRequests") is { ValueKind: JsonValueKind.Number } n ? n.GetInt64() : 0);

        var storage = await TaskHubStorage.MeasureAsync(store.StorageConnection, store.TaskHub);
        var cpu = (At: at, Host: store.HostCpuTime, Azurite: store.StorageCpuTime);
        var wall = (cpu.At - lastCpu.At).TotalSeconds;
        double Percent(TimeSpan now, TimeSpan before) => wall > 0 ? 100 * (now - before).TotalSeconds / wall : double.NaN;
        var sample = new Sample(at.TotalSeconds, window.Count, window.Count(o => o.Error is not null), Percentile(0.50), Percentile(0.99), skipped,
            Mb("used_memory_rss"), Mb("used_memory"), storageRequests, storage, AzuriteFiles.Measure(store.StorageFolder),
            Percent(cpu.Host, lastCpu.Host), Percent(cpu.Azurite, lastCpu.Azurite));
        lastCpu = cpu;
        return sample;
    }

    /// <summary>
    /// Null when the series levels off: the highest value of the run's last third is at most 1.5 times
    /// the highest of its middle third plus <paramref name="slack"/> (memory and storage move in saw
    /// teeth, a garbage collection or a cleanup apart); else what grew.
    /// </summary>
    static string? LevelsOff(List<Sample> samples, string what, Func<Sample, double> value, double slack)
    {
        var end = samples[^1].Seconds;
        var middle = samples.Where(s => s.Seconds > end / 3 && s.Seconds <= 2 * end / 3).Select(value).DefaultIfEmpty(0).Max();
        var last = samples.Where(s => s.Seconds > 2 * end / 3).Select(value).DefaultIfEmpty(0).Max();
        return last <= 1.5 * middle + slack ? null : $"{what}: at most {middle:0.#} in the middle third, {last:0.#} in the last";
    }

    void Report(List<Sample> samples)
    {
        var csv = new StringBuilder("seconds,requests,errors,p50_ms,p99_ms,skipped,working_set_mb,gc_heap_mb,storage_requests,instances,history,blobs,blob_kb,queue_messages," +
            "azurite_table_kb,azurite_blob_kb,azurite_queue_kb,host_cpu_pct,azurite_cpu_pct\n");
        foreach (var s in samples)
            csv.Append(CultureInfo.InvariantCulture,
                $"{s.Seconds:0},{s.Requests},{s.Errors},{s.P50Ms:0.0},{s.P99Ms:0.0},{s.Skipped},{s.WorkingSetMb:0.0},{s.GcHeapMb:0.0},{s.StorageRequests}," +
                $"{s.Storage.Instances},{s.Storage.History},{s.Storage.Blobs},{s.Storage.BlobBytes / 1024.0:0.0},{s.Storage.QueueMessages}," +
                $"{s.Disk.TableKb:0.0},{s.Disk.BlobKb:0.0},{s.Disk.QueueKb:0.0},{s.HostCpuPercent:0},{s.AzuriteCpuPercent:0}\n");
        output.WriteLine($"{Duration.TotalMinutes} minutes at {Rate} requests/s:");
        output.WriteLine(csv.ToString());
        if (Environment.GetEnvironmentVariable("SOAK_OUT") is { Length: > 0 } file) File.WriteAllText(file, csv.ToString());
    }
}
