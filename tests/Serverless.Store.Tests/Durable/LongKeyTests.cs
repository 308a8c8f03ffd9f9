using System.Text;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;
using Serverless.Store.Protocol;
using Serverless.Store.PubSub;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// Keys past the entity id's limit (a long-key entity: prefix, digest, the whole key in its state)
/// through every path of the durable store: commands, pipelines, transactions with other keys,
/// KEYS and SCAN by a long prefix, TTL (removed by the entity's own timer), keyspace events,
/// an RDB file and restore.
/// </summary>
[Trait("Needs", "azurite")]
[Collection(DurableCollection.Name)]
public sealed class LongKeyTests(DurableFixture fixture)
{
    readonly DurableStore store = fixture.Store;
    readonly string run = Guid.NewGuid().ToString("N")[..8];

    static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    Task<Reply> Run(params byte[][] args) => store.ExecuteAsync(args);

    /// <summary>A URL-like key of about <paramref name="length"/> bytes, under this run's prefix.</summary>
    byte[] UrlKey(int length, string tail = "") =>
        U($"url:{run}:https://example.com/search?q=" + new string('q', Math.Max(0, length - 40 - tail.Length)) + tail);

    async Task<KeyRecord?> Record(byte[] key) =>
        (await fixture.Engine.Client.Entities.GetEntityAsync<KeyRecord>(KeyEntity.Id(EntityKeys.EntityOf(key))))?.State;

    [Fact]
    public async Task Keys_of_1KB_64KB_1MB_and_binary_keys_work_through_commands_pipelines_and_transactions()
    {
        byte[][] keys = [UrlKey(1024), UrlKey(64 * 1024), UrlKey(1 << 20), [.. U($"bin:{run}:"), .. Enumerable.Range(0, 1024).Select(i => (byte)(i * 7))]];
        foreach (var key in keys)
        {
            Assert.True(EntityKeys.IsGroup(EntityKeys.EntityOf(key)));
            Assert.Equal(Reply.Ok, await Run(U("SET"), key, U("v1")));
            Assert.Equal(Reply.Integer(4), await Run(U("APPEND"), key, U("v2")));
            Assert.Equal(Reply.Bulk("v1v2"), await Run(U("GET"), key));
            Assert.Equal(Reply.Simple("string"), await Run(U("TYPE"), key));
            Assert.Equal(key, (await Record(key))!.Group!.Single().Key); // the whole key is in the state
        }

        // Two keys that share their first kilobytes: two entities, two values.
        var a = UrlKey(4096, "&page=1");
        var b = UrlKey(4096, "&page=2");
        Assert.NotEqual(EntityKeys.EntityOf(a), EntityKeys.EntityOf(b));
        var piped = await store.PipelineAsync([[U("SET"), a, U("A")], [U("SET"), b, U("B")], [U("GET"), a], [U("GET"), b]]);
        Assert.Equal([Reply.Ok, Reply.Ok, Reply.Bulk("A"), Reply.Bulk("B")], piped);

        // A transaction over a long key and a short one (a chain).
        var counter = U($"count:{run}");
        var exec = (ArrayReply)await store.TransactionAsync([[U("INCR"), counter], [U("SET"), a, U("A2")], [U("RENAME"), b, [.. b, (byte)'!']]]);
        Assert.Equal([Reply.Integer(1), Reply.Ok, Reply.Ok], exec.Items);
        Assert.Equal(Reply.Bulk("A2"), await Run(U("GET"), a));
        Assert.Equal(Reply.Bulk("B"), await Run(U("GET"), [.. b, (byte)'!']));
        Assert.Equal(Reply.Nil, await Run(U("GET"), b));

        // KEYS and SCAN by a prefix longer than the entity keeps: both keys, nothing else.
        byte[] pattern = [.. a[..^1], (byte)'*'];
        var listed = (ArrayReply)await Run(U("KEYS"), pattern);
        Assert.Equal(2, listed.Items!.Count);
        var scanned = (ArrayReply)((ArrayReply)await Run(U("SCAN"), U("0"), U("MATCH"), pattern, U("COUNT"), U("1000"))).Items![1];
        Assert.Equal(2, scanned.Items!.Count);
        Assert.Equal(Reply.Integer(keys.Length + 2), await Run([U("DEL"), .. keys, a, [.. b, (byte)'!']]));
    }

    [Fact]
    public async Task A_long_key_expires_by_its_entity_and_publishes_its_keyspace_events()
    {
        var previous = KeyspaceNotifications.Current;
        KeyspaceNotifications.Current = KeyspaceNotifications.Parse("KEA");
        var id = "long" + run;
        var key = UrlKey(8 * 1024);
        var channel = "__keyspace@0__:" + Encoding.UTF8.GetString(key);
        try
        {
            fixture.PubSubTransport.Connect(id);
            await fixture.Engine.PubSub!.SubscribeAsync(id, [channel], [], default);
            Assert.Equal(Reply.Ok, await Run(U("SET"), key, U("v"), U("PX"), U("300")));
            await fixture.PubSubTransport.WaitForAsync((_, m) => m == PubSubMessage.Message(channel, "set"));
            await fixture.PubSubTransport.WaitForAsync((_, m) => m == PubSubMessage.Message(channel, "expired"));
            Assert.False((await Record(key))?.HasKeys ?? false); // gone from storage, not only hidden
        }
        finally
        {
            KeyspaceNotifications.Current = previous;
            await fixture.Engine.PubSub!.DisconnectedAsync(id);
        }
    }

    static async IAsyncEnumerable<(byte[] Key, KeyState State)> Listed(List<(byte[], KeyState)> states)
    {
        foreach (var state in states) yield return state;
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Long_keys_travel_through_an_rdb_file_and_restore()
    {
        var keys = new[] { UrlKey(2048), UrlKey(100 * 1024) };
        foreach (var key in keys) await Run(U("HSET"), key, U("f"), key[^10..]);
        var states = new List<(byte[], KeyState)>();
        foreach (var key in keys) states.Add((key, KeyReads.StateIn(await Record(key), EntityKeys.EntityOf(key), key)!));
        var info = await fixture.Engine.Snapshots.WriteAsync(Listed(states), "long keys test", default);
        Assert.Equal(2, info.Keys);
        await Run([U("DEL"), .. keys]);

        var result = await fixture.Engine.Snapshots.RestoreSnapshotAsync(info.Name, RestoreMode.Merge, default);
        Assert.Equal(2, result.Keys);
        foreach (var key in keys) Assert.Equal(Reply.Bulk(key[^10..]), await Run(U("HGET"), key, U("f")));
        await Run([U("DEL"), .. keys]);
    }
}
