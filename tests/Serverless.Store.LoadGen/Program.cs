using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Serverless.Store.LoadGen;
using Serverless.Store.Standalone;

// Load generator for the durable store (issue 3). Modes:
//   http   --url http://127.0.0.1:PORT/api [--token T]      the REST endpoint of a running store
//   client --url ... [--token T] [--auto-batch true]         the same through the .NET client (client/)
//   raw    --storage <connection string>                      the store in this process, no HTTP
//   report --results a.json[,b.json] [--redis redis.csv]      markdown tables + goals
//   snapshot --storage <conn> [--keys N] [--restore-keys M] [--file-keys F] [--out dir]
//            seed N keys, snapshot, restore M; snapshot F keys read from a file (tests/benchmarks/snapshot.sh)
//   stream-rdb [--entries N] [--out file.rdb]  one stream through the RDB writer and reader (tests/benchmarks/stream-rdb.sh)
// Load options: --duration S (default 15) --warmup S (default 3) --count N (ops per scenario,
// the duration stays a cap) --only <text> (scenarios whose name contains it) --out results.json
var options = ParseArgs(args);
var mode = args.Length > 0 ? args[0] : "";
// NaN stands for "nothing recorded" (a percentile of no operations).
var json = new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

switch (mode)
{
    case "http":
    {
        using var target = new HttpTarget(Required("url"), options.GetValueOrDefault("token"));
        await WaitUntilServingAsync(target);
        await RunAllAsync(target, "http");
        break;
    }
    case "client":
    {
        using var counter = new HttpTarget(Required("url"), options.GetValueOrDefault("token"));
        await WaitUntilServingAsync(counter);
        var autoBatch = options.GetValueOrDefault("auto-batch") == "true";
        using var target = new ClientTarget(counter, Required("url"), options.GetValueOrDefault("token"), autoBatch);
        await RunAllAsync(target, autoBatch ? "client+autobatch" : "client");
        break;
    }
    case "raw":
    {
        var counter = new StorageRequestCounter();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole());
        await using var engine = new DurableEngine(new DurableEngineOptions
        {
            StorageConnection = Required("storage"),
            TaskHub = options.GetValueOrDefault("task-hub") ?? "benchraw",
            StorageRequests = counter,
        }, loggers);
        await engine.StartAsync();
        await RunAllAsync(new StoreTarget(engine.Store, counter.Snapshot), "raw");
        break;
    }
    case "snapshot": // RDB snapshot and restore (tests/benchmarks/snapshot.sh)
        await SnapshotBenchmark.RunAsync(Required("storage"), int.Parse(options.GetValueOrDefault("keys") ?? "100000"),
            int.Parse(options.GetValueOrDefault("restore-keys") ?? "2000"), int.Parse(options.GetValueOrDefault("file-keys") ?? "0"), options.GetValueOrDefault("out") ?? "snapshot-bench");
        break;
    case "stream-rdb": // streams in RDB files (tests/benchmarks/stream-rdb.sh)
        StreamRdbBenchmark.Run(int.Parse(options.GetValueOrDefault("entries") ?? "1000000"), options.GetValueOrDefault("out") ?? "stream.rdb");
        break;
    case "report":
    {
        var results = Required("results").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Where(File.Exists)
            .SelectMany(f => JsonSerializer.Deserialize<List<ScenarioResult>>(File.ReadAllText(f), json)!)
            .ToList();
        var redis = options.GetValueOrDefault("redis") is { } r && File.Exists(r) ? RedisBenchmark.Parse(File.ReadAllLines(r)) : [];
        Console.WriteLine(Report.Markdown(results, redis));
        break;
    }
    default:
        Console.Error.WriteLine("usage: loadgen http --url <base> [--token T] | raw --storage <conn> | report --results a.json,b.json [--redis r.csv]");
        Console.Error.WriteLine("       load options: --duration S --warmup S --count N --only <text> --out <file.json>");
        return 2;
}
return 0;

async Task RunAllAsync(ITarget target, string name)
{
    var run = new RunOptions(
        TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("duration") ?? "15")),
        TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("warmup") ?? "3")),
        options.GetValueOrDefault("count") is { } c ? long.Parse(c) : null);
    var runId = "bench" + DateTime.UtcNow.ToString("HHmmss");
    var scenarios = Scenario.All(runId).Where(s => options.GetValueOrDefault("only") is not { } only || s.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();

    // Background polling costs storage requests with no load at all; measure its rate first.
    Console.Error.WriteLine($"[{name}] measuring idle storage polling for 3 s");
    var idle = await Runner.IdleStorageRateAsync(target, TimeSpan.FromSeconds(3));
    Console.Error.WriteLine(idle is { } i ? $"[{name}] idle: {i:0.0} storage requests/s" : $"[{name}] storage requests are not counted (start the store with CountStorageRequests=true)");

    var results = new List<ScenarioResult>();
    foreach (var scenario in scenarios)
    {
        var result = await Runner.RunAsync(scenario, target, name, run, idle);
        results.Add(result);
        Console.Error.WriteLine($"  -> {result.OpsPerSecond:0.0} ops/s, p50 {result.P50Ms:0.0} ms, p99 {result.P99Ms:0.0} ms, {result.Errors} errors" +
            (result.StoragePerCommand is { } s ? $", {s:0.00} storage req/cmd" : "") + (result.Check is { } ch ? $"; {ch}" : ""));
    }
    var output = options.GetValueOrDefault("out") ?? $"{name}.json";
    File.WriteAllText(output, JsonSerializer.Serialize(results, json));
    Console.Error.WriteLine($"[{name}] results written to {output}");
}

static async Task WaitUntilServingAsync(HttpTarget target)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (true)
    {
        try
        {
            if (await target.CommandAsync(["PING"])) return;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline) { }
        if (DateTime.UtcNow >= deadline) throw new TimeoutException("the store did not answer PING within 60 s");
        await Task.Delay(250);
    }
}

string Required(string name) => options.GetValueOrDefault(name)
    ?? throw new ArgumentException($"--{name} is required for '{mode}'");

static Dictionary<string, string> ParseArgs(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    for (var i = 1; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected argument '{args[i]}'");
        result[args[i][2..]] = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    }
    return result;
}
