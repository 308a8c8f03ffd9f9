using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// Streams through the REST API of the standalone store (Azurite, the Durable Task engine): a
/// consumer group sharing 10,000 entries, a dead consumer's entries claimed by another, and
/// BLOCK waiting for entries without holding the stream's entity.
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class StreamsHttpTests(StoreHost store, ITestOutputHelper output)
{
    static readonly string Run = Guid.NewGuid().ToString("N")[..6];

    async Task<JsonElement[]> PipelineAsync(IEnumerable<string[]> commands)
    {
        var (status, body) = await store.PostAsync("/pipeline", JsonSerializer.Serialize(commands));
        Assert.True(status == 200, $"pipeline -> {status} {body}\n{store.RecentLog()}");
        var results = JsonDocument.Parse(body).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
        foreach (var r in results)
            Assert.False(r.TryGetProperty("error", out var error), $"pipeline command failed: {error}");
        return results;
    }

    /// <summary>The entry IDs of an XREADGROUP/XREAD result ([[key, [[id, fields]...]]...] or null).</summary>
    static List<string> Ids(JsonElement result) =>
        result.ValueKind == JsonValueKind.Null ? [] :
        result.EnumerateArray().SelectMany(s => s[1].EnumerateArray().Select(e => e[0].GetString()!)).ToList();

    [Fact]
    public async Task A_group_of_three_consumers_processes_10000_entries_once_each()
    {
        const int total = 10_000, batch = 500;
        var key = $"orders:{Run}";
        await store.ResultAsync("XGROUP", "CREATE", key, "workers", "$", "MKSTREAM");
        var clock = Stopwatch.StartNew();

        var produced = new List<string>();
        var producer = Task.Run(async () =>
        {
            for (var start = 0; start < total; start += batch)
            {
                var results = await PipelineAsync(Enumerable.Range(start, batch).Select(i => new[] { "XADD", key, "*", "order", i.ToString(), "amount", (i % 97).ToString() }));
                lock (produced) produced.AddRange(results.Select(r => r.GetProperty("result").GetString()!));
            }
        });

        var processed = new ConcurrentDictionary<string, string>(); // entry id -> consumer that acked it
        var duplicates = new ConcurrentBag<string>();
        var orders = new ConcurrentBag<int>();
        async Task ConsumeAsync(string consumer)
        {
            while (processed.Count < total)
            {
                var reply = await store.ResultAsync("XREADGROUP", "GROUP", "workers", consumer, "COUNT", "400", "BLOCK", "2000", "STREAMS", key, ">");
                if (reply.ValueKind == JsonValueKind.Null)
                {
                    if (producer.IsCompleted && processed.Count >= total) break;
                    continue;
                }
                var ids = new List<string>();
                foreach (var entry in reply[0][1].EnumerateArray())
                {
                    var id = entry[0].GetString()!;
                    ids.Add(id);
                    orders.Add(int.Parse(entry[1][1].GetString()!));
                }
                // process, then acknowledge in one pipeline (XACK with 100 IDs per command)
                var acks = await PipelineAsync(ids.Chunk(100).Select(c => new[] { "XACK", key, "workers" }.Concat(c).ToArray()));
                Assert.Equal(ids.Count, acks.Sum(a => a.GetProperty("result").GetInt64()));
                foreach (var id in ids)
                    if (!processed.TryAdd(id, consumer)) duplicates.Add(id);
            }
        }
        await Task.WhenAll(ConsumeAsync("c1"), ConsumeAsync("c2"), ConsumeAsync("c3"), producer);
        var elapsed = clock.Elapsed;

        Assert.Empty(duplicates);
        Assert.Equal(produced.Order(StringComparer.Ordinal), processed.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, total), orders.Order());
        var pending = await store.ResultAsync("XPENDING", key, "workers");
        Assert.Equal(0, pending[0].GetInt64());
        Assert.Equal(total, (await store.ResultAsync("XLEN", key)).GetInt64());
        var perConsumer = processed.GroupBy(p => p.Value).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{total} entries, 3 consumers, {elapsed.TotalSeconds:F1} s ({total / elapsed.TotalSeconds:F0} entries/s); " +
            string.Join(", ", perConsumer.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")));
    }

    [Fact]
    public async Task A_dead_consumers_pending_entries_are_claimed_by_another()
    {
        var key = $"jobs:{Run}";
        await store.ResultAsync("XGROUP", "CREATE", key, "g", "$", "MKSTREAM");
        var ids = (await PipelineAsync(Enumerable.Range(0, 20).Select(i => new[] { "XADD", key, "*", "job", i.ToString() })))
            .Select(r => r.GetProperty("result").GetString()!).ToList();

        // "dead" reads 15 and never acknowledges; "live" reads and acknowledges the other 5
        var taken = Ids(await store.ResultAsync("XREADGROUP", "GROUP", "g", "dead", "COUNT", "15", "STREAMS", key, ">"));
        Assert.Equal(ids.Take(15), taken);
        var rest = Ids(await store.ResultAsync("XREADGROUP", "GROUP", "g", "live", "STREAMS", key, ">"));
        Assert.Equal(ids.Skip(15), rest);
        Assert.Equal(5, (await store.ResultAsync(["XACK", key, "g", .. rest])).GetInt64());

        // not idle for an hour: nothing to claim
        var none = await store.ResultAsync("XAUTOCLAIM", key, "g", "live", "3600000", "0");
        Assert.Equal(0, none[1].GetArrayLength());

        // XCLAIM one entry explicitly, then XAUTOCLAIM the rest once they have been idle 300 ms
        var one = await store.ResultAsync("XCLAIM", key, "g", "live", "0", taken[0], "JUSTID");
        Assert.Equal(taken[0], one[0].GetString());
        // A set: XAUTOCLAIM may take taken[0] again once it has been idle 300 ms with "live" (Redis does too).
        var claimed = new HashSet<string> { taken[0] };
        var deadline = Stopwatch.StartNew();
        while (claimed.Count < 15)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"claimed only {claimed.Count} of 15");
            var reply = await store.ResultAsync("XAUTOCLAIM", key, "g", "live", "300", "0", "COUNT", "10");
            claimed.UnionWith(reply[1].EnumerateArray().Select(e => e[0].GetString()!));
            if (reply[1].GetArrayLength() == 0) await Task.Delay(200);
        }
        Assert.Equal(taken.Order(StringComparer.Ordinal), claimed.Order(StringComparer.Ordinal));
        var pending = await store.ResultAsync("XPENDING", key, "g", "-", "+", "100");
        Assert.All(pending.EnumerateArray(), p => Assert.Equal("live", p[1].GetString()));
        Assert.Equal(15, (await store.ResultAsync(["XACK", key, "g", .. claimed])).GetInt64());
        Assert.Equal(0, (await store.ResultAsync("XPENDING", key, "g"))[0].GetInt64());
        var consumers = await store.ResultAsync("XINFO", "CONSUMERS", key, "g");
        Assert.Equal(["dead:0", "live:0"], consumers.EnumerateArray().Select(c => $"{c[1].GetString()}:{c[3].GetInt64()}"));
    }

    [Fact]
    public async Task Block_times_out_with_nil_and_wakes_for_a_new_entry()
    {
        var key = $"feed:{Run}";
        Assert.Equal(JsonValueKind.Null, (await store.ResultAsync("XREAD", "BLOCK", "300", "STREAMS", key, "$")).ValueKind);
        await store.ResultAsync("XADD", key, "1-1", "old", "1");

        // "$" means entries added after the call: the old entry is not returned
        var reader = store.ResultAsync("XREAD", "BLOCK", "20000", "STREAMS", key, "$");
        await Task.Delay(500);
        Assert.False(reader.IsCompleted);
        await store.ResultAsync("XADD", key, "2-1", "new", "1");
        Assert.Equal(["2-1"], Ids(await reader));

        // XREADGROUP BLOCK: the entry lands in the reader's PEL
        await store.ResultAsync("XGROUP", "CREATE", key, "g", "$");
        var groupReader = store.ResultAsync("XREADGROUP", "GROUP", "g", "c", "BLOCK", "20000", "STREAMS", key, ">");
        await Task.Delay(500);
        await store.ResultAsync("XADD", key, "3-1", "newer", "1");
        Assert.Equal(["3-1"], Ids(await groupReader));
        var pending = await store.ResultAsync("XPENDING", key, "g");
        Assert.Equal(1, pending[0].GetInt64());

        // several streams, one of them written
        var other = $"feed2:{Run}";
        var multi = store.ResultAsync("XREAD", "BLOCK", "20000", "STREAMS", key, other, "$", "$");
        await Task.Delay(500);
        await store.ResultAsync("XADD", other, "1-1", "x", "1");
        var result = await multi;
        Assert.Equal(other, result[0][0].GetString());
        Assert.Equal(["1-1"], Ids(result));

        // errors come back at once, not after the timeout
        var (status, body) = await store.SendAsync(["XREAD", "BLOCK", "-1", "STREAMS", key, "$"]);
        Assert.Equal(400, status);
        Assert.Contains("timeout is negative", body);
        (status, body) = await store.SendAsync(["XREADGROUP", "GROUP", "nog", "c", "BLOCK", "20000", "STREAMS", key, ">"]);
        Assert.Equal(400, status);
        Assert.Contains("NOGROUP", body);
    }
}
