using System.Diagnostics;
using System.Text;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// Measures the two ways a single-key write can get its reply (docs/durable-store.md) and the
/// read path, printing p50/p90; asserts that every write landed. Numbers are reported, not asserted.
/// </summary>
[Collection(DurableCollection.Name)]
public class DurableLatencyTests(DurableFixture fixture, ITestOutputHelper output)
{
    const int Rounds = 40;

    [Fact]
    public async Task WriteByOrchestrationVersusSignalAndAwaitVersusRead()
    {
        var store = fixture.Store;
        var entities = fixture.Engine.Client.Entities;
        byte[][] incr = [[.. "INCR"u8], [.. "lat:counter"u8]];
        byte[][] get = [[.. "GET"u8], [.. "lat:counter"u8]];
        var id = KeyEntity.Id("lat:counter"u8.ToArray());
        for (var i = 0; i < 5; i++) await store.ExecuteAsync(incr); // warm up

        var orchestration = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            var sw = Stopwatch.StartNew();
            Assert.IsType<IntegerReply>(await store.ExecuteAsync(incr));
            orchestration.Add(sw.Elapsed.TotalMilliseconds);
        }

        // Signal + await, best case: the signal, then polling the stored state until it moved
        // (a real reply would also have to be stored in the state and read back).
        var signal = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            var before = (await entities.GetEntityAsync<KeyState>(id))?.State?.Version;
            var sw = Stopwatch.StartNew();
            await entities.SignalEntityAsync(id, "run", CommandBatch.Of(incr));
            while ((await entities.GetEntityAsync<KeyState>(id))?.State?.Version == before) await Task.Delay(2);
            signal.Add(sw.Elapsed.TotalMilliseconds);
        }

        var read = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            var sw = Stopwatch.StartNew();
            Assert.IsType<BulkReply>(await store.ExecuteAsync(get));
            read.Add(sw.Elapsed.TotalMilliseconds);
        }

        var locked = new List<double>();
        for (var i = 0; i < Rounds / 4; i++)
        {
            var sw = Stopwatch.StartNew();
            Assert.Equal(Reply.Ok, await store.ExecuteAsync([[.. "MSET"u8], [.. "lat:a"u8], [.. "1"u8], [.. "lat:b"u8], [.. "2"u8]]));
            locked.Add(sw.Elapsed.TotalMilliseconds);
        }

        Assert.Equal(Reply.Bulk(Encoding.ASCII.GetBytes((5 + 2 * Rounds).ToString())), await store.ExecuteAsync(get));
        output.WriteLine($"write via orchestration (INCR): {Stats(orchestration)}");
        output.WriteLine($"signal + await stored state:    {Stats(signal)}");
        output.WriteLine($"read (GET):                     {Stats(read)}");
        output.WriteLine($"locked 2 keys (MSET):           {Stats(locked)}");
    }

    static string Stats(List<double> ms)
    {
        var s = ms.Order().ToArray();
        return $"p50 {s[s.Length / 2]:F0} ms, p90 {s[s.Length * 9 / 10]:F0} ms, min {s[0]:F0} ms (n={s.Length})";
    }
}
