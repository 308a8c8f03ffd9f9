using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>Every hash, list, set and sorted-set method against the standalone store.</summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class CollectionsTests(StoreHost host) : IDisposable
{
    readonly StoreClient client = StoreClients.Full(host);

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task Hash_commands()
    {
        var k = new TestKeys();
        var h = k["h"];
        Assert.Equal(1, await client.HSetAsync(h, "name", "Ada"));
        Assert.Equal(2, await client.HSetAsync(h, [new("email", "ada@example.com"), new("visits", 1), new("name", "Ada L.")]));
        Assert.False(await client.HSetNxAsync(h, "name", "x"));
        Assert.True(await client.HSetNxAsync(h, "city", "London"));
        Assert.Equal("Ada L.", await client.HGetAsync(h, "name"));
        Assert.Null(await client.HGetAsync(h, "missing"));
        Assert.Equal(new string?[] { "Ada L.", null }, await client.HMGetAsync(h, ["name", "missing"]));
        Assert.Equal(6, await client.HIncrByAsync(h, "visits", 5));
        Assert.Equal(6.25, await client.HIncrByFloatAsync(h, "visits", 0.25));
        Assert.Equal(new Dictionary<string, string> { ["name"] = "Ada L.", ["email"] = "ada@example.com", ["visits"] = "6.25", ["city"] = "London" },
            await client.HGetAllAsync(h));
        Assert.True(await client.HExistsAsync(h, "city"));
        Assert.Equal(4, await client.HLenAsync(h));
        Assert.Equal(["city", "email", "name", "visits"], (await client.HKeysAsync(h)).Order());
        Assert.Contains("London", await client.HValsAsync(h));
        Assert.Equal(6, await client.HStrLenAsync(h, "name"));
        Assert.Equal(2, (await client.HRandFieldAsync(h, 2)).Distinct().Count());
        var page = await client.HScanAsync(h, "0", match: "e*", count: 100);
        Assert.Equal([new KeyValuePair<string, string>("email", "ada@example.com")], page.Items);
        Assert.True(page.IsLast);
        Assert.Equal(1, await client.HDelAsync(h, ["email", "missing"]));
        Assert.Empty(await client.HGetAllAsync(k["missing"]));
    }

    [Fact]
    public async Task List_commands()
    {
        var k = new TestKeys();
        var l = k["l"];
        Assert.Equal(0, await client.LPushXAsync(l, "x"));
        Assert.Equal(1, await client.RPushAsync(l, "b"));
        Assert.Equal(3, await client.RPushAsync(l, ["c", "d"]));
        Assert.Equal(4, await client.LPushAsync(l, "a"));
        Assert.Equal(6, await client.LPushAsync(l, ["0", "-1"])); // the last pushed ends up first
        Assert.Equal(7, await client.RPushXAsync(l, "e"));
        Assert.Equal(["-1", "0", "a", "b", "c", "d", "e"], await client.LRangeAsync(l, 0, -1));
        Assert.Equal(7, await client.LLenAsync(l));
        Assert.Equal("e", await client.LIndexAsync(l, -1));
        await client.LSetAsync(l, 0, "minus-one");
        Assert.Equal(8, await client.LInsertAsync(l, before: true, "c", "b2"));
        Assert.Equal(-1, await client.LInsertAsync(l, before: false, "nope", "x"));
        Assert.Equal(4, await client.LPosAsync(l, "b2"));
        Assert.Null(await client.LPosAsync(l, "nope"));
        Assert.Equal(1, await client.LRemAsync(l, 0, "b2"));
        Assert.Equal("minus-one", await client.LPopAsync(l));
        Assert.Equal(["0", "a"], await client.LPopAsync(l, 2));
        Assert.Equal("e", await client.RPopAsync(l));
        Assert.Equal(["d"], await client.RPopAsync(l, 1));
        await client.LTrimAsync(l, 0, 0);
        Assert.Equal(["b"], await client.LRangeAsync(l, 0, -1));
        Assert.Equal("b", await client.LMoveAsync(l, k["other"], ListSide.Left, ListSide.Right));
        Assert.Null(await client.LMoveAsync(l, k["other"], ListSide.Left, ListSide.Right));
        await client.RPushAsync(k["other"], "z");
        Assert.Equal("z", await client.RPopLPushAsync(k["other"], l));
        Assert.Equal(["z"], await client.LRangeAsync(l, 0, -1));
        Assert.Empty(await client.LPopAsync(k["missing"], 3));
    }

    [Fact]
    public async Task Set_commands()
    {
        var k = new TestKeys();
        Assert.True(await client.SAddAsync(k["a"], "x"));
        Assert.False(await client.SAddAsync(k["a"], "x"));
        Assert.Equal(3, await client.SAddAsync(k["a"], ["y", "z", "w"]));
        Assert.Equal(2, await client.SAddAsync(k["b"], ["y", "q"]));
        Assert.Equal(["w", "x", "y", "z"], (await client.SMembersAsync(k["a"])).Order());
        Assert.True(await client.SIsMemberAsync(k["a"], "y"));
        Assert.Equal(new[] { true, false }, await client.SMIsMemberAsync(k["a"], ["x", "q"]));
        Assert.Equal(4, await client.SCardAsync(k["a"]));
        Assert.Equal(["y"], await client.SInterAsync([k["a"], k["b"]]));
        Assert.Equal(["q", "w", "x", "y", "z"], (await client.SUnionAsync([k["a"], k["b"]])).Order());
        Assert.Equal(["w", "x", "z"], (await client.SDiffAsync([k["a"], k["b"]])).Order());
        Assert.Equal(1, await client.SInterStoreAsync(k["inter"], [k["a"], k["b"]]));
        Assert.Equal(5, await client.SUnionStoreAsync(k["union"], [k["a"], k["b"]]));
        Assert.Equal(3, await client.SDiffStoreAsync(k["diff"], [k["a"], k["b"]]));
        Assert.Equal(1, await client.SInterCardAsync([k["a"], k["b"]]));
        Assert.Equal(2, await client.SInterCardAsync([k["a"], k["union"]], limit: 2));
        Assert.True(await client.SMoveAsync(k["a"], k["b"], "w"));
        Assert.False(await client.SMoveAsync(k["a"], k["b"], "w"));
        Assert.Contains(await client.SRandMemberAsync(k["a"]), new[] { "x", "y", "z" });
        Assert.Equal(3, (await client.SRandMemberAsync(k["a"], 5)).Length);
        var page = await client.SScanAsync(k["a"], "0", count: 100);
        Assert.Equal(["x", "y", "z"], page.Items.Order());
        var popped = await client.SPopAsync(k["a"]);
        Assert.Contains(popped, new[] { "x", "y", "z" });
        Assert.Equal(2, (await client.SPopAsync(k["a"], 5)).Length);
        Assert.Equal(0, await client.SCardAsync(k["a"]));
        Assert.Equal(1, await client.SRemAsync(k["b"], ["q", "nope"]));
    }

    [Fact]
    public async Task Sorted_set_commands()
    {
        var k = new TestKeys();
        var z = k["z"];
        Assert.True(await client.ZAddAsync(z, "alice", 100));
        Assert.Equal(2, await client.ZAddAsync(z, [new("bob", 250), new("carol", 175)]));
        Assert.Equal(0, await client.ZAddAsync(z, [new("bob", 1)], ZAddOptions.GreaterThan));
        Assert.Equal(1, await client.ZAddAsync(z, [new("bob", 260), new("dave", 5)], ZAddOptions.Exists | ZAddOptions.Changed));
        Assert.Equal(200, await client.ZIncrByAsync(z, 100, "alice"));
        Assert.Equal(260, await client.ZScoreAsync(z, "bob"));
        Assert.Equal(new double?[] { 200, null }, await client.ZMScoreAsync(z, ["alice", "dave"]));
        Assert.Equal(3, await client.ZCardAsync(z));
        Assert.Equal(3, await client.ZCountAsync(z, 175, double.PositiveInfinity));
        Assert.Equal(["carol", "alice", "bob"], await client.ZRangeAsync(z, 0, -1));
        Assert.Equal([new SortedSetEntry("bob", 260), new SortedSetEntry("alice", 200)], await client.ZRangeWithScoresAsync(z, 0, 1, reverse: true));
        Assert.Equal(["alice", "bob"], await client.ZRangeByScoreAsync(z, 180, double.PositiveInfinity));
        Assert.Equal(["alice"], await client.ZRangeByScoreAsync(z, double.NegativeInfinity, double.PositiveInfinity, reverse: true, offset: 1, count: 1));
        Assert.Equal([new SortedSetEntry("carol", 175)], await client.ZRangeByScoreWithScoresAsync(z, 0, 180));
        Assert.Equal(0, await client.ZRankAsync(z, "carol"));
        Assert.Equal(0, await client.ZRevRankAsync(z, "bob"));
        Assert.Null(await client.ZRankAsync(z, "nobody"));
        Assert.Equal(2, (await client.ZRandMemberAsync(z, 2)).Distinct().Count());
        Assert.Equal(3, (await client.ZScanAsync(z, "0", count: 100)).Items.Count);

        var lex = k["lex"];
        await client.ZAddAsync(lex, [new("a", 0), new("b", 0), new("c", 0), new("d", 0)]);
        Assert.Equal(["b", "c"], await client.ZRangeByLexAsync(lex, "[b", "(d"));
        Assert.Equal(["d", "c"], await client.ZRangeByLexAsync(lex, "[c", "+", reverse: true));
        Assert.Equal(4, await client.ZLexCountAsync(lex, "-", "+"));
        Assert.Equal(1, await client.ZRemRangeByLexAsync(lex, "[a", "[a"));
        Assert.Equal(1, await client.ZRemRangeByRankAsync(lex, 0, 0));
        Assert.Equal(2, await client.ZRemAsync(lex, ["c", "d", "x"]));

        var other = k["other"];
        await client.ZAddAsync(other, [new("alice", 1), new("erin", 2)]);
        Assert.Equal(4, await client.ZUnionStoreAsync(k["union"], [z, other]));
        Assert.Equal(1, await client.ZInterStoreAsync(k["inter"], [z, other], weights: [1, 10], aggregate: ZAggregate.Max));
        Assert.Equal(200, await client.ZScoreAsync(k["inter"], "alice")); // MAX(200 x 1, 1 x 10)
        Assert.Equal(2, await client.ZDiffStoreAsync(k["diff"], [z, other]));
        Assert.Equal([new SortedSetEntry("alice", 201)], (await client.ZUnionAsync([z, other])).Where(e => e.Member == "alice"));
        Assert.Equal([new SortedSetEntry("alice", 1)], await client.ZInterAsync([z, other], aggregate: ZAggregate.Min));
        Assert.Equal(["carol", "bob"], (await client.ZDiffAsync([z, other])).Select(e => e.Member));

        Assert.Equal(1, await client.ZRemRangeByScoreAsync(z, 0, 180));
        Assert.Equal([new SortedSetEntry("alice", 200)], await client.ZPopMinAsync(z));
        Assert.Equal([new SortedSetEntry("bob", 260)], await client.ZPopMaxAsync(z, 5));
        Assert.Equal(0, await client.ZCardAsync(z));
    }
}
