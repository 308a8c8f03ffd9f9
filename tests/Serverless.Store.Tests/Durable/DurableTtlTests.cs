using System.Text;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Store.Durable;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// TTL on the real engine over Azurite: expired keys leave storage by themselves (the key entity's
/// self-scheduled <c>expire</c>), a later EXPIRE/PERSIST/SET is never undone by an older schedule,
/// and the sweep visits only due buckets and the keys listed there.
/// </summary>
[Collection(DurableCollection.Name)]
public class DurableTtlTests(DurableFixture fixture)
{
    readonly DurableStore store = fixture.Store;
    DurableEntityClient Entities => fixture.Engine.Client.Entities;

    static byte[][] Cmd(params string[] words) => words.Select(Encoding.UTF8.GetBytes).ToArray();

    Task<Reply> Run(params string[] words) => store.ExecuteAsync(Cmd(words));

    async Task<bool> StoredAsync(string key) =>
        await Entities.GetEntityAsync(KeyEntity.Id(Encoding.UTF8.GetBytes(key))) is not null;

    async Task<List<string>> StoredKeysAsync(string prefix)
    {
        var found = new List<string>();
        var query = new EntityQuery { InstanceIdStartsWith = "@" + KeyEntity.Name + "@" + prefix, IncludeState = false };
        await foreach (var e in Entities.GetAllEntitiesAsync(query)) found.Add(e.Id.Key);
        return found;
    }

    static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (await condition()) return true;
            await Task.Delay(200);
        }
        return await condition();
    }

    [Fact]
    public async Task AKeyWithEx2NeverReadAgainIsGoneFromStorage()
    {
        Assert.Equal(Reply.Ok, await Run("SET", "ttl:gone", "v", "EX", "2"));
        Assert.True(await StoredAsync("ttl:gone"));
        Assert.Single(await StoredKeysAsync("ttl:gone"));
        // Not read again: only storage is looked at. Expiry at +2 s, gone a few seconds later.
        Assert.True(await EventuallyAsync(async () => !await StoredAsync("ttl:gone"), TimeSpan.FromSeconds(8)),
            "the expired key's entity still has state");
        Assert.Empty(await StoredKeysAsync("ttl:gone"));
        Assert.Equal(Reply.Nil, await Run("GET", "ttl:gone"));
        // INFO counts it (per process: this process's worker deleted it).
        var info = Encoding.UTF8.GetString(((BulkReply)await Run("INFO", "stats")).Value!);
        Assert.StartsWith("# Stats\r\nexpired_keys:", info);
        Assert.True(long.Parse(info.Split(':')[1].Trim()) >= 1, info);
    }

    [Fact]
    public async Task ALaterExpirePersistOrSetIsNotUndoneByTheOldSchedule()
    {
        foreach (var k in new[] { "ttl:ext", "ttl:persist", "ttl:set" })
            Assert.Equal(Reply.Ok, await Run("SET", k, "old", "EX", "2"));
        Assert.Equal(Reply.Integer(1), await Run("EXPIRE", "ttl:ext", "60"));
        Assert.Equal(Reply.Integer(1), await Run("PERSIST", "ttl:persist"));
        Assert.Equal(Reply.Ok, await Run("SET", "ttl:set", "new")); // no KEEPTTL: the TTL is dropped
        await Task.Delay(4500); // well past the old expiry (and its scheduled signal)
        foreach (var k in new[] { "ttl:ext", "ttl:persist", "ttl:set" })
            Assert.True(await StoredAsync(k), $"{k} was deleted by its old expiry");
        Assert.Equal(Reply.Bulk("old"), await Run("GET", "ttl:ext"));
        Assert.InRange(((IntegerReply)await Run("TTL", "ttl:ext")).Value, 50, 60);
        Assert.Equal(Reply.Integer(-1), await Run("TTL", "ttl:persist"));
        Assert.Equal(Reply.Bulk("new"), await Run("GET", "ttl:set"));
        Assert.Equal(Reply.Integer(-1), await Run("TTL", "ttl:set"));
    }

    [Fact]
    public async Task TheSweepVisitsOnlyDueBucketsAndTheKeysThatExpire()
    {
        var sweep = new ExpirySweep(fixture.Engine.Client, NullLogger.Instance);
        await sweep.RunAsync(); // sets the cursor (a first sweep lists the buckets once)
        KeyEntity.SelfExpiry = false; // leave these keys to the sweep, to count what it deletes
        try
        {
            // 300 keys: 30 expire in 2 s, 30 in an hour, 240 never.
            var commands = Enumerable.Range(0, 300).Select(i => i switch
            {
                < 30 => Cmd("SET", $"sweep:{i}", "v", "EX", "2"),
                < 60 => Cmd("SET", $"sweep:{i}", "v", "EX", "3600"),
                _ => Cmd("SET", $"sweep:{i}", "v"),
            }).ToList();
            for (var i = 0; i < commands.Count; i += 50)
                Assert.All(await store.PipelineAsync(commands.Skip(i).Take(50).ToList()), r => Assert.Equal(Reply.Ok, r));
            Assert.Equal(300, (await StoredKeysAsync("sweep:")).Count);
            // The 2 s expiries become due once their bucket (10 s) and a grace bucket are over.
            await Task.Delay(TimeSpan.FromMilliseconds(2 * ExpiryIndex.BucketMs + 2500));
            var result = await sweep.RunAsync();

            Assert.InRange(result.Buckets, 2, 6); // ~25 s of 10 s buckets since the first sweep
            Assert.InRange(result.BucketsWithKeys, 1, 2); // the 2 s expiries were written within a few seconds
            Assert.InRange(result.KeysScanned, 30, 40); // the 30 due keys (plus any other test's), never the 300
            Assert.Equal(30, result.KeysExpired);
            Assert.True(await EventuallyAsync(async () => (await StoredKeysAsync("sweep:")).Count == 270, TimeSpan.FromSeconds(15)),
                "the sweep's expire signals did not delete the 30 keys");
            Assert.Equal(270, ((ArrayReply)await Run("KEYS", "sweep:*")).Items!.Count);

            var again = await sweep.RunAsync(); // nothing new is due
            Assert.Equal(0, again.KeysExpired);
        }
        finally
        {
            KeyEntity.SelfExpiry = true;
        }
    }
}
