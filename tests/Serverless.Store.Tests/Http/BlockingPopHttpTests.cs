using System.Collections.Concurrent;
using System.Text.Json;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// The blocking pops through the REST API of the standalone store: they wait for elements without
/// holding the keys' entities, time out with Redis's nil, and under concurrent producers and
/// consumers every element is delivered exactly once. Each test owns its keys.
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class BlockingPopHttpTests(StoreHost store)
{
    readonly string run = Guid.NewGuid().ToString("N")[..8];

    string K(string name) => $"bp:{run}:{name}";

    [Fact]
    public async Task A_pop_on_empty_keys_times_out_with_nil_and_serves_at_once_when_there_is_something()
    {
        Assert.Equal(JsonValueKind.Null, (await store.ResultAsync("BLPOP", K("none"), K("none2"), "0.3")).ValueKind);
        Assert.Equal(JsonValueKind.Null, (await store.ResultAsync("BLMOVE", K("none"), K("dst"), "LEFT", "RIGHT", "0.3")).ValueKind);
        Assert.Equal(JsonValueKind.Null, (await store.ResultAsync("BZPOPMIN", K("nz"), "0.3")).ValueKind);
        await store.ResultAsync("RPUSH", K("l"), "a", "b");
        Assert.Equal("""["bp:RUN:l","a"]""".Replace("RUN", run), (await store.ResultAsync("BLPOP", K("none"), K("l"), "1")).GetRawText());
        await store.ResultAsync("SET", K("s"), "x");
        var (status, body) = await store.SendAsync(["BLPOP", K("s"), "1"]);
        Assert.Equal(400, status);
        Assert.Contains("WRONGTYPE", body);
    }

    [Fact]
    public async Task A_waiting_pop_wakes_for_a_push_and_a_move_lands_in_its_destination()
    {
        var waiting = store.ResultAsync("BRPOP", K("q"), "20");
        var moving = store.ResultAsync("BLMOVE", K("src"), K("dst"), "LEFT", "RIGHT", "20");
        var zwaiting = store.ResultAsync("BZPOPMAX", K("z"), "20");
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted || moving.IsCompleted || zwaiting.IsCompleted, "a pop answered before anything was pushed");
        await store.ResultAsync("LPUSH", K("q"), "job");
        await store.ResultAsync("RPUSH", K("src"), "m");
        await store.ResultAsync("ZADD", K("z"), "1", "low", "2", "high");
        Assert.Equal($"""["{K("q")}","job"]""", (await waiting).GetRawText());
        Assert.Equal("m", (await moving).GetString());
        Assert.Equal($"""["{K("z")}","high","2"]""", (await zwaiting).GetRawText());
        Assert.Equal("""["m"]""", (await store.ResultAsync("LRANGE", K("dst"), "0", "-1")).GetRawText());
    }

    [Fact]
    public async Task Concurrent_producers_and_consumers_deliver_every_element_exactly_once()
    {
        const int producers = 2, perProducer = 15, consumers = 4;
        var got = new ConcurrentBag<string>();
        var stop = new CancellationTokenSource();
        async Task ConsumeAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var reply = await store.ResultAsync("BLPOP", K("jobs"), "1");
                if (reply.ValueKind != JsonValueKind.Null) got.Add(reply[1].GetString()!);
            }
        }
        var consuming = Enumerable.Range(0, consumers).Select(_ => Task.Run(ConsumeAsync)).ToArray();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perProducer; i++) await store.ResultAsync("RPUSH", K("jobs"), $"{p}:{i}");
        })));
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (got.Count < producers * perProducer && DateTime.UtcNow < deadline) await Task.Delay(100);
        stop.Cancel();
        await Task.WhenAll(consuming);
        var expected = Enumerable.Range(0, producers).SelectMany(p => Enumerable.Range(0, perProducer).Select(i => $"{p}:{i}")).Order();
        Assert.Equal(expected, got.Order());
        Assert.Equal(0, (await store.ResultAsync("LLEN", K("jobs"))).GetInt32());
    }
}
