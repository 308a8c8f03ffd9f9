using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// Many HTTP clients at once: no increment is lost, and /multi-exec transfers are atomic and
/// isolated (concurrent MGETs never see money in flight).
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class ConcurrencyTests(StoreHost store, ITestOutputHelper output)
{
    const int Clients = 64;
    const int PerClient = 50;
    static readonly string Run = Guid.NewGuid().ToString("N")[..6];

    [Theory]
    [InlineData("INCR")]
    [InlineData("HINCRBY")]
    [InlineData("ZINCRBY")]
    public async Task Concurrent_increments_over_http_lose_no_update(string command)
    {
        var key = $"lost:{command}:{Run}";
        string[] Increment() => command switch
        {
            "INCR" => ["INCR", key],
            "HINCRBY" => ["HINCRBY", key, "f", "1"],
            _ => ["ZINCRBY", key, "1", "m"],
        };
        var clock = Stopwatch.StartNew();
        var replies = new List<long>[Clients];
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            replies[c] = [];
            for (var i = 0; i < PerClient; i++)
            {
                var (status, body) = await store.SendAsync(Increment());
                Assert.True(status == 200, $"{command} -> {status} {body}\n{store.RecentLog()}");
                var result = JsonDocument.Parse(body).RootElement.GetProperty("result");
                replies[c].Add(result.ValueKind == JsonValueKind.Number ? result.GetInt64() : (long)double.Parse(result.GetString()!, CultureInfo.InvariantCulture));
            }
        }));
        var elapsed = clock.Elapsed;

        const int total = Clients * PerClient;
        var final = command switch
        {
            "INCR" => await store.ResultAsync("GET", key),
            "HINCRBY" => await store.ResultAsync("HGET", key, "f"),
            _ => await store.ResultAsync("ZSCORE", key, "m"),
        };
        Assert.Equal(total.ToString(CultureInfo.InvariantCulture), final.GetString());
        // Every acknowledged increment saw a distinct value: each one was applied exactly once.
        var all = replies.SelectMany(r => r).Order().ToList();
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), all);
        output.WriteLine($"{Clients} clients x {PerClient} {command}: {elapsed.TotalSeconds:F1} s ({total / elapsed.TotalSeconds:F0} writes/s)");
    }

    [Fact]
    public async Task Concurrent_multi_exec_transfers_keep_the_total_and_mget_never_sees_one_half()
    {
        const int accounts = 10, initial = 1000, transferers = 5, transfersEach = 10, readers = 3;
        var keys = Enumerable.Range(0, accounts).Select(i => $"acct:{Run}:{i}").ToArray();
        var mset = new List<string> { "MSET" };
        foreach (var k in keys) mset.AddRange([k, initial.ToString(CultureInfo.InvariantCulture)]);
        await store.ResultAsync(mset.ToArray());
        const long total = accounts * initial;

        var clock = Stopwatch.StartNew();
        var done = 0;
        var reads = 0;
        var seen = new List<long>();
        var transfers = Enumerable.Range(0, transferers).Select(async t =>
        {
            var random = new Random(t);
            for (var i = 0; i < transfersEach; i++)
            {
                var from = random.Next(accounts);
                var to = (from + 1 + random.Next(accounts - 1)) % accounts;
                var amount = random.Next(1, 100).ToString(CultureInfo.InvariantCulture);
                var body = JsonSerializer.Serialize(new[] { new[] { "DECRBY", keys[from], amount }, ["INCRBY", keys[to], amount] });
                var (status, reply) = await store.PostAsync("/multi-exec", body);
                Assert.True(status == 200, $"multi-exec -> {status} {reply}\n{store.RecentLog()}");
                var results = JsonDocument.Parse(reply).RootElement;
                Assert.Equal(2, results.GetArrayLength());
                Assert.True(results[0].TryGetProperty("result", out _) && results[1].TryGetProperty("result", out _), reply);
            }
            Interlocked.Increment(ref done);
        }).ToList();
        var readerTasks = Enumerable.Range(0, readers).Select(async _ =>
        {
            while (Volatile.Read(ref done) < transferers)
            {
                var values = await store.ResultAsync(["MGET", .. keys]);
                var sum = values.EnumerateArray().Sum(v => long.Parse(v.GetString()!, CultureInfo.InvariantCulture));
                lock (seen) seen.Add(sum);
                Interlocked.Increment(ref reads);
            }
        }).ToList();
        await Task.WhenAll(transfers.Concat(readerTasks));

        output.WriteLine($"{transferers * transfersEach} transfers with {reads} concurrent MGETs in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(reads > 0, "no MGET ran during the transfers");
        Assert.All(seen, sum => Assert.Equal(total, sum));
        var final = await store.ResultAsync(["MGET", .. keys]);
        var balances = final.EnumerateArray().Select(v => long.Parse(v.GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(total, balances.Sum());
        Assert.Contains(balances, b => b != initial); // the transfers did move money
    }
}
