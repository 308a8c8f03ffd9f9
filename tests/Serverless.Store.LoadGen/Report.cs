using System.Globalization;
using System.Text;

namespace Serverless.Store.LoadGen;

/// <summary>One redis-benchmark line (--csv): test, rps, avg, min, p50, p95, p99, max.</summary>
sealed record RedisResult(string Test, double Rps, double P50Ms, double P99Ms, double MaxMs)
{
    public string Scenario => Test switch
    {
        "GET" => "GET 1 key",
        "SET" => "SET 1,000 keys (-r 1000)",
        "INCR" => "INCR 1 hot key",
        _ => Test,
    };
}

static class RedisBenchmark
{
    public static List<RedisResult> Parse(IEnumerable<string> lines)
    {
        var results = new List<RedisResult>();
        foreach (var line in lines)
        {
            var f = line.Split(',').Select(x => x.Trim().Trim('"')).ToArray();
            if (f.Length < 8 || !double.TryParse(f[1], CultureInfo.InvariantCulture, out var rps)) continue; // header
            double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            results.Add(new RedisResult(f[0], rps, D(4), D(6), D(7)));
        }
        return results;
    }
}

/// <summary>The markdown the run prints: results, storage requests by kind, goals.</summary>
static class Report
{
    static string F(double v, string format = "0.0") => double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);

    public static string Markdown(IReadOnlyList<ScenarioResult> results, IReadOnlyList<RedisResult> redis)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| scenario | target | clients | ops/s | commands/s | p50 ms | p90 ms | p99 ms | max ms | errors | storage req/cmd (all) | (net of idle polling) |");
        sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results.OrderBy(r => r.Scenario, StringComparer.Ordinal).ThenBy(r => r.Target, StringComparer.Ordinal))
            sb.AppendLine($"| {r.Scenario} | {r.Target} | {r.Clients} | {F(r.OpsPerSecond)} | {F(r.CommandsPerSecond)} | {F(r.P50Ms)} | {F(r.P90Ms)} | {F(r.P99Ms)} | {F(r.MaxMs)} | {r.Errors} | " +
                $"{(r.StoragePerCommand is { } s ? F(s, "0.00") : "n/a")} | {(r.StoragePerCommandNet is { } n ? F(n, "0.00") : "n/a")} |");
        foreach (var r in redis)
            sb.AppendLine($"| {r.Scenario} | redis-server (redis-benchmark) | 64 | {F(r.Rps)} | {F(r.Rps)} | {F(r.P50Ms, "0.000")} | – | {F(r.P99Ms, "0.000")} | {F(r.MaxMs, "0.000")} | – | – | – |");

        var idle = results.Where(r => r.IdleStorageRequestsPerSecond is not null).GroupBy(r => r.Target)
            .Select(g => $"{g.Key}: {F(g.First().IdleStorageRequestsPerSecond!.Value)}/s");
        sb.AppendLine();
        sb.AppendLine($"Idle storage polling measured before each target's run: {string.Join(", ", idle)}.");

        var checks = results.Where(r => r.Check is not null).Select(r => $"- {r.Target}, {r.Scenario}: {r.Check}").ToList();
        if (checks.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Checks:");
            foreach (var c in checks) sb.AppendLine(c);
        }

        sb.AppendLine();
        sb.AppendLine("Storage requests per command by kind (all, polling included):");
        sb.AppendLine();
        sb.AppendLine("| scenario | target | requests per command |");
        sb.AppendLine("| --- | --- | --- |");
        foreach (var r in results.Where(r => r.StorageByKind is { Count: > 0 } && r.Ops > 0))
        {
            var commands = (double)r.Ops * r.CommandsPerOp;
            var kinds = r.StorageByKind!.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {F(k.Value / commands, "0.00")}");
            sb.AppendLine($"| {r.Scenario} | {r.Target} | {string.Join(", ", kinds)} |");
        }

        sb.AppendLine();
        sb.AppendLine("| goal | measured | met? |");
        sb.AppendLine("| --- | --- | --- |");
        ScenarioResult? Find(string target, string prefix) =>
            results.FirstOrDefault(r => r.Target == target && r.Scenario.StartsWith(prefix, StringComparison.Ordinal));
        void AtMost(string goal, double? value, double limit, string unit)
        {
            if (value is not { } v || double.IsNaN(v)) { sb.AppendLine($"| {goal} | not measured | – |"); return; }
            var met = v <= limit;
            sb.AppendLine($"| {goal} | {F(v, "0.00")} {unit} | {(met ? "met" : "not met")}: {F(met ? limit / Math.Max(v, 1e-9) : v / limit, "0.0")}x {(met ? "under" : "over")} the limit |");
        }
        void AtLeast(string goal, double? value, double floor, string unit)
        {
            if (value is not { } v || double.IsNaN(v)) { sb.AppendLine($"| {goal} | not measured | – |"); return; }
            var met = v >= floor;
            sb.AppendLine($"| {goal} | {F(v, "0.00")} {unit} | {(met ? "met" : "not met")}: {F(v / floor * 100, "0")}% of the goal |");
        }
        AtMost("GET p50 <= 5 ms (1 client, HTTP)", Find("http", "GET 1 key, 1 client")?.P50Ms, 5, "ms");
        AtMost("acknowledged SET p50 <= 30 ms (1 client, HTTP)", Find("http", "SET 1,000 keys, 1 client")?.P50Ms, 30, "ms");
        AtMost("<= 1 storage request per read (GET, 64 clients, net of idle polling)", Find("http", "GET 1 key, 64")?.StoragePerCommandNet, 1, "req/cmd");
        AtMost("<= 3 storage requests per write, amortized (SET, 64 clients, net of idle polling)", Find("http", "SET 1,000 keys, 64")?.StoragePerCommandNet, 3, "req/cmd");
        var httpSet = Find("http", "SET 1,000 keys, 64");
        var rawSet = Find("raw", "SET 1,000 keys, 64");
        AtLeast("HTTP write throughput >= 0.8 of the raw engine's (SET, 64 clients)",
            httpSet is not null && rawSet is { CommandsPerSecond: > 0 } ? httpSet.CommandsPerSecond / rawSet.CommandsPerSecond : null, 0.8, "of raw");
        AtLeast("hot key >= 640 INCR/s (64 clients, HTTP)", Find("http", "INCR 1 hot key")?.OpsPerSecond, 640, "INCR/s");
        // Issue 14: multi-key work.
        foreach (var name in new[] { "MULTI/EXEC on 2 keys (DECRBY a, INCRBY b)", "MSET 2 keys" })
        {
            AtMost($"{name}: p50 <= 100 ms at 1 client (HTTP)", Find("http", name + ", 1 client")?.P50Ms, 100, "ms");
            AtMost($"{name}: p50 <= 300 ms at 8 clients (HTTP)", Find("http", name + ", 8 clients")?.P50Ms, 300, "ms");
            var perOp = Find("http", name + ", 8 clients");
            AtMost($"{name}: <= 15 storage requests per operation (8 clients, net of idle polling)",
                perOp?.StoragePerCommandNet * perOp?.CommandsPerOp, 15, "req/op");
        }
        // Issue 16: on one hash tag, within 1.5x of a single-key SET's p50 and storage requests.
        foreach (var clients in new[] { 1, 8 })
        {
            var label = clients == 1 ? "1 client" : $"{clients} clients";
            var set = Find("http", $"SET 1,000 keys, {label}");
            foreach (var name in new[] { "MULTI/EXEC on 2 tagged keys (DECRBY a, INCRBY b)", "MSET 2 tagged keys" })
            {
                var tagged = Find("http", $"{name}, {label}");
                AtMost($"{name}, {label}: p50 <= 1.5x SET's (HTTP)", tagged?.P50Ms / set?.P50Ms, 1.5, "x SET");
                AtMost($"{name}, {label}: storage requests per operation <= 1.5x a SET's (net of idle polling)",
                    tagged?.StoragePerCommandNet * tagged?.CommandsPerOp / set?.StoragePerCommandNet, 1.5, "x SET");
            }
        }
        // Issue 15: scripts.
        foreach (var clients in new[] { 1, 16 })
        {
            var label = clients == 1 ? "1 client" : $"{clients} clients";
            AtMost($"EVALSHA on 1 key, {label}: p50 <= 1.2x SET's (HTTP)",
                Find("http", $"EVALSHA of SET, 1,000 keys, {label}")?.P50Ms / Find("http", $"SET 1,000 keys, {label}")?.P50Ms, 1.2, "x SET");
        }
        AtMost("sliding-window limiter (2 keys), 1 client: p50 <= 250 ms (HTTP)", Find("http", "EVALSHA sliding-window limiter (2 keys)")?.P50Ms, 250, "ms");
        var pipeline = Find("http", "pipeline of 100 SETs");
        AtMost("pipeline of 100 SETs over 100 keys: p50 <= 1.5 s at 8 clients (HTTP)", pipeline?.P50Ms / 1000, 1.5, "s");
        AtMost("pipeline of 100 SETs over 100 keys: <= 6 storage requests per command (net of idle polling)", pipeline?.StoragePerCommandNet, 6, "req/cmd");
        return sb.ToString();
    }
}
