using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>Every string and key method against the standalone store (a child process on Azurite).</summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class StringsAndKeysTests(StoreHost host) : IDisposable
{
    readonly StoreClient client = StoreClients.Full(host);

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task String_commands()
    {
        var k = new TestKeys();
        Assert.Null(await client.GetAsync(k["s"]));
        Assert.True(await client.SetAsync(k["s"], "hello"));
        Assert.False(await client.SetAsync(k["s"], "other", condition: SetCondition.NotExists));
        Assert.True(await client.SetAsync(k["s"], "hello world", condition: SetCondition.Exists, keepTtl: true));
        Assert.Equal("hello world", await client.GetAsync(k["s"]));
        Assert.Equal(11, await client.StrLenAsync(k["s"]));
        Assert.Equal("world", await client.GetRangeAsync(k["s"], 6, -1));
        Assert.Equal(11, await client.SetRangeAsync(k["s"], 6, "there"));
        Assert.Equal(14, await client.AppendAsync(k["s"], "!!!"));
        Assert.Equal("hello there!!!", await client.GetSetAsync(k["s"], "next"));
        Assert.False(await client.SetNxAsync(k["s"], "x"));
        Assert.True(await client.SetNxAsync(k["fresh"], "x"));
        Assert.Equal("next", await client.GetDelAsync(k["s"]));
        Assert.False(await client.ExistsAsync(k["s"]));

        Assert.Equal(1, await client.IncrAsync(k["n"]));
        Assert.Equal(11, await client.IncrByAsync(k["n"], 10));
        Assert.Equal(10, await client.DecrAsync(k["n"]));
        Assert.Equal(5, await client.DecrByAsync(k["n"], 5));
        Assert.Equal(5.5, await client.IncrByFloatAsync(k["n"], 0.5));

        await client.MSetAsync([new(k["m1"], "a"), new(k["m2"], 2)]);
        Assert.Equal(new string?[] { "a", "2", null }, await client.MGetAsync([k["m1"], k["m2"], k["m3"]]));
        Assert.False(await client.MSetNxAsync([new(k["m1"], "z"), new(k["m4"], "z")]));
        Assert.True(await client.MSetNxAsync([new(k["m4"], "z"), new(k["m5"], "z")]));

        Assert.True(await client.SetAsync(k["ttl"], "v", TimeSpan.FromMinutes(5)));
        Assert.InRange(await client.PTtlAsync(k["ttl"]), 1, 300_000);
        Assert.Equal("v", await client.GetExAsync(k["ttl"], persist: true));
        Assert.Equal(-1, await client.TtlAsync(k["ttl"]));
        Assert.Equal("v", await client.GetExAsync(k["ttl"], TimeSpan.FromSeconds(100)));
        Assert.InRange(await client.TtlAsync(k["ttl"]), 1, 100);
        Assert.Equal("v", await client.GetExAsync(k["ttl"]));
    }

    [Fact]
    public async Task Key_commands()
    {
        var k = new TestKeys();
        await client.SetAsync(k["a"], "1");
        await client.SetAsync(k["b"], "2");
        Assert.Equal("string", await client.TypeAsync(k["a"]));
        Assert.Equal("none", await client.TypeAsync(k["missing"]));
        Assert.Equal(2, await client.ExistsAsync([k["a"], k["b"], k["missing"]]));
        Assert.Equal(2, await client.TouchAsync([k["a"], k["b"]]));

        Assert.True(await client.ExpireAsync(k["a"], TimeSpan.FromSeconds(50)));
        Assert.InRange(await client.TtlAsync(k["a"]), 1, 50);
        var at = DateTimeOffset.UtcNow.AddMinutes(10);
        Assert.True(await client.ExpireAtAsync(k["a"], at));
        Assert.Equal(at.ToUnixTimeMilliseconds(), await client.PExpireTimeAsync(k["a"]));
        Assert.True(await client.PersistAsync(k["a"]));
        Assert.False(await client.PersistAsync(k["a"]));
        Assert.Equal(-2, await client.TtlAsync(k["missing"]));
        Assert.False(await client.ExpireAsync(k["missing"], TimeSpan.FromSeconds(1)));

        await client.RenameAsync(k["a"], k["renamed"]);
        Assert.Equal("1", await client.GetAsync(k["renamed"]));
        Assert.False(await client.RenameNxAsync(k["renamed"], k["b"]));
        Assert.True(await client.CopyAsync(k["renamed"], k["copy"]));
        Assert.False(await client.CopyAsync(k["renamed"], k["b"]));
        Assert.True(await client.CopyAsync(k["renamed"], k["b"], replace: true));
        Assert.Equal("1", await client.GetAsync(k["b"]));

        Assert.Equal([k["b"], k["copy"], k["renamed"]], (await client.KeysAsync(k.Pattern)).Order());
        var scanned = new List<string>();
        var cursor = "0";
        do
        {
            var page = await client.ScanAsync(cursor, k.Pattern, count: 1000, type: "string");
            scanned.AddRange(page.Items);
            cursor = page.Cursor;
        } while (cursor != "0");
        Assert.Equal([k["b"], k["copy"], k["renamed"]], scanned.Order());

        Assert.NotNull(await client.RandomKeyAsync());   // the store holds at least this test's keys
        Assert.True(await client.DbSizeAsync() >= 3);
        Assert.True(await client.DelAsync(k["b"]));
        Assert.Equal(1, await client.UnlinkAsync([k["copy"], k["missing"]]));
        Assert.Equal(1, await client.DelAsync([k["renamed"], k["missing"]]));
        Assert.Empty(await client.KeysAsync(k.Pattern));
    }

    [Fact]
    public async Task Server_commands()
    {
        Assert.Equal("PONG", await client.PingAsync());
        Assert.Equal("héllo", await client.EchoAsync("héllo"));
        var time = await client.TimeAsync();
        Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }
}
