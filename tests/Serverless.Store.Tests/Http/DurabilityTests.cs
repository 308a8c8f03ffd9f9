using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>An acknowledged write survives kill -9 of the host.</summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class DurabilityTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task Acknowledged_writes_survive_kill_9_of_the_host()
    {
        const int count = 1000;
        var run = Guid.NewGuid().ToString("N")[..6];
        string Key(int i) => $"durable:{run}:{i}";
        string Value(int i) => $"value-{i}-{run}-\u00e9\u4e2d";

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var (status, body) = await store.SendAsync(["SET", Key(i), Value(i)]);
            Assert.True(status == 200 && body == """{"result":"OK"}""", $"SET {Key(i)} -> {status} {body}");
        });
        var writes = clock.Elapsed;

        var restart = await store.KillAndRestartAsync();

        clock.Restart();
        var missing = new List<string>();
        for (var start = 0; start < count; start += 200)
        {
            var batch = Enumerable.Range(start, Math.Min(200, count - start)).ToList();
            var (status, body) = await store.PostAsync("/pipeline", JsonSerializer.Serialize(batch.Select(i => new[] { "GET", Key(i) })));
            Assert.True(status == 200, $"pipeline GET -> {status} {body}\n{store.RecentLog()}");
            var replies = JsonDocument.Parse(body).RootElement;
            for (var j = 0; j < batch.Count; j++)
            {
                var result = replies[j].GetProperty("result");
                if (result.ValueKind != JsonValueKind.String || result.GetString() != Value(batch[j]))
                    missing.Add($"{Key(batch[j])} = {result.GetRawText()}");
            }
        }
        output.WriteLine($"{count} SETs (32 at a time) in {writes.TotalSeconds:F1} s; kill -9 and restart until serving writes {restart.TotalSeconds:F1} s; read back in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged writes lost after kill -9:\n{string.Join('\n', missing.Take(20))}");
        Assert.Equal(count, (await store.ResultAsync("KEYS", $"durable:{run}:*")).GetArrayLength());
    }
}
