using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// Storage (Azurite) taken away under a mixed load (single writes, transactions, pipelines, reads)
/// for 5 s, then for 60 s, and brought back: while it is down every answer is a JSON error with 503
/// (never a 500, never a hang past the HTTP client's timeout); once it is back the store serves
/// again without a restart; no acknowledged write is lost and no transaction is seen half applied.
/// Then a stop signal while storage is down: the host exits by itself and says what it left.
/// The figures (how long requests took to fail, how long serving took to return) are written to
/// the test output for docs/reliability.md; they are not judged (a shared machine's timing).
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class StorageOutageTests(OutageStoreHost store, ITestOutputHelper output) : IClassFixture<OutageStoreHost>
{
    sealed class Load
    {
        public readonly ConcurrentDictionary<string, long> Acknowledged = new(), Uncertain = new();
        public readonly ConcurrentBag<string> Wrong = [];
        public readonly ConcurrentBag<(double Seconds, int Status)> Failures = [];
        public long TransfersAcknowledged, TransfersUncertain;
    }

    async Task Worker(int id, Load load, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var clock = Stopwatch.StartNew();
            int status;
            string body;
            var kind = (id + i) % 4;
            try
            {
                (status, body) = kind switch
                {
                    0 => await store.SendAsync(["INCR", $"out:count:{id}"]),
                    1 => await store.PostAsync("/multi-exec", """[["INCRBY","out:acct:a","1"],["DECRBY","out:acct:b","1"]]"""),
                    2 => await store.PostAsync("/pipeline", JsonSerializer.Serialize(Enumerable.Range(0, 10).Select(n => new[] { "SET", $"out:p:{id}:{n}", i.ToString() }))),
                    _ => await store.SendAsync(["MGET", "out:acct:a", "out:acct:b"]),
                };
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (!stop.IsCancellationRequested) load.Wrong.Add($"{kind}: {e.GetType().Name} {e.Message}");
                continue;
            }
            if (status == 200)
            {
                switch (kind)
                {
                    case 0: load.Acknowledged.AddOrUpdate($"out:count:{id}", 1, (_, n) => n + 1); break;
                    case 1: Interlocked.Increment(ref load.TransfersAcknowledged); break;
                    case 3:
                        var values = JsonDocument.Parse(body).RootElement.GetProperty("result").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? 0 : long.Parse(v.GetString()!)).ToArray();
                        if (values[0] + values[1] != 0) load.Wrong.Add($"a transaction seen half applied: a={values[0]} b={values[1]}");
                        break;
                }
                continue;
            }
            load.Failures.Add((clock.Elapsed.TotalSeconds, status));
            if (status != 503 || !(body.StartsWith("{\"error\":\"ERR storage is unavailable", StringComparison.Ordinal)
                                   || body.StartsWith("{\"error\":\"ERR the store did not answer in time", StringComparison.Ordinal)))
                load.Wrong.Add($"{kind}: {status} {body}");
            if (kind == 0) load.Uncertain.AddOrUpdate($"out:count:{id}", 1, (_, n) => n + 1);
            if (kind == 1) Interlocked.Increment(ref load.TransfersUncertain);
            await Task.Delay(100, CancellationToken.None); // a refused request answers at once: do not spin
        }
    }

    /// <summary>Until a write is acknowledged again; how long that took.</summary>
    async Task<TimeSpan> UntilServingAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            var (status, _) = await store.SendAsync(["SET", "out:probe", "1"]);
            if (status == 200) return clock.Elapsed;
            await Task.Delay(200);
        }
        throw new TimeoutException("the store did not serve again within 3 minutes of storage coming back:\n" + store.RecentLog());
    }

    /// <summary>A counter's value, asked again while the store still answers 503 (it may still be catching up).</summary>
    async Task<long> CountAsync(string key)
    {
        for (var tries = 0; ; tries++)
        {
            var (status, body) = await store.SendAsync(["GET", key]);
            if (status == 200) return long.Parse(JsonDocument.Parse(body).RootElement.GetProperty("result").GetString()!);
            if (status != 503 || tries > 600) throw new Xunit.Sdk.XunitException($"GET {key} -> {status} {body}\n{store.RecentLog()}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Requests_fail_with_503_while_storage_is_down_serve_again_after_and_lose_no_acknowledged_write()
    {
        var load = new Load();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 8).Select(id => Task.Run(() => Worker(id, load, stop.Token))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(3));

        foreach (var outage in new[] { TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60) })
        {
            await store.StopStorageAsync();
            await Task.Delay(outage);
            await store.StartStorageAsync();
            var back = await UntilServingAsync();
            output.WriteLine($"outage of {outage.TotalSeconds} s: serving again {back.TotalSeconds:0.0} s after storage came back");
            await Task.Delay(TimeSpan.FromSeconds(5)); // load on a store that serves again
        }
        stop.Cancel();
        await Task.WhenAll(workers);

        var failed = load.Failures.ToArray();
        output.WriteLine($"{failed.Length} requests refused; slowest {failed.Select(f => f.Seconds).DefaultIfEmpty().Max():0.0} s, " +
            $"{failed.Count(f => f.Seconds < 1)} within 1 s; {load.Acknowledged.Values.Sum()} INCRs and {load.TransfersAcknowledged} transactions acknowledged");
        foreach (var wrong in load.Wrong) output.WriteLine("wrong: " + wrong);
        if (!load.Wrong.IsEmpty) output.WriteLine(store.RecentLog());
        Assert.Empty(load.Wrong);
        Assert.NotEmpty(failed); // the outage was seen

        // Every acknowledged INCR is there; a refused one may or may not be (it may have been sent).
        foreach (var (counter, acknowledged) in load.Acknowledged)
        {
            var value = await CountAsync(counter);
            Assert.InRange(value, acknowledged, acknowledged + load.Uncertain.GetValueOrDefault(counter));
        }
        var a = await CountAsync("out:acct:a");
        Assert.Equal(0, a + await CountAsync("out:acct:b"));
        Assert.InRange(a, load.TransfersAcknowledged, load.TransfersAcknowledged + load.TransfersUncertain);

        // A stop signal while storage is down: the host stops by itself and says what it left.
        await store.StopStorageAsync();
        var stopping = Stopwatch.StartNew();
        Assert.Equal(0, await store.StopHostAsync());
        output.WriteLine($"stop with storage down: exited after {stopping.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains(store.Log(), line => line.Contains("did not stop within", StringComparison.Ordinal));

        // Every error path the outage took logged no secret (the tokens, the storage account's key):
        // StoreHost checks every host line; the fixture fails at its end too, this says where.
        Assert.Empty(store.SecretsLogged);
    }
}
