using System.Diagnostics;

namespace Serverless.Store.LoadGen;

sealed record RunOptions(TimeSpan Duration, TimeSpan Warmup, long? Count);

/// <summary>What one scenario measured against one target.</summary>
sealed record ScenarioResult(
    string Scenario, string Target, int Clients, int CommandsPerOp,
    long Ops, long Errors, double Seconds,
    double P50Ms, double P90Ms, double P99Ms, double MaxMs,
    long? StorageRequests, double? IdleStorageRequestsPerSecond, Dictionary<string, long>? StorageByKind,
    string? Check)
{
    public double OpsPerSecond => Seconds > 0 ? Ops / Seconds : 0;
    public double CommandsPerSecond => OpsPerSecond * CommandsPerOp;

    /// <summary>Storage requests per command, background polling included (an upper bound).</summary>
    public double? StoragePerCommand => StorageRequests is { } n && Ops > 0 ? (double)n / (Ops * CommandsPerOp) : null;

    /// <summary>Storage requests per command after taking off the idle polling rate measured before the run.</summary>
    public double? StoragePerCommandNet => StorageRequests is { } n && IdleStorageRequestsPerSecond is { } idle && Ops > 0
        ? Math.Max(0, n - idle * Seconds) / (Ops * CommandsPerOp) : null;
}

/// <summary>
/// Closed-loop clients: each sends its next operation when the previous one answered. Operations
/// that complete after the warm-up and before the deadline (or within the count) are recorded.
/// </summary>
static class Runner
{
    public static async Task<double?> IdleStorageRateAsync(ITarget target, TimeSpan window)
    {
        var before = await target.StorageRequestsAsync();
        if (before is null) return null;
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var after = await target.StorageRequestsAsync();
        return (after!["total"] - before["total"]) / watch.Elapsed.TotalSeconds;
    }

    public static async Task<ScenarioResult> RunAsync(Scenario scenario, ITarget target, string targetName, RunOptions options, double? idleRate)
    {
        if (scenario.Setup is { } setup) await setup(target);

        var clock = Stopwatch.StartNew();
        var warmupEnd = options.Warmup;
        var deadline = options.Warmup + options.Duration;
        long issued = 0, recorded = 0, errors = 0, acknowledged = 0;
        var latencies = new List<double>[scenario.Clients];
        // The storage counter is read when the measured window opens and when it closes.
        var atStart = SnapshotAt(target, clock, warmupEnd);
        var atDeadline = SnapshotAt(target, clock, deadline);

        using var progress = new Timer(_ => Console.Error.Write(
            $"\r  {targetName,-4} {scenario.Name}: {clock.Elapsed.TotalSeconds,5:0}s / {deadline.TotalSeconds:0}s, {Interlocked.Read(ref recorded)} recorded, {Interlocked.Read(ref errors)} errors   "),
            null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        var clients = Enumerable.Range(0, scenario.Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(c * 7919 + 1);
            var mine = latencies[c] = new List<double>(4096);
            while (true)
            {
                var start = clock.Elapsed;
                if (start >= deadline) break;
                bool ok;
                try
                {
                    ok = await scenario.Op(target, c, random);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    ok = false;
                }
                var end = clock.Elapsed;
                if (ok) Interlocked.Increment(ref acknowledged);
                // Throughput counts completions inside the window (an operation may have started in the
                // warm-up: with slow writes and many clients nothing would start and end in a short window).
                if (end < warmupEnd || (options.Count is null && end > deadline)) continue;
                if (options.Count is { } count && Interlocked.Increment(ref issued) > count) break;
                if (ok) mine.Add((end - start).TotalMilliseconds);
                else Interlocked.Increment(ref errors);
                Interlocked.Increment(ref recorded);
            }
        })).ToArray();
        await Task.WhenAll(clients);
        var (measureStart, before) = await atStart;
        // Count mode ends when the count is reached; duration mode at the deadline.
        var (measureEnd, after) = options.Count is null ? await atDeadline : (clock.Elapsed, await target.StorageRequestsAsync());
        Console.Error.WriteLine();

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var seconds = (measureEnd - measureStart).TotalSeconds;
        var check = scenario.Check is { } c2 ? await c2(target, Interlocked.Read(ref acknowledged)) : null;
        Dictionary<string, long>? byKind = null;
        if (before is not null && after is not null)
        {
            byKind = [];
            foreach (var (kind, n) in after)
                if (kind != "total" && n - before.GetValueOrDefault(kind) is var d and > 0) byKind[kind] = d;
        }
        return new ScenarioResult(scenario.Name, targetName, scenario.Clients, scenario.CommandsPerOp,
            all.Length, errors, seconds,
            Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99), all.Length > 0 ? all[^1] : double.NaN,
            before is not null && after is not null ? after["total"] - before["total"] : null, idleRate, byKind, check);
    }

    static async Task<(TimeSpan At, IReadOnlyDictionary<string, long>? Counts)> SnapshotAt(ITarget target, Stopwatch clock, TimeSpan at)
    {
        var wait = at - clock.Elapsed;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var when = clock.Elapsed;
        return (when, await target.StorageRequestsAsync());
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
