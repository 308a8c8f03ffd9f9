using System.Net;
using Serverless.Store.Client.Tests.Infrastructure;

namespace Serverless.Store.Client.Tests.Unit;

/// <summary>Automatic batching with the flush under the test's control (the client normally schedules it on the thread pool).</summary>
public sealed class AutoBatchTests
{
    readonly FakeHandler store = new();
    readonly List<Action> flushes = [];

    StoreClient Client(int maxCommands = 100) => new(() => new HttpClient(store, disposeHandler: false),
        new StoreClientOptions { Url = "http://store.test/api", AutoBatch = true, AutoBatchMaxCommands = maxCommands }, null, flushes.Add);

    /// <summary>Answers a pipeline with each GET's key as its value, and a single command likewise.</summary>
    void EchoKeys() => store.Answer = r => r.PathAndQuery.EndsWith("/pipeline")
        ? (HttpStatusCode.OK, "[" + string.Join(",", r.Commands().Select(c => FakeHandler.StringResult(c[1]))) + "]")
        : (HttpStatusCode.OK, FakeHandler.StringResult(r.Commands()[0][1]));

    [Fact]
    public async Task Commands_issued_before_the_flush_share_one_pipeline_and_each_gets_its_own_result()
    {
        EchoKeys();
        using var client = Client();
        var gets = Enumerable.Range(0, 5).Select(i => client.GetAsync($"k{i}")).ToArray();
        Assert.Single(flushes); // one flush scheduled for the burst
        Assert.Empty(store.Requests); // nothing sent before it runs

        flushes[0]();
        Assert.Equal(new string?[] { "k0", "k1", "k2", "k3", "k4" }, await Task.WhenAll(gets));
        var sent = Assert.Single(store.Requests);
        Assert.Equal("/api/pipeline", sent.PathAndQuery);
        Assert.Equal(5, sent.Commands().Length);
    }

    [Fact]
    public async Task Overlapping_flushes_share_the_queue_without_losing_or_failing_a_command()
    {
        EchoKeys();
        // Every flush on a thread of its own, as the thread pool runs them: a burst schedules flushes
        // while others drain (the benchmark's 64 clients once crashed the process on such an overlap).
        var running = new System.Collections.Concurrent.ConcurrentQueue<Task>();
        using var client = new StoreClient(() => new HttpClient(store, disposeHandler: false),
            new StoreClientOptions { Url = "http://store.test/api", AutoBatch = true, AutoBatchMaxCommands = 3 }, null,
            flush => running.Enqueue(Task.Run(flush)));
        var gets = await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var keys = Enumerable.Range(0, 300).Select(i => $"t{t}:{i}").ToArray();
            return (keys, values: await Task.WhenAll(keys.Select(k => client.GetAsync(k))));
        })));
        foreach (var (keys, values) in gets) Assert.Equal(keys, values);
        await Task.WhenAll(running); // a flush that threw would fail here (on the thread pool it ends the process)
    }

    [Fact]
    public async Task A_flush_splits_at_the_batch_size_and_a_lone_command_goes_plain()
    {
        EchoKeys();
        using var client = Client(maxCommands: 2);
        var gets = Enumerable.Range(0, 5).Select(i => client.GetAsync($"k{i}")).ToArray();
        flushes.Single()();
        Assert.Equal(new string?[] { "k0", "k1", "k2", "k3", "k4" }, await Task.WhenAll(gets));
        Assert.Equal(["/api/pipeline", "/api/pipeline", "/api"], store.Requests.Select(r => r.PathAndQuery).Order().Reverse().ToArray());
    }

    [Fact]
    public async Task Multi_key_and_blocking_commands_are_never_batched()
    {
        store.Answer = r => (HttpStatusCode.OK, r.Commands()[0][0] switch
        {
            "MGET" => """{"result":[null,null]}""",
            "DEL" => """{"result":0}""",
            _ => """{"result":null}""",
        });
        using var client = Client();
        await client.MGetAsync(["a", "b"]);
        await client.XReadAsync([new("s", "$")], block: TimeSpan.FromSeconds(1));
        await client.DelAsync(["a", "b"]);
        Assert.Empty(flushes);
        Assert.All(store.Requests, r => Assert.Equal("/api", r.PathAndQuery));
    }

    [Fact]
    public async Task An_error_fails_only_its_command_and_a_failed_request_fails_the_batch()
    {
        store.Answer = _ => (HttpStatusCode.OK, $$"""[{"result":2},{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}]""");
        using var client = Client();
        var ok = client.IncrAsync("a");
        var wrong = client.IncrAsync("b");
        flushes[0]();
        Assert.Equal(2, await ok);
        Assert.Equal("WRONGTYPE", (await Assert.ThrowsAsync<StoreException>(() => wrong)).Prefix);

        store.Answer = _ => (HttpStatusCode.BadGateway, "<html>gateway</html>");
        var x = client.GetAsync("x");
        var y = client.GetAsync("y");
        flushes[1]();
        await Assert.ThrowsAsync<HttpRequestException>(() => x);
        await Assert.ThrowsAsync<HttpRequestException>(() => y);
    }

    [Fact]
    public async Task A_command_cancelled_before_the_flush_is_dropped()
    {
        EchoKeys();
        using var client = Client();
        using var cancel = new CancellationTokenSource();
        var dropped = client.GetAsync("dropped", cancel.Token);
        var kept = client.GetAsync("kept");
        cancel.Cancel();
        flushes[0]();
        Assert.Equal("kept", await kept);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dropped);
        Assert.Equal([["GET", "kept"]], store.Requests.Single().Commands());
    }
}
