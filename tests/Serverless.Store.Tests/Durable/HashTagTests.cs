using System.Text;
using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Durable;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// Keys that share a hash tag live in one entity: multi-key commands and transactions on one tag are
/// one entity request, keys keep their own TTLs, and the whole keyspace still lists them.
/// </summary>
[Collection(DurableCollection.Name)]
[Trait("Needs", "azurite")]
public class HashTagTests(DurableFixture fixture)
{
    readonly DurableStore store = fixture.Store;
    DurableEntityClient Entities => fixture.Engine.Client.Entities;

    static byte[][] Cmd(params string[] words) => words.Select(Encoding.UTF8.GetBytes).ToArray();

    Task<Reply> Run(params string[] words) => store.ExecuteAsync(Cmd(words));

    async Task<KeyRecord?> Record(string tag) =>
        (await Entities.GetEntityAsync<KeyRecord>(KeyEntity.Id(Encoding.UTF8.GetBytes("{" + tag + "}"))))?.State;

    [Fact]
    public void Commands_and_transactions_on_one_tag_are_one_entity_request()
    {
        Assert.Equal(StoreRoute.KeyWrite, StorePlan.Of(Cmd("MSET", "{u1}:a", "1", "{u1}:b", "2")).Route);
        Assert.Equal(StoreRoute.KeyRead, StorePlan.Of(Cmd("MGET", "{u1}:a", "x{u1}y")).Route);
        Assert.Equal(StoreRoute.MultiKeyWrite, StorePlan.Of(Cmd("MSET", "{u1}:a", "1", "{u2}:a", "2")).Route);
        Assert.Equal(StoreRoute.MultiKeyWrite, StorePlan.Of(Cmd("RENAME", "{u1}:a", "plain")).Route);
        Assert.Single(StorePlan.Of(Cmd("SUNIONSTORE", "{u1}:d", "{u1}:a", "{u1}:b")).EntityKeys);
    }

    [Fact]
    public async Task A_tags_keys_live_side_by_side_in_its_entity_and_answer_like_separate_keys()
    {
        Assert.Equal(Reply.Ok, await Run("MSET", "{acct:1}:checking", "100", "{acct:1}:savings", "50"));
        Assert.Equal(Reply.Integer(1), await Run("LPUSH", "log:{acct:1}", "opened"));
        var tx = (ArrayReply)await store.TransactionAsync([Cmd("DECRBY", "{acct:1}:checking", "30"), Cmd("INCRBY", "{acct:1}:savings", "30"),
            Cmd("LPUSH", "log:{acct:1}", "moved 30"), Cmd("MGET", "{acct:1}:checking", "{acct:1}:savings")]);
        Assert.Equal(Reply.Array([Reply.Bulk("70"), Reply.Bulk("80")]), tx.Items![3]);
        Assert.Equal(Reply.Bulk("70"), await Run("GET", "{acct:1}:checking"));
        Assert.Equal(Reply.Simple("list"), await Run("TYPE", "log:{acct:1}"));
        Assert.Equal(Reply.Simple("string"), await Run("TYPE", "{acct:1}:savings"));

        var record = await Record("acct:1");
        Assert.NotNull(record);
        Assert.Null(record.State);
        Assert.Equal(["log:{acct:1}", "{acct:1}:checking", "{acct:1}:savings"],
            record.Group!.Select(g => Encoding.UTF8.GetString(g.Key)).Order(StringComparer.Ordinal));
        // No entity of its own for a tagged key.
        Assert.Null(await Entities.GetEntityAsync(new Microsoft.DurableTask.Entities.EntityInstanceId(KeyEntity.Name, EntityKeys.EscapeBytes("{acct:1}:checking"u8))));

        Assert.Equal(Reply.Integer(1), await Run("DEL", "{acct:1}:savings"));
        Assert.Equal(Reply.Integer(2), await Run("EXISTS", "{acct:1}:checking", "log:{acct:1}", "{acct:1}:savings"));
    }

    [Fact]
    public async Task Transfers_on_one_tag_under_concurrency_keep_the_total_and_reads_never_see_half()
    {
        await store.PipelineAsync([Cmd("SET", "{bank}:a", "1000"), Cmd("SET", "{bank}:b", "1000")]);
        var transfers = Enumerable.Range(0, 40).Select(i => store.TransactionAsync(i % 2 == 0
            ? [Cmd("DECRBY", "{bank}:a", "10"), Cmd("INCRBY", "{bank}:b", "10")]
            : [Cmd("DECRBY", "{bank}:b", "7"), Cmd("INCRBY", "{bank}:a", "7")]));
        var reads = Enumerable.Range(0, 20).Select(_ => Run("MGET", "{bank}:a", "{bank}:b"));
        var all = await Task.WhenAll(transfers.Concat(reads));
        foreach (var read in all.Skip(40).Cast<ArrayReply>())
            Assert.Equal(2000, read.Items!.Sum(r => long.Parse(Encoding.UTF8.GetString(((BulkReply)r).Value!))));
        Assert.Equal(Reply.Array([Reply.Bulk("940"), Reply.Bulk("1060")]), await Run("MGET", "{bank}:a", "{bank}:b")); // a: -20x10 +20x7
    }

    [Fact]
    public async Task A_transaction_over_tagged_and_untagged_keys_is_atomic_across_their_entities()
    {
        await store.PipelineAsync([Cmd("SET", "{mix}:a", "5"), Cmd("SET", "{mix}:b", "5"), Cmd("SET", "mix:plain", "5")]);
        var replies = (ArrayReply)await store.TransactionAsync(
            [Cmd("INCR", "{mix}:a"), Cmd("INCR", "{mix}:b"), Cmd("INCR", "mix:plain"), Cmd("RENAME", "{mix}:a", "mix:renamed")]);
        Assert.Equal([Reply.Integer(6), Reply.Integer(6), Reply.Integer(6), Reply.Ok], replies.Items!);
        Assert.Equal(Reply.Array([Reply.Nil, Reply.Bulk("6"), Reply.Bulk("6"), Reply.Bulk("6")]),
            await Run("MGET", "{mix}:a", "{mix}:b", "mix:plain", "mix:renamed"));
    }

