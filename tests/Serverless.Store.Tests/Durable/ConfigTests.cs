using System.Text;
using Serverless.Store.Durable;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// CONFIG on the durable store: SET goes to the catalog entity, every process reads it, and the
/// key entities run with it (the settings travel in their requests). A store of its own: the
/// thresholds it sets would change other tests' encodings.
/// </summary>
[Trait("Needs", "azurite")]
[Collection(DurableCollection.Name)]
public sealed class ConfigTests(OwnDurableStore fixture) : IClassFixture<OwnDurableStore>
{
    readonly DurableStore store = fixture.Store;

    static byte[][] A(params string[] words) => words.Select(Encoding.UTF8.GetBytes).ToArray();

    Task<Reply> Run(params string[] words) => store.ExecuteAsync(A(words));

    static Reply Pairs(params string[] items) => Reply.Array(items.Select(i => (Reply)Reply.Bulk(i)).ToArray());

    [Fact]
    public async Task Config_set_reaches_key_entities_chains_reads_and_another_process_and_a_refused_value_changes_nothing()
    {
        Assert.Equal(Pairs("hash-max-listpack-entries", "512"), await Run("CONFIG", "GET", "hash-max-listpack-entries"));
        Assert.Equal(Reply.Integer(3), await Run("HSET", "cfg:before", "a", "1", "b", "2", "c", "3"));
        Assert.Equal(Reply.Bulk("listpack"), await Run("OBJECT", "ENCODING", "cfg:before"));

        Assert.Equal(Reply.Ok, await Run("CONFIG", "SET", "hash-max-listpack-entries", "2", "set-max-intset-entries", "4"));
        Assert.Equal(Pairs("hash-max-listpack-entries", "2"), await Run("CONFIG", "GET", "hash-max-listpack-entries"));
        // A write on a key entity converts as redis-server does past the new threshold...
        Assert.Equal(Reply.Integer(3), await Run("HSET", "cfg:after", "a", "1", "b", "2", "c", "3"));
        Assert.Equal(Reply.Bulk("hashtable"), await Run("OBJECT", "ENCODING", "cfg:after"));
        // ...and inside a multi-key transaction (a chain).
        var exec = (ArrayReply)await store.TransactionAsync([A("SADD", "{x}cfg:s", "1", "2", "3", "4", "5"), A("SADD", "cfg:t", "1"), A("OBJECT", "ENCODING", "{x}cfg:s")]);
        Assert.Equal(Reply.Bulk("hashtable"), exec.Items![2]);

        // Another process on the same task hub reads the settings from the catalog entity.
        var other = new DurableStore(fixture.Engine.Client.Entities);
        Assert.Equal(Pairs("set-max-intset-entries", "4"), await other.ExecuteAsync(A("CONFIG", "GET", "set-max-intset-entries")));

        // A refused value answers Redis's error and leaves every setting as it was.
        Assert.Equal(Reply.Error("ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument couldn't be parsed into an integer"),
            await Run("CONFIG", "SET", "set-max-intset-entries", "9", "hash-max-listpack-entries", "lots"));
        Assert.Equal(Reply.Error("ERR Unknown option or number of arguments for CONFIG SET - 'maxmemory'"), await Run("CONFIG", "SET", "maxmemory", "1"));
        Assert.Equal(Pairs("set-max-intset-entries", "4"), await Run("CONFIG", "GET", "set-max-intset-entries"));

        Assert.Equal(Reply.Ok, await Run("CONFIG", "SET", "hash-max-listpack-entries", "512", "set-max-intset-entries", "512"));
        Assert.Equal(Reply.Integer(1), await Run("HSET", "cfg:again", "a", "1"));
        Assert.Equal(Reply.Bulk("listpack"), await Run("OBJECT", "ENCODING", "cfg:again"));
    }

    [Fact]
    public async Task Config_resetstat_zeroes_this_process_statistics()
    {
        async Task<long> ExpiredKeys()
        {
            var info = Encoding.UTF8.GetString(((BulkReply)await Run("INFO", "stats")).Value!);
            return long.Parse(info.Split("\r\n").Single(l => l.StartsWith("expired_keys:"))["expired_keys:".Length..]);
        }
        await Run("SET", "cfg:gone", "x", "PX", "1");
        // The key's entity deletes it when it is due (its own timer): this process counts it.
        var until = DateTime.UtcNow.AddMinutes(2);
        while (await ExpiredKeys() == 0 && DateTime.UtcNow < until) await Task.Delay(100);
        Assert.True(await ExpiredKeys() > 0);
        Assert.Equal(Reply.Ok, await Run("CONFIG", "RESETSTAT"));
        Assert.Equal(0, await ExpiredKeys());
    }
}
