using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>Every stream method, consumer groups included, against the standalone store.</summary>
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class StreamsTests(StoreHost host) : StoreTest(host)
{

    [Fact]
    public async Task Entries_ranges_trimming_and_reads()
    {
        var s = new TestKeys()["s"];
        Assert.Equal("1-1", await Client.XAddAsync(s, [new("temp", 20), new("room", "kitchen")], id: "1-1"));
        Assert.Equal("2-1", await Client.XAddAsync(s, [new("temp", 21)], id: "2-1"));
        var generated = await Client.XAddAsync(s, [new("temp", 22)]);
        Assert.Matches(@"^\d+-\d+$", generated);
        Assert.Null(await Client.XAddAsync(s + ":missing", [new("f", "v")], noMakeStream: true));
        Assert.Equal(3, await Client.XLenAsync(s));

        var all = await Client.XRangeAsync(s);
        Assert.Equal(["1-1", "2-1", generated], all.Select(e => e.Id));
        Assert.Equal("kitchen", all[0]["room"]);
        Assert.Equal([new KeyValuePair<string, string>("temp", "20"), new("room", "kitchen")], all[0].Fields!);
        Assert.Equal(["2-1"], (await Client.XRangeAsync(s, "(1-1", "+", count: 1)).Select(e => e.Id));
        Assert.Equal([generated, "2-1"], (await Client.XRevRangeAsync(s, count: 2)).Select(e => e.Id));

        var read = Assert.Single(await Client.XReadAsync([new(s, "1-1")], count: 10));
        Assert.Equal(s, read.Stream);
        Assert.Equal(["2-1", generated], read.Entries.Select(e => e.Id));
        Assert.Empty(await Client.XReadAsync([new(s, "$")], block: TimeSpan.FromMilliseconds(100)));

        Assert.Equal(1, await Client.XDelAsync(s, ["2-1", "9-9"]));
        Assert.Equal(1, await Client.XTrimAsync(s, 1));
        Assert.Equal([generated], (await Client.XRangeAsync(s)).Select(e => e.Id));
        await Client.XSetIdAsync(s, "99999999999999-0");
        Assert.Equal(0, await Client.XTrimAsync(s, 1000, approximate: true));
        Assert.Equal("99999999999999-1", await Client.XAddAsync(s, [new("f", "v")], maxLength: 10, approximate: true));
    }

    [Fact]
    public async Task Consumer_groups()
    {
        var s = new TestKeys()["s"];
        await Client.XGroupCreateAsync(s, "workers", "0", makeStream: true);
        Assert.True(await Client.XGroupCreateConsumerAsync(s, "workers", "idle"));
        foreach (var i in Enumerable.Range(1, 3)) await Client.XAddAsync(s, [new("job", i)], id: $"{i}-0");

        var delivered = Assert.Single(await Client.XReadGroupAsync("workers", "alice", [new(s, ">")], count: 2));
        Assert.Equal(["1-0", "2-0"], delivered.Entries.Select(e => e.Id));
        Assert.Equal(["3-0"], (await Client.XReadGroupAsync("workers", "bob", [new(s, ">")]))[0].Entries.Select(e => e.Id));
        Assert.Empty(await Client.XReadGroupAsync("workers", "bob", [new(s, ">")], block: TimeSpan.FromMilliseconds(100)));

        var summary = await Client.XPendingAsync(s, "workers");
        Assert.Equal(3, summary.Count);
        Assert.Equal("1-0", summary.LowestId);
        Assert.Equal("3-0", summary.HighestId);
        Assert.Equal([new KeyValuePair<string, long>("alice", 2), new("bob", 1)], summary.Consumers);
        var pending = await Client.XPendingRangeAsync(s, "workers", "-", "+", 10, consumer: "alice");
        Assert.Equal(["1-0", "2-0"], pending.Select(p => p.Id));
        Assert.All(pending, p => Assert.Equal(1, p.Deliveries));

        Assert.Equal(1, await Client.XAckAsync(s, "workers", ["1-0"]));
        var claimed = await Client.XClaimAsync(s, "workers", "bob", TimeSpan.Zero, ["2-0"]);
        Assert.Equal(["2-0"], claimed.Select(e => e.Id));
        var auto = await Client.XAutoClaimAsync(s, "workers", "carol", TimeSpan.Zero, "0-0", count: 10);
        Assert.Equal(["2-0", "3-0"], auto.Entries.Select(e => e.Id));
        Assert.Equal("0-0", auto.NextStartId);
        Assert.Empty(auto.DeletedIds);
        var again = Assert.Single(await Client.XReadGroupAsync("workers", "carol", [new(s, "0")]));
        Assert.Equal(["2-0", "3-0"], again.Entries.Select(e => e.Id));

        await Client.XGroupSetIdAsync(s, "workers", "0");
        Assert.Equal(2, await Client.XGroupDelConsumerAsync(s, "workers", "carol"));
        Assert.True(await Client.XGroupDestroyAsync(s, "workers"));
        Assert.False(await Client.XGroupDestroyAsync(s, "workers"));
    }
}
