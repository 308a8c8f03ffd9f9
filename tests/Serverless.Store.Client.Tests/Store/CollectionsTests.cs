using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>Every hash, list, set and sorted-set method against the standalone store.</summary>
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class CollectionsTests(StoreHost host) : StoreTest(host)
{

    [Fact]
    public async Task Hash_commands()
    {
        var k = new TestKeys();
        var h = k["h"];
        Assert.Equal(1, await Client.HSetAsync(h, "name", "Ada"));
        Assert.Equal(2, await Client.HSetAsync(h, [new("email", "ada@example.com"), new("visits", 1), new("name", "Ada L.")]));
        Assert.False(await Client.HSetNxAsync(h, "name", "x"));
        Assert.True(await Client.HSetNxAsync(h, "city", "London"));
        Assert.Equal("Ada L.", await Client.HGetAsync(h, "name"));
        Assert.Null(await Client.HGetAsync(h, "missing"));
        Assert.Equal(new string?[] { "Ada L.", null }, await Client.HMGetAsync(h, ["name", "missing"]));
        Assert.Equal(6, await Client.HIncrByAsync(h, "visits", 5));
        Assert.Equal(6.25, await Client.HIncrByFloatAsync(h, "visits", 0.25));
        Assert.Equal(new Dictionary<string, string> { ["name"] = "Ada L.", ["email"] = "ada@example.com", ["visits"] = "6.25", ["city"] = "London" },
            await Client.HGetAllAsync(h));
        Assert.True(await Client.HExistsAsync(h, "city"));
        Assert.Equal(4, await Client.HLenAsync(h));
        Assert.Equal(["city", "email", "name", "visits"], (await Client.HKeysAsync(h)).Order());
        Assert.Contains("London", await Client.HValsAsync(h));
        Assert.Equal(6, await Client.HStrLenAsync(h, "name"));
        Assert.Equal(2, (await Client.HRandFieldAsync(h, 2)).Distinct().Count());
        var page = await Client.HScanAsync(h, "0", match: "e*", count: 100);
        Assert.Equal([new KeyValuePair<string, string>("email", "ada@example.com")], page.Items);
        Assert.True(page.IsLast);
        Assert.Equal(1, await Client.HDelAsync(h, ["email", "missing"]));
        Assert.Empty(await Client.HGetAllAsync(k["missing"]));
    }

    [Fact]
    public async Task List_commands()
    {
        var k = new TestKeys();
        var l = k["l"];
        Assert.Equal(0, await Client.LPushXAsync(l, "x"));
        Assert.Equal(1, await Client.RPushAsync(l, "b"));
        Assert.Equal(3, await Client.RPushAsync(l, ["c", "d"]));
        Assert.Equal(4, await Client.LPushAsync(l, "a"));
        Assert.Equal(6, await Client.LPushAsync(l, ["0", "-1"])); // the last pushed ends up first
        Assert.Equal(7, await Client.RPushXAsync(l, "e"));
        Assert.Equal(["-1", "0", "a", "b", "c", "d", "e"], await Client.LRangeAsync(l, 0, -1));
        Assert.Equal(7, await Client.LLenAsync(l));
        Assert.Equal("e", await Client.LIndexAsync(l, -1));
        await Client.LSetAsync(l, 0, "minus-one");
        Assert.Equal(8, await Client.LInsertAsync(l, before: true, "c", "b2"));
        Assert.Equal(-1, await Client.LInsertAsync(l, before: false, "nope", "x"));
        Assert.Equal(4, await Client.LPosAsync(l, "b2"));
        Assert.Null(await Client.LPosAsync(l, "nope"));
        Assert.Equal(1, await Client.LRemAsync(l, 0, "b2"));
        Assert.Equal("minus-one", await Client.LPopAsync(l));
        Assert.Equal(["0", "a"], await Client.LPopAsync(l, 2));
        Assert.Equal("e", await Client.RPopAsync(l));
        Assert.Equal(["d"], await Client.RPopAsync(l, 1));
        await Client.LTrimAsync(l, 0, 0);
        Assert.Equal(["b"], await Client.LRangeAsync(l, 0, -1));
        Assert.Equal("b", await Client.LMoveAsync(l, k["other"], ListSide.Left, ListSide.Right));
        Assert.Null(await Client.LMoveAsync(l, k["other"], ListSide.Left, ListSide.Right));
        await Client.RPushAsync(k["other"], "z");
        Assert.Equal("z", await Client.RPopLPushAsync(k["other"], l));
        Assert.Equal(["z"], await Client.LRangeAsync(l, 0, -1));
        Assert.Empty(await Client.LPopAsync(k["missing"], 3));
    }

    [Fact]
    public async Task Set_commands()
    {
        var k = new TestKeys();
        Assert.True(await Client.SAddAsync(k["a"], "x"));
        Assert.False(await Client.SAddAsync(k["a"], "x"));
        Assert.Equal(3, await Client.SAddAsync(k["a"], ["y", "z", "w"]));
        Assert.Equal(2, await Client.SAddAsync(k["b"], ["y", "q"]));
        Assert.Equal(["w", "x", "y", "z"], (await Client.SMembersAsync(k["a"])).Order());
        Assert.True(await Client.SIsMemberAsync(k["a"], "y"));
        Assert.Equal(new[] { true, false }, await Client.SMIsMemberAsync(k["a"], ["x", "q"]));
        Assert.Equal(4, await Client.SCardAsync(k["a"]));
        Assert.Equal(["y"], await Client.SInterAsync([k["a"], k["b"]]));
        Assert.Equal(["q", "w", "x", "y", "z"], (await Client.SUnionAsync([k["a"], k["b"]])).Order());
        Assert.Equal(["w", "x", "z"], (await Client.SDiffAsync([k["a"], k["b"]])).Order());
        Assert.Equal(1, await Client.SInterStoreAsync(k["inter"], [k["a"], k["b"]]));
        Assert.Equal(5, await Client.SUnionStoreAsync(k["union"], [k["a"], k["b"]]));
        Assert.Equal(3, await Client.SDiffStoreAsync(k["diff"], [k["a"], k["b"]]));
        Assert.Equal(1, await Client.SInterCardAsync([k["a"], k["b"]]));
        Assert.Equal(2, await Client.SInterCardAsync([k["a"], k["union"]], limit: 2));
        Assert.True(await Client.SMoveAsync(k["a"], k["b"], "w"));
        Assert.False(await Client.SMoveAsync(k["a"], k["b"], "w"));
        Assert.Contains(await Client.SRandMemberAsync(k["a"]), new[] { "x", "y", "z" });
        Assert.Equal(3, (await Client.SRandMemberAsync(k["a"], 5)).Length);
        var page = await Client.SScanAsync(k["a"], "0", count: 100);
        Assert.Equal(["x", "y", "z"], page.Items.Order());
        var popped = await Client.SPopAsync(k["a"]);
        Assert.Contains(popped, new[] { "x", "y", "z" });
        Assert.Equal(2, (await Client.SPopAsync(k["a"], 5)).Length);
        Assert.Equal(0, await Client.SCardAsync(k["a"]));
        Assert.Equal(1, await Client.SRemAsync(k["b"], ["q", "nope"]));
    }

    [Fact]
    public async Task Sorted_set_commands()
    {
        var k = new TestKeys();
        var z = k["z"];
        Assert.True(await Client.ZAddAsync(z, "alice", 100));
        Assert.Equal(2, await Client.ZAddAsync(z, [new("bob", 250), new("carol", 175)]));
        Assert.Equal(0, await Client.ZAddAsync(z, [new("bob", 1)], ZAddOptions.GreaterThan));
        Assert.Equal(1, await Client.ZAddAsync(z, [new("bob", 260), new("dave", 5)], ZAddOptions.Exists | ZAddOptions.Changed));
        Assert.Equal(200, await Client.ZIncrByAsync(z, 100, "alice"));
        Assert.Equal(260, await Client.ZScoreAsync(z, "bob"));
        Assert.Equal(new double?[] { 200, null }, await Client.ZMScoreAsync(z, ["alice", "dave"]));
        Assert.Equal(3, await Client.ZCardAsync(z));
        Assert.Equal(3, await Client.ZCountAsync(z, 175, double.PositiveInfinity));
        Assert.Equal(["carol", "alice", "bob"], await Client.ZRangeAsync(z, 0, -1));
        Assert.Equal([new SortedSetEntry("bob", 260), new SortedSetEntry("alice", 200)], await Client.ZRangeWithScoresAsync(z, 0, 1, reverse: true));
        Assert.Equal(["alice", "bob"], await Client.ZRangeByScoreAsync(z, 180, double.PositiveInfinity));
        Assert.Equal(["alice"], await Client.ZRangeByScoreAsync(z, double.NegativeInfinity, double.PositiveInfinity, reverse: true, offset: 1, count: 1));
        Assert.Equal([new SortedSetEntry("carol", 175)], await Client.ZRangeByScoreWithScoresAsync(z, 0, 180));
        Assert.Equal(0, await Client.ZRankAsync(z, "carol"));
        Assert.Equal(0, await Client.ZRevRankAsync(z, "bob"));
        Assert.Null(await Client.ZRankAsync(z, "nobody"));
        Assert.Equal(2, (await Client.ZRandMemberAsync(z, 2)).Distinct().Count());
        Assert.Equal(3, (await Client.ZScanAsync(z, "0", count: 100)).Items.Count);

        var lex = k["lex"];
        await Client.ZAddAsync(lex, [new("a", 0), new("b", 0), new("c", 0), new("d", 0)]);
        Assert.Equal(["b", "c"], await Client.ZRangeByLexAsync(lex, "[b", "(d"));
        Assert.Equal(["d", "c"], await Client.ZRangeByLexAsync(lex, "[c", "+", reverse: true));
        Assert.Equal(4, await Client.ZLexCountAsync(lex, "-", "+"));
        Assert.Equal(1, await Client.ZRemRangeByLexAsync(lex, "[a", "[a"));
        Assert.Equal(1, await Client.ZRemRangeByRankAsync(lex, 0, 0));
        Assert.Equal(2, await Client.ZRemAsync(lex, ["c", "d", "x"]));

        var other = k["other"];
        await Client.ZAddAsync(other, [new("alice", 1), new("erin", 2)]);
        Assert.Equal(4, await Client.ZUnionStoreAsync(k["union"], [z, other]));
        Assert.Equal(1, await Client.ZInterStoreAsync(k["inter"], [z, other], weights: [1, 10], aggregate: ZAggregate.Max));
        Assert.Equal(200, await Client.ZScoreAsync(k["inter"], "alice")); // MAX(200 x 1, 1 x 10)
        Assert.Equal(2, await Client.ZDiffStoreAsync(k["diff"], [z, other]));
        Assert.Equal([new SortedSetEntry("alice", 201)], (await Client.ZUnionAsync([z, other])).Where(e => e.Member == "alice"));
        Assert.Equal([new SortedSetEntry("alice", 1)], await Client.ZInterAsync([z, other], aggregate: ZAggregate.Min));
        Assert.Equal(["carol", "bob"], (await Client.ZDiffAsync([z, other])).Select(e => e.Member));

        Assert.Equal(1, await Client.ZRemRangeByScoreAsync(z, 0, 180));
        Assert.Equal([new SortedSetEntry("alice", 200)], await Client.ZPopMinAsync(z));
        Assert.Equal([new SortedSetEntry("bob", 260)], await Client.ZPopMaxAsync(z, 5));
        Assert.Equal(0, await Client.ZCardAsync(z));
    }
}
