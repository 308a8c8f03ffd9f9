using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Store.Durable;
using Serverless.Store.Protocol;
using Serverless.Store.Standalone;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// A workload that creates and expires keys forever must not grow storage forever: after rounds of
/// keys that expire by themselves, the TTL sweep and the entity storage cleanup bring the task hub's
/// storage back to its starting size. Runs its own engine (same Azurite, own task hub) with the
/// message-reorder window at 0, because the cleanup only removes entities idle longer than that
/// window (30 minutes in production, see docs/durable-store.md).
/// </summary>
[Collection(DurableCollection.Name)]
public class StorageGrowthTests(DurableFixture fixture, ITestOutputHelper output)
{
    static byte[][] Cmd(params string[] words) => words.Select(Encoding.UTF8.GetBytes).ToArray();

    /// <summary>Rows of the task hub's tables and blobs of its containers: what it keeps in storage.</summary>
    async Task<(int Instances, int History, int Blobs)> StorageSizeAsync(string hub)
    {
        var tables = new TableServiceClient(fixture.ConnectionString);
        int Count(string table) => tables.GetTableClient(table).Query<TableEntity>(select: ["PartitionKey"]).Count();
        var blobs = 0;
        var service = new BlobServiceClient(fixture.ConnectionString);
        await foreach (var container in service.GetBlobContainersAsync(prefix: hub.ToLowerInvariant()))
        await foreach (var blob in service.GetBlobContainerClient(container.Name).GetBlobsAsync())
            if (!container.Name.EndsWith("-leases", StringComparison.Ordinal)) blobs++; // partition leases are fixed
        return (Count(hub + "Instances"), Count(hub + "History"), blobs);
    }

    [Fact]
    public async Task FiveRoundsOf1000ExpiringKeysLeaveStorageAtItsStartingSize()
    {
        var hub = "growth" + Guid.NewGuid().ToString("N")[..8];
        await using var engine = new DurableEngine(new DurableEngineOptions
        {
            StorageConnection = fixture.ConnectionString,
            TaskHub = hub,
            EntityMessageReorderWindowMinutes = 0,
        }, LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning)));
        await engine.StartAsync();
        var store = engine.Store;
        var sweep = new ExpirySweep(engine.Client.Entities, NullLogger.Instance);
        await sweep.RunAsync(); // the sweep's cursor: one row that stays
        await WaitUntilAsync(async () => await engine.Client.Entities.GetEntityAsync(ExpiryIndex.CursorId) is not null, TimeSpan.FromSeconds(30));
        var start = await StorageSizeAsync(hub);
        output.WriteLine($"start: {start}");

        for (var round = 0; round < 5; round++)
        {
            var keys = Enumerable.Range(0, 1000).Select(i => $"round{round}:{i}").ToArray();
            foreach (var chunk in keys.Chunk(500))
                Assert.All(await store.PipelineAsync(chunk.Select(k => Cmd("SET", k, "v", "PX", "1500")).ToList()),
                    r => Assert.Equal(Reply.Ok, r));
            var grown = await StorageSizeAsync(hub);
            Assert.True(grown.Instances >= start.Instances + 1000, $"round {round}: {grown}");
            await WaitUntilAsync(async () => await CountKeysAsync(engine, $"round{round}:") == 0, TimeSpan.FromSeconds(120));
            output.WriteLine($"round {round}: {grown} while the keys lived");
        }

        // Every expiry bucket is due ~2 buckets after its keys expired; the sweep then clears them.
        await Task.Delay(TimeSpan.FromMilliseconds(2 * ExpiryIndex.BucketMs + 1000));
        await sweep.RunAsync();
        await WaitUntilAsync(async () => await BucketsWithKeysAsync(engine) == 0, TimeSpan.FromSeconds(60));
        var before = await StorageSizeAsync(hub);
        await EntityStorageCleanup.RunAsync(engine.Client, NullLogger.Instance, CancellationToken.None);
        var end = await StorageSizeAsync(hub);
        output.WriteLine($"before cleanup: {before}, after: {end}");

        Assert.True(before.Instances > start.Instances, "nothing was left to clean: the test would prove nothing");
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
