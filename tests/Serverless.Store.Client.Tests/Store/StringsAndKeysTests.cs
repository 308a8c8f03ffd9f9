using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>Every string and key method against the standalone store (a child process on Azurite).</summary>
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class StringsAndKeysTests(StoreHost host) : StoreTest(host)
{

    [Fact]
    public async Task String_commands()
    {
        var k = new TestKeys();
        Assert.Null(await Client.GetAsync(k["s"]));
        Assert.True(await Client.SetAsync(k["s"], "hello"));
        Assert.False(await Client.SetAsync(k["s"], "other", condition: SetCondition.NotExists));
        Assert.True(await Client.SetAsync(k["s"], "hello world", condition: SetCondition.Exists, keepTtl: true));
        Assert.Equal("hello world", await Client.GetAsync(k["s"]));
        Assert.Equal(11, await Client.StrLenAsync(k["s"]));
        Assert.Equal("world", await Client.GetRangeAsync(k["s"], 6, -1));
        Assert.Equal(11, await Client.SetRangeAsync(k["s"], 6, "there"));
        Assert.Equal(14, await Client.AppendAsync(k["s"], "!!!"));
        Assert.Equal("hello there!!!", await Client.GetSetAsync(k["s"], "next"));
        Assert.False(await Client.SetNxAsync(k["s"], "x"));
        Assert.True(await Client.SetNxAsync(k["fresh"], "x"));
        Assert.Equal("next", await Client.GetDelAsync(k["s"]));
        Assert.False(await Client.ExistsAsync(k["s"]));

        Assert.Equal(1, await Client.IncrAsync(k["n"]));
        Assert.Equal(11, await Client.IncrByAsync(k["n"], 10));
        Assert.Equal(10, await Client.DecrAsync(k["n"]));
        Assert.Equal(5, await Client.DecrByAsync(k["n"], 5));
        Assert.Equal(5.5, await Client.IncrByFloatAsync(k["n"], 0.5));

        await Client.MSetAsync([new(k["m1"], "a"), new(k["m2"], 2)]);
        Assert.Equal(new string?[] { "a", "2", null }, await Client.MGetAsync([k["m1"], k["m2"], k["m3"]]));
        Assert.False(await Client.MSetNxAsync([new(k["m1"], "z"), new(k["m4"], "z")]));
        Assert.True(await Client.MSetNxAsync([new(k["m4"], "z"), new(k["m5"], "z")]));

        Assert.True(await Client.SetAsync(k["ttl"], "v", TimeSpan.FromMinutes(5)));
        Assert.InRange(await Client.PTtlAsync(k["ttl"]), 1, 300_000);
        Assert.Equal("v", await Client.GetExAsync(k["ttl"], persist: true));
        Assert.Equal(-1, await Client.TtlAsync(k["ttl"]));
        Assert.Equal("v", await Client.GetExAsync(k["ttl"], TimeSpan.FromSeconds(100)));
        Assert.InRange(await Client.TtlAsync(k["ttl"]), 1, 100);
        Assert.Equal("v", await Client.GetExAsync(k["ttl"]));
    }

    [Fact]
    public async Task Key_commands()
    {
        var k = new TestKeys();
        await Client.SetAsync(k["a"], "1");
        await Client.SetAsync(k["b"], "2");
        Assert.Equal("string", await Client.TypeAsync(k["a"]));
        Assert.Equal("none", await Client.TypeAsync(k["missing"]));
        Assert.Equal(2, await Client.ExistsAsync([k["a"], k["b"], k["missing"]]));
        Assert.Equal(2, await Client.TouchAsync([k["a"], k["b"]]));

        Assert.True(await Client.ExpireAsync(k["a"], TimeSpan.FromSeconds(50)));
        Assert.InRange(await Client.TtlAsync(k["a"]), 1, 50);
        var at = DateTimeOffset.UtcNow.AddMinutes(10);
        Assert.True(await Client.ExpireAtAsync(k["a"], at));
        Assert.Equal(at.ToUnixTimeMilliseconds(), await Client.PExpireTimeAsync(k["a"]));
        Assert.True(await Client.PersistAsync(k["a"]));
        Assert.False(await Client.PersistAsync(k["a"]));
        Assert.Equal(-2, await Client.TtlAsync(k["missing"]));
        Assert.False(await Client.ExpireAsync(k["missing"], TimeSpan.FromSeconds(1)));

        await Client.RenameAsync(k["a"], k["renamed"]);
        Assert.Equal("1", await Client.GetAsync(k["renamed"]));
        Assert.False(await Client.RenameNxAsync(k["renamed"], k["b"]));
        Assert.True(await Client.CopyAsync(k["renamed"], k["copy"]));
        Assert.False(await Client.CopyAsync(k["renamed"], k["b"]));
        Assert.True(await Client.CopyAsync(k["renamed"], k["b"], replace: true));
        Assert.Equal("1", await Client.GetAsync(k["b"]));

        Assert.Equal([k["b"], k["copy"], k["renamed"]], (await Client.KeysAsync(k.Pattern)).Order());
        var scanned = new List<string>();
        var cursor = "0";
        do
        {
            var page = await Client.ScanAsync(cursor, k.Pattern, count: 1000, type: "string");
            scanned.AddRange(page.Items);
            cursor = page.Cursor;
        } while (cursor != "0");
        Assert.Equal([k["b"], k["copy"], k["renamed"]], scanned.Order());

        Assert.NotNull(await Client.RandomKeyAsync());   // the store holds at least this test's keys
        Assert.True(await Client.DbSizeAsync() >= 3);
        Assert.True(await Client.DelAsync(k["b"]));
        Assert.Equal(1, await Client.UnlinkAsync([k["copy"], k["missing"]]));
        Assert.Equal(1, await Client.DelAsync([k["renamed"], k["missing"]]));
        Assert.Empty(await Client.KeysAsync(k.Pattern));
    }

    [Fact]
    public async Task Server_commands()
    {
        Assert.Equal("PONG", await Client.PingAsync());
        Assert.Equal("héllo", await Client.EchoAsync("héllo"));
        var time = await Client.TimeAsync();
        Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }
}