    [Fact]
    public async Task Each_key_of_a_tag_expires_on_its_own_and_leaves_storage()
    {
        Assert.Equal(Reply.Ok, await Run("SET", "{ttl-tag}:short", "v", "PX", "1500"));
        Assert.Equal(Reply.Ok, await Run("SET", "{ttl-tag}:long", "v", "EX", "300"));
        Assert.Equal(Reply.Ok, await Run("SET", "{ttl-tag}:forever", "v"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await Record("ttl-tag"))!.Group!.Count > 2 && DateTime.UtcNow < deadline) await Task.Delay(200);
        var left = (await Record("ttl-tag"))!.Group!.Select(g => Encoding.UTF8.GetString(g.Key)).Order(StringComparer.Ordinal);
        Assert.Equal(["{ttl-tag}:forever", "{ttl-tag}:long"], left); // gone without being read
        Assert.Equal(Reply.Nil, await Run("GET", "{ttl-tag}:short"));
        Assert.InRange(((IntegerReply)await Run("TTL", "{ttl-tag}:long")).Value, 200, 300);
    }

    [Fact]
    public async Task Keys_and_scan_find_tagged_keys_wherever_the_tag_is()
    {
        await store.PipelineAsync([Cmd("SET", "scantag:{u7}:x", "1"), Cmd("SET", "{scantag}:y", "2"), Cmd("SET", "scantag:plain", "3")]);
        static List<string> Names(Reply r) => ((ArrayReply)r).Items!.Select(k => Encoding.UTF8.GetString(((BulkReply)k).Value!)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["scantag:plain", "scantag:{u7}:x"], Names(await Run("KEYS", "scantag:*")));
        Assert.Equal(["{scantag}:y"], Names(await Run("KEYS", "{scantag}*")));
        var scan = (ArrayReply)await Run("SCAN", "0", "MATCH", "*scantag*", "COUNT", "1000");
        Assert.Equal(["scantag:plain", "scantag:{u7}:x", "{scantag}:y"], Names(((ArrayReply)scan).Items![1]));
    }

    [Fact]
    public async Task A_tag_past_its_key_limit_refuses_the_command_and_changes_nothing()
    {
        var batch = Enumerable.Range(0, GroupLimits.MaxKeys).SelectMany(i => new[] { $"{{full}}:{i}", "v" }).ToArray();
        Assert.Equal(Reply.Ok, await Run(["MSET", .. batch]));
        var refused = await Run("SET", "{full}:one-more", "v");
        Assert.StartsWith("ERR this hash tag's keys would pass what one entity holds", Assert.IsType<ErrorReply>(refused).Message);
        Assert.Equal(Reply.Nil, await Run("GET", "{full}:one-more"));
        Assert.Equal(Reply.Ok, await Run("SET", "{full}:0", "changed")); // a write that does not grow it still works
        Assert.Equal(Reply.Integer(1), await Run("DEL", "{full}:1"));
        Assert.Equal(Reply.Ok, await Run("SET", "{full}:one-more", "v")); // room again
        Assert.Equal(GroupLimits.MaxKeys, (await Record("full"))!.Group!.Count);
    }
}

/// <summary>The hash tag rule is Redis Cluster's: the same slot for the same tag, by CLUSTER KEYSLOT of a cluster-enabled redis-server.</summary>
[Trait("Needs", "redis-server")]
public sealed class HashTagRuleTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("keyslot").FullName;
    readonly RedisServer redis;

    public HashTagRuleTests() =>
        redis = new RedisServer(["--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(dir, "nodes.conf"), "--dir", dir]);

    public void Dispose()
    {
        redis.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Our_tag_gives_the_slot_redis_cluster_computes_for_every_key()
    {
        string[] keys =
        [
            "user:1", "{user:1}:a", "a{user:1}", "{}", "{}x{y}", "{{a}}", "a{b", "a}b{c}d", "{a}{b}", "x{}y{z}", "{",
            "}", "{ }", "é{ü}", "{user:1000}.following", "foo{bar}zap", "{{}}", "a{{b}c}",
        ];
        var random = new Random(16);
        var generated = Enumerable.Range(0, 500).Select(_ =>
        {
            var bytes = new byte[random.Next(0, 12)];
            for (var i = 0; i < bytes.Length; i++) bytes[i] = "ab{}x"u8[random.Next(5)];
            return bytes;
        });
        foreach (var key in keys.Select(Encoding.UTF8.GetBytes).Concat(generated))
        {
            var tag = EntityKeys.HashTag(key);
            var expected = ((IntegerReply)redis.Client.Call("CLUSTER"u8.ToArray(), "KEYSLOT"u8.ToArray(), key)).Value;
            Assert.True(Crc16(tag.IsEmpty ? key : tag.ToArray()) % 16384 == expected,
                $"key '{Encoding.UTF8.GetString(key)}': our tag '{Encoding.UTF8.GetString(tag)}' gives another slot than redis-server's {expected}");
        }
    }

    /// <summary>CRC16/XMODEM, Redis Cluster's key hash (crc16.c), to compare slots: the store itself needs only the tag.</summary>
    static int Crc16(byte[] data)
    {
        var crc = 0;
        foreach (var b in data)
        {
            crc ^= b << 8;
            for (var i = 0; i < 8; i++) crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
        }
        return crc & 0xFFFF;
    }
}
