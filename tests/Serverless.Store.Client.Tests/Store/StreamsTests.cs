using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>Every stream method, consumer groups included, against the standalone store.</summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class StreamsTests(StoreHost host) : IDisposable
{
    readonly StoreClient client = StoreClients.Full(host);

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task Entries_ranges_trimming_and_reads()
    {
        var s = new TestKeys()["s"];
        Assert.Equal("1-1", await client.XAddAsync(s, [new("temp", 20), new("room", "kitchen")], id: "1-1"));
        Assert.Equal("2-1", await client.XAddAsync(s, [new("temp", 21)], id: "2-1"));
        var generated = await client.XAddAsync(s, [new("temp", 22)]);
        Assert.Matches(@"^\d+-\d+$", generated);
        Assert.Null(await client.XAddAsync(s + ":missing", [new("f", "v")], noMakeStream: true));
        Assert.Equal(3, await client.XLenAsync(s));

        var all = await client.XRangeAsync(s);
        Assert.Equal(["1-1", "2-1", generated], all.Select(e => e.Id));
        Assert.Equal("kitchen", all[0]["room"]);
        Assert.Equal([new KeyValuePair<string, string>("temp", "20"), new("room", "kitchen")], all[0].Fields!);
        Assert.Equal(["2-1"], (await client.XRangeAsync(s, "(1-1", "+", count: 1)).Select(e => e.Id));
        Assert.Equal([generated, "2-1"], (await client.XRevRangeAsync(s, count: 2)).Select(e => e.Id));

        var read = Assert.Single(await client.XReadAsync([new(s, "1-1")], count: 10));
        Assert.Equal(s, read.Stream);
        Assert.Equal(["2-1", generated], read.Entries.Select(e => e.Id));
        Assert.Empty(await client.XReadAsync([new(s, "$")], block: TimeSpan.FromMilliseconds(100)));

        Assert.Equal(1, await client.XDelAsync(s, ["2-1", "9-9"]));
        Assert.Equal(1, await client.XTrimAsync(s, 1));
        Assert.Equal([generated], (await client.XRangeAsync(s)).Select(e => e.Id));
        await client.XSetIdAsync(s, "99999999999999-0");
        Assert.Equal(0, await client.XTrimAsync(s, 1000, approximate: true));
        Assert.Equal("99999999999999-1", await client.XAddAsync(s, [new("f", "v")], maxLength: 10, approximate: true));
    }

    [Fact]
    public async Task Consumer_groups()
    {
        var s = new TestKeys()["s"];
        await client.XGroupCreateAsync(s, "workers", "0", makeStream: true);
        Assert.True(await client.XGroupCreateConsumerAsync(s, "workers", "idle"));
        foreach (var i in Enumerable.Range(1, 3)) await client.XAddAsync(s, [new("job", i)], id: $"{i}-0");

        var delivered = Assert.Single(await client.XReadGroupAsync("workers", "alice", [new(s, ">")], count: 2));
        Assert.Equal(["1-0", "2-0"], delivered.Entries.Select(e => e.Id));
        Assert.Equal(["3-0"], (await client.XReadGroupAsync("workers", "bob", [new(s, ">")]))[0].Entries.Select(e => e.Id));
        Assert.Empty(await client.XReadGroupAsync("workers", "bob", [new(s, ">")], block: TimeSpan.FromMilliseconds(100)));

        var summary = await client.XPendingAsync(s, "workers");
        Assert.Equal(3, summary.Count);
        Assert.Equal("1-0", summary.LowestId);
        Assert.Equal("3-0", summary.HighestId);
        Assert.Equal([new KeyValuePair<string, long>("alice", 2), new("bob", 1)], summary.Consumers);
        var pending = await client.XPendingRangeAsync(s, "workers", "-", "+", 10, consumer: "alice");
        Assert.Equal(["1-0", "2-0"], pending.Select(p => p.Id));
        Assert.All(pending, p => Assert.Equal(1, p.Deliveries));

        Assert.Equal(1, await client.XAckAsync(s, "workers", ["1-0"]));
        var claimed = await client.XClaimAsync(s, "workers", "bob", TimeSpan.Zero, ["2-0"]);
        Assert.Equal(["2-0"], claimed.Select(e => e.Id));
        var auto = await client.XAutoClaimAsync(s, "workers", "carol", TimeSpan.Zero, "0-0", count: 10);
        Assert.Equal(["2-0", "3-0"], auto.Entries.Select(e => e.Id));
        Assert.Equal("0-0", auto.NextStartId);
        Assert.Empty(auto.DeletedIds);
        var again = Assert.Single(await client.XReadGroupAsync("workers", "carol", [new(s, "0")]));
        Assert.Equal(["2-0", "3-0"], again.Entries.Select(e => e.Id));

        await client.XGroupSetIdAsync(s, "workers", "0");
        Assert.Equal(2, await client.XGroupDelConsumerAsync(s, "workers", "carol"));
        Assert.True(await client.XGroupDestroyAsync(s, "workers"));
        Assert.False(await client.XGroupDestroyAsync(s, "workers"));
    }
}
