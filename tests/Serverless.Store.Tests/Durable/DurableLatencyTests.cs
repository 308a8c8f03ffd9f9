using System.Diagnostics;
using System.Text;
using Serverless.Store.Durable;
using Serverless.Store.Protocol;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// Measures the two ways a write learns of its reply (commit notified, polling: docs/durable-store.md,
/// "Reply channel"), the read path, a 2-key chain, and a hot key under 64 concurrent clients,
/// printing latencies, throughput and Azure Storage requests per operation; asserts that every write
/// landed. Numbers are reported, not asserted.
/// </summary>
[Trait("Needs", "azurite")]
[Collection(DurableCollection.Name)]
public class DurableLatencyTests(DurableFixture fixture, ITestOutputHelper output)
{
    const int Rounds = 40;

    static byte[][] Cmd(params string[] words) => words.Select(Encoding.UTF8.GetBytes).ToArray();

    [Fact]
    public async Task WritesNotifiedVersusPollingVersusReadsAndChains()
    {
        var store = fixture.Store; // commits notified in process
        var polling = new DurableStore(fixture.Engine.Client.Entities); // the Functions way: no notification
        var incr = Cmd("INCR", "lat:counter");
        var get = Cmd("GET", "lat:counter");
        for (var i = 0; i < 5; i++) await store.ExecuteAsync(incr); // warm up

        var idle = await IdleRequestsPerSecond();
        var set = await Measure(i => store.ExecuteAsync(Cmd("SET", "lat:s", "v" + i)), r => Assert.Equal(Reply.Ok, r));
        var signal = await Measure(_ => store.ExecuteAsync(incr), r => Assert.IsType<IntegerReply>(r));
        var pollsBefore = polling.Replies.Polls;
        var poll = await Measure(_ => polling.ExecuteAsync(incr), r => Assert.IsType<IntegerReply>(r));
        var pollsPerWrite = (polling.Replies.Polls - pollsBefore) / (double)Rounds;
        var read = await Measure(_ => store.ExecuteAsync(get), r => Assert.IsType<BulkReply>(r));
        var chain = await Measure(_ => store.ExecuteAsync(Cmd("MSET", "lat:a", "1", "lat:b", "2")), r => Assert.Equal(Reply.Ok, r));
        var chainPolling = await Measure(_ => polling.ExecuteAsync(Cmd("MSET", "lat:c", "1", "lat:d", "2")), r => Assert.Equal(Reply.Ok, r));
        var consistentRead = await Measure(_ => store.ExecuteAsync(Cmd("MGET", "lat:a", "lat:b")), r => Assert.IsType<ArrayReply>(r));

        Assert.Equal(Reply.Bulk((5 + 2 * Rounds).ToString()), await store.ExecuteAsync(get));
        Assert.Equal(Reply.Bulk("v" + (Rounds - 1)), await store.ExecuteAsync(Cmd("GET", "lat:s")));
        output.WriteLine($"idle engine: {idle:F0} storage requests/s (queue polling)");
        output.WriteLine($"SET, signal + await (notified):  {set}");
        output.WriteLine($"INCR, signal + await (notified): {signal}");
        output.WriteLine($"INCR, signal + await (polling):  {poll}; {pollsPerWrite:F1} state reads per write");
        output.WriteLine($"read (GET):                      {read}");
        output.WriteLine($"chain, 2 keys (MSET, notified):  {chain}");
        output.WriteLine($"chain, 2 keys (MSET, polling):   {chainPolling}");
        output.WriteLine($"consistent read (MGET, 2 keys):  {consistentRead}");
    }

    [Fact]
    public async Task HotKeyUnderConcurrentClients()
    {
        const int clients = 64, each = 50;
        var store = fixture.Store;
        await store.ExecuteAsync(Cmd("INCR", "hot:warm"));
        var requests = fixture.Requests.Count;
        var batches = fixture.Engine.EntityBatchesCommitted;
        var sw = Stopwatch.StartNew();
        var replies = await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var mine = new List<long>();
            for (var i = 0; i < each; i++) mine.Add(((IntegerReply)await store.ExecuteAsync(Cmd("INCR", "hot:counter"))).Value);
            return mine;
        }));
        var elapsed = sw.Elapsed;
        var used = fixture.Requests.Count - requests;
        var committed = fixture.Engine.EntityBatchesCommitted - batches;
        Assert.Equal(Reply.Bulk((clients * each).ToString()), await store.ExecuteAsync(Cmd("GET", "hot:counter")));
        Assert.Equal(Enumerable.Range(1, clients * each).Select(i => (long)i), replies.SelectMany(r => r).Order());
        output.WriteLine($"hot key, {clients} clients x {each} INCR: {elapsed.TotalSeconds:F1} s, " +
                         $"{clients * each / elapsed.TotalSeconds:F0} INCR/s, {(double)used / (clients * each):F2} storage requests per INCR (incl. idle polling), " +
                         $"{committed} entity batches ({(double)clients * each / committed:F1} INCR per batch)");
    }

    async Task<double> IdleRequestsPerSecond()
    {
        await Task.Delay(500);
        var before = fixture.Requests.Count;
        await Task.Delay(2000);
        return (fixture.Requests.Count - before) / 2.0;
    }

    async Task<string> Measure(Func<int, Task<Reply>> op, Action<Reply> check, int rounds = Rounds)
    {
        var ms = new List<double>();
        var requests = fixture.Requests.Count;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            var sw = Stopwatch.StartNew();
            check(await op(i));
            ms.Add(sw.Elapsed.TotalMilliseconds);
        }
        var perOp = (double)(fixture.Requests.Count - requests) / rounds;
        var s = ms.Order().ToArray();
        return $"p50 {s[s.Length / 2]:F0} ms, p90 {s[s.Length * 9 / 10]:F0} ms, min {s[0]:F0} ms (n={s.Length}), " +
               $"{perOp:F1} storage requests/op incl. idle polling over {total.Elapsed.TotalSeconds:F1} s";
    }
}
