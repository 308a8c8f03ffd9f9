using System.Text.Json;

namespace Serverless.Store.Api;

/// <summary>
/// What this process served over the last five minutes, second by second: requests, commands (and
/// by name), errors, latency percentiles, and the storage requests the host counted. For
/// <c>GET &lt;base&gt;/stats</c>, which the console's overview draws. Per process, as INFO's
/// stats: each instance answers for itself.
/// </summary>
public sealed class RequestStats
{
    /// <summary>The process's own (the router records into it).</summary>
    public static RequestStats Process { get; } = new();

    public const int WindowSeconds = 300;

    /// <summary>Latencies kept per second for its percentiles: past this, a random sample (reservoir) stands for the rest.</summary>
    const int LatencySamples = 512;

    readonly Second[] ring = new Second[WindowSeconds];
    readonly Func<long> clock;
    Func<long>? storageRequests;
    Timer? sampler;

    public RequestStats(Func<long>? unixSeconds = null)
    {
        clock = unixSeconds ?? (() => DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        for (var i = 0; i < ring.Length; i++) ring[i] = new Second();
    }

    /// <summary>
    /// Counts the host's storage requests from now on: <paramref name="total"/> (requests so far) is
    /// read once a second, as they happen apart from requests (the backend polls its queues).
    /// </summary>
    public void CountStorageRequests(Func<long> total)
    {
        storageRequests = total;
        sampler ??= new Timer(_ => SampleStorage(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    public void SampleStorage()
    {
        if (storageRequests is not { } total) return;
        var second = Current();
        lock (second) second.StorageTotal = total();
    }

    /// <summary>A request answered after <paramref name="elapsedMs"/>, with its HTTP status.</summary>
    public void RequestServed(double elapsedMs, int status)
    {
        var second = Current();
        lock (second)
        {
            second.Requests++;
            if (status >= 400) second.Errors++;
            if (second.Latencies.Count < LatencySamples) second.Latencies.Add(elapsedMs);
            else if (Random.Shared.Next(second.Requests) < LatencySamples) second.Latencies[Random.Shared.Next(LatencySamples)] = elapsedMs;
        }
    }

    /// <summary>Commands run (by their names, lower-cased as COMMAND lists them).</summary>
    public void CommandsRun(IEnumerable<string> names)
    {
        var second = Current();
        lock (second)
        {
            foreach (var name in names)
            {
                second.Commands++;
                second.ByName[name] = second.ByName.GetValueOrDefault(name) + 1;
            }
        }
    }

    /// <summary>The slot of this second, emptied first when it last held an older second.</summary>
    Second Current()
    {
        var now = clock();
        var second = ring[(int)(now % WindowSeconds)];
        lock (second)
        {
            if (second.Unix != now) second.Reset(now);
        }
        return second;
    }

    /// <summary>
    /// <c>{"result":{"seconds":[{"t","requests","commands","errors","p50Ms","p99Ms","storageRequests"}...],
    /// "commands":{name:count},"storageRequestsCounted":bool}}</c>: the last five minutes, oldest first.
    /// A second's storageRequests is the change in the host's count since the second before (null
    /// where either was not sampled).
    /// </summary>
    public byte[] ToJson()
    {
        var now = clock();
        var byName = new SortedDictionary<string, long>(StringComparer.Ordinal);
        using var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteStartObject("result");
            json.WriteStartArray("seconds");
            long? previousStorage = null;
            for (var t = now - WindowSeconds + 1; t <= now; t++)
            {
                var second = ring[(int)(t % WindowSeconds)];
                lock (second)
                {
                    var held = second.Unix == t;
                    long? storage = held ? second.StorageTotal : null;
                    json.WriteStartObject();
                    json.WriteNumber("t", t);
                    json.WriteNumber("requests", held ? second.Requests : 0);
                    json.WriteNumber("commands", held ? second.Commands : 0);
                    json.WriteNumber("errors", held ? second.Errors : 0);
                    WritePercentile(json, "p50Ms", held ? second.Latencies : null, 0.50);
                    WritePercentile(json, "p99Ms", held ? second.Latencies : null, 0.99);
                    if (storage is { } s && previousStorage is { } p) json.WriteNumber("storageRequests", Math.Max(0, s - p));
                    else json.WriteNull("storageRequests");
                    json.WriteEndObject();
                    previousStorage = storage;
                    if (held)
                        foreach (var (name, n) in second.ByName) byName[name] = byName.GetValueOrDefault(name) + n;
                }
            }
            json.WriteEndArray();
            json.WriteStartObject("commands");
            foreach (var (name, n) in byName) json.WriteNumber(name, n);
            json.WriteEndObject();
            json.WriteBoolean("storageRequestsCounted", storageRequests is not null);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return output.ToArray();
    }

    static void WritePercentile(Utf8JsonWriter json, string name, List<double>? latencies, double rank)
    {
        if (latencies is null || latencies.Count == 0)
        {
            json.WriteNull(name);
            return;
        }
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        json.WriteNumber(name, Math.Round(sorted[(int)Math.Ceiling(rank * sorted.Length) - 1], 2));
    }

    sealed class Second
    {
        public long Unix = -1;
        public int Requests, Commands, Errors;
        public long? StorageTotal;
        public readonly List<double> Latencies = [];
        public readonly Dictionary<string, int> ByName = new(StringComparer.Ordinal);

        public void Reset(long unix)
        {
            Unix = unix;
            Requests = Commands = Errors = 0;
            StorageTotal = null;
            Latencies.Clear();
            ByName.Clear();
        }
    }
}
