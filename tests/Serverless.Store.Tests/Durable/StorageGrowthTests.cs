using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Store.Durable;
using Serverless.Store.Protocol;
using Serverless.Store.Standalone;
using Serverless.Store.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// A workload that creates and expires keys forever must not grow storage forever: after rounds of
/// keys that expire by themselves, the TTL sweep and the entity storage cleanup bring the task hub's
/// storage back to its starting size. Runs its own engine (same Azurite, own task hub) with the
/// message-reorder window at 0, because the cleanup only removes entities idle longer than that
/// window (30 minutes in production, see docs/durable-store.md).
/// </summary>
[Trait("Needs", "azurite")]
[Collection(DurableCollection.Name)]
public class StorageGrowthTests(DurableFixture fixture, ITestOutputHelper output)
{
    static byte[][] Cmd(params string[] words) => words.Select(Encoding.UTF8.GetBytes).ToArray();

    /// <summary>Rows of the task hub's tables and blobs of its containers: what it keeps in storage.</summary>
    async Task<(int Instances, int History, int Blobs)> StorageSizeAsync(string hub) =>
        (await TaskHubStorage.MeasureAsync(fixture.ConnectionString, hub)).Counts;

    [Fact]
    public async Task FiveRoundsOf1000ExpiringKeysLeaveStorageAtItsStartingSize()
    {
        await using var engine = await fixture.StartEngineAsync("growth", o => o.EntityMessageReorderWindowMinutes = 0);
        var hub = engine.TaskHub;
        var store = engine.Store;
        var sweep = new ExpirySweep(engine.Client.Entities, NullLogger.Instance);
        await sweep.RunAsync(); // the sweep's cursor: one row that stays
        await WaitUntilAsync(async () => await engine.Client.Entities.GetEntityAsync(ExpiryIndex.CursorId) is not null, TimeSpan.FromSeconds(30));
        var start = await StorageSizeAsync(hub);
        output.WriteLine($"start: {start}");

        var leftBehind = 0; // rows of deleted keys the cleanup removed, over all rounds
        for (var round = 0; round < 5; round++)
        {
            var keys = Enumerable.Range(0, 1000).Select(i => $"round{round}:{i}").ToArray();
            foreach (var chunk in keys.Chunk(100))
                Assert.All(await store.PipelineAsync(chunk.Select(k => Cmd("SET", k, "v", "PX", "1500")).ToList()),
                    r => Assert.Equal(Reply.Ok, r));
            var grown = await StorageSizeAsync(hub);
            Assert.True(grown.Instances >= start.Instances + 1000, $"round {round}: {grown}");
            await WaitUntilAsync(async () => await CountKeysAsync(engine, $"round{round}:") == 0, TimeSpan.FromSeconds(120));
            // The periodic cleanup, as both hosts schedule it (window 0 here, so it may remove them at once).
            var cleaned = await EntityStorageCleanup.RunAsync(engine.Client, NullLogger.Instance, CancellationToken.None);
            leftBehind += cleaned.EmptyEntitiesRemoved;
            output.WriteLine($"round {round}: {grown} while the keys lived, {cleaned.EmptyEntitiesRemoved} empty entities removed after");
        }

        // Every expiry bucket is due ~2 buckets after its keys expired; the sweep then clears them.
        await Task.Delay(TimeSpan.FromMilliseconds(2 * ExpiryIndex.BucketMs + 1000));
        await sweep.RunAsync();
        await WaitUntilAsync(async () => await BucketsWithKeysAsync(engine) == 0, TimeSpan.FromSeconds(60));
        var before = await StorageSizeAsync(hub);
        leftBehind += (await EntityStorageCleanup.RunAsync(engine.Client, NullLogger.Instance, CancellationToken.None)).EmptyEntitiesRemoved;
        var end = await StorageSizeAsync(hub);
        output.WriteLine($"before the last cleanup: {before}, after: {end}");

        Assert.True(leftBehind >= 5000, $"only {leftBehind} empty entities were removed: the 5,000 keys' rows were not all left to clean");
        Assert.Equal(start, end);
    }

    static async Task<int> CountKeysAsync(DurableEngine engine, string prefix)
    {
        var n = 0;
        var query = new Microsoft.DurableTask.Client.Entities.EntityQuery
        {
            InstanceIdStartsWith = "@" + KeyEntity.Name + "@" + prefix,
            IncludeState = false,
        };
        await foreach (var _ in engine.Client.Entities.GetAllEntitiesAsync(query)) n++;
        return n;
    }

    static async Task<int> BucketsWithKeysAsync(DurableEngine engine)
    {
        var n = 0;
        var query = new Microsoft.DurableTask.Client.Entities.EntityQuery { InstanceIdStartsWith = "@" + ExpiryIndex.Name + "@b", IncludeState = false };
        await foreach (var _ in engine.Client.Entities.GetAllEntitiesAsync(query)) n++;
        return n;
    }

    static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"not reached within {within}");
            await Task.Delay(250);
        }
    }
}
