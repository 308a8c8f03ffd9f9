using System.Text;
using Serverless.Store.Durable;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// The store through <see cref="DurableStore"/> on the real Durable Task engine over Azurite:
/// read-your-writes, concurrency on one key, atomic multi-key commands and MULTI/EXEC.
/// </summary>
[Trait("Needs", "azurite")]
[Collection(DurableCollection.Name)]
public class DurableStoreTests(DurableFixture fixture)
{
    readonly DurableStore store = fixture.Store;

    static byte[][] Cmd(params string[] words) => words.Select(Encoding.UTF8.GetBytes).ToArray();

    Task<Reply> Run(params string[] words) => store.ExecuteAsync(Cmd(words));

    [Fact]
    public async Task AWriteIsVisibleToTheNextRead()
    {
        Assert.Equal(Reply.Ok, await Run("SET", "ryw:1", "first"));
        Assert.Equal(Reply.Bulk("first"), await Run("GET", "ryw:1"));
        Assert.Equal(Reply.Ok, await Run("SET", "ryw:1", "second"));
        Assert.Equal(Reply.Bulk("second"), await Run("GET", "ryw:1"));

        // A key full of characters Azure Table keys forbid, and non-UTF-8 bytes.
        byte[] odd = [.. "a/b\\c#d?e\u0001~%"u8, 0xFF, 0x00];
        byte[] value = [0xFE, 0x00, 0x41];
        Assert.Equal(Reply.Ok, await store.ExecuteAsync([[.. "SET"u8], odd, value]));
        Assert.Equal(Reply.Bulk(value), await store.ExecuteAsync([[.. "GET"u8], odd]));
        Assert.Equal(Reply.Nil, await Run("GET", "ryw:missing"));
    }

    [Fact]
    public async Task ConcurrentIncrementsOfOneKeyAllCount()
    {
        const int clients = 64, each = 50;
        var replies = await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var mine = new List<long>();
            for (var i = 0; i < each; i++) mine.Add(((IntegerReply)await Run("INCR", "counter")).Value);
            return mine;
        }));
        var all = replies.SelectMany(r => r).Order().ToList();
        Assert.Equal(Reply.Bulk("3200"), await Run("GET", "counter"));
        // Every INCR saw a different value: no lost or doubled update.
        Assert.Equal(Enumerable.Range(1, clients * each).Select(i => (long)i), all);
    }

    [Fact]
    public async Task MultiKeyCommandsAreAtomic()
    {
        Assert.Equal(Reply.Ok, await Run("MSET", "atom:a", "0", "atom:b", "0"));
        var writers = Enumerable.Range(1, 8).Select(i => Run("MSET", "atom:a", i.ToString(), "atom:b", i.ToString()));
        var readers = Enumerable.Range(0, 8).Select(_ => Run("MGET", "atom:a", "atom:b"));
        var all = await Task.WhenAll(writers.Concat(readers));
        foreach (var r in all.Skip(8).Cast<ArrayReply>())
            Assert.Equal(r.Items![0], r.Items[1]); // never half of an MSET

        Assert.Equal(Reply.Ok, await Run("SET", "atom:src", "v"));
        var renames = await Task.WhenAll(
            Run("RENAME", "atom:src", "atom:dst"),
            Run("MGET", "atom:src", "atom:dst"),
            Run("MGET", "atom:src", "atom:dst"));
        Assert.Equal(Reply.Ok, renames[0]);
        foreach (var r in renames.Skip(1).Cast<ArrayReply>())
            Assert.Single(r.Items!, x => x.Equals(Reply.Bulk("v"))); // the value is in exactly one place
        Assert.Equal(Reply.Nil, await Run("GET", "atom:src"));
        Assert.Equal(Reply.Bulk("v"), await Run("GET", "atom:dst"));
    }

    [Fact]
    public async Task TransactionsDiscardOnASyntaxErrorAndIsolateRuntimeErrors()
    {
        var aborted = await store.TransactionAsync([Cmd("SET", "tx:a", "1"), Cmd("INCR"), Cmd("SET", "tx:b", "2")]);
        Assert.Equal(Reply.Error("EXECABORT Transaction discarded because of previous errors."), aborted);
        Assert.IsType<ErrorReply>(await store.TransactionAsync([Cmd("SET", "tx:a", "1"), Cmd("NOSUCHCMD")]));
        Assert.Equal(Reply.Nil, await Run("GET", "tx:a"));
        Assert.Equal(Reply.Nil, await Run("GET", "tx:b"));

        var replies = ((ArrayReply)await store.TransactionAsync(
            [Cmd("SET", "tx:s", "text"), Cmd("INCR", "tx:s"), Cmd("SET", "tx:n", "1"), Cmd("INCR", "tx:n"), Cmd("MGET", "tx:s", "tx:n")])).Items!;
        Assert.Equal(Reply.Ok, replies[0]);
        Assert.IsType<ErrorReply>(replies[1]); // a runtime error fails only its command
        Assert.Equal(Reply.Ok, replies[2]);
        Assert.Equal(Reply.Integer(2), replies[3]);
        Assert.Equal(Reply.Array([Reply.Bulk("text"), Reply.Bulk("2")]), replies[4]);
    }

    [Fact]
    public async Task PipelinesAnswerInOrder()
    {
        var replies = await store.PipelineAsync(
            [Cmd("SET", "pl:a", "1"), Cmd("INCR", "pl:a"), Cmd("GET", "pl:a"), Cmd("SET", "pl:b", "x"),
             Cmd("MGET", "pl:a", "pl:b"), Cmd("INCR", "pl:a"), Cmd("GET", "pl:b")]);
        Assert.Equal(
            [Reply.Ok, Reply.Integer(2), Reply.Bulk("2"), Reply.Ok, Reply.Array([Reply.Bulk("2"), Reply.Bulk("x")]),
             Reply.Integer(3), Reply.Bulk("x")],
            replies);
    }

    [Fact]
    public async Task KeysAreFoundByPattern()
    {
        await store.PipelineAsync([Cmd("SET", "scan:1", "a"), Cmd("SET", "scan:2", "b"), Cmd("SET", "other", "c")]);
        var keys = (ArrayReply)await Run("KEYS", "scan:*");
        Assert.Equal(["scan:1", "scan:2"], keys.Items!.Select(k => Encoding.UTF8.GetString(((BulkReply)k).Value!)).Order());
    }

    [Fact]
    public async Task ARedeliveredSignalIsAppliedOnce()
    {
        var entities = fixture.Engine.Client.Entities;
        var id = KeyEntity.Id("dup:counter"u8.ToArray());
        var request = new SubmitRequest { Id = SubmitRequest.NewId(), Commands = CommandBatch.Of(Cmd("INCR", "dup:counter")) };
        await entities.SignalEntityAsync(id, KeyEntity.Submit, new[] { request });
        await entities.SignalEntityAsync(id, KeyEntity.Submit, new[] { request, request }); // the same request again, twice
        // The queue does not order the signals: the INCR sees 1 or 2, never 3.
        Assert.InRange(((IntegerReply)await Run("INCR", "dup:counter")).Value, 1, 2);
        // Wait (bounded, not timed) for a signal that came after the INCR: then the count is 2, never 3.
        var until = DateTime.UtcNow.AddSeconds(30);
        while (await Run("GET", "dup:counter") is BulkReply { Value: var v } && Encoding.UTF8.GetString(v!) == "1" && DateTime.UtcNow < until)
            await Task.Delay(100);
        Assert.Equal(Reply.Bulk("2"), await Run("GET", "dup:counter"));
    }

    [Fact]
    public async Task ADeletedKeyKeepsOnlyItsRepliesAndIsMissingEverywhere()
    {
        Assert.Equal(Reply.Ok, await Run("SET", "gone:1", "v"));
        Assert.Equal(Reply.Integer(1), await Run("DEL", "gone:1")); // this reply lives in a record without a key
        Assert.Equal(Reply.Integer(0), await Run("DEL", "gone:1"));
        Assert.Equal(Reply.Nil, await Run("GET", "gone:1"));
        Assert.Equal(Reply.Integer(0), await Run("EXISTS", "gone:1"));
        Assert.Equal(Reply.EmptyArray, await Run("KEYS", "gone:*"));
        Assert.Equal(Reply.Array([Reply.Nil, Reply.Nil]), await Run("MGET", "gone:1", "gone:2"));
        Assert.Equal(Reply.Integer(1), await Run("INCR", "gone:1"));
    }

    [Fact]
    public async Task ChainsOverlappingInEveryOrderNeitherDeadlockNorLoseWrites()
    {
        // Transfers around a ring of accounts: every chain shares a key with two others and they lock
        // in opposite directions, plus single-key deposits that arrive while a chain holds the key.
        const int accounts = 5, transfers = 40, deposits = 20;
        var names = Enumerable.Range(0, accounts).Select(i => $"ring:{i}").ToArray();
        await store.PipelineAsync(names.Select(n => Cmd("SET", n, "100")).ToArray());
        var work = Enumerable.Range(0, transfers).Select(i =>
        {
            var (from, to) = i % 2 == 0 ? (names[i % accounts], names[(i + 1) % accounts]) : (names[(i + 1) % accounts], names[i % accounts]);
            return store.TransactionAsync([Cmd("DECRBY", from, "7"), Cmd("INCRBY", to, "7")]);
        }).Concat(Enumerable.Range(0, deposits).Select(i => Run("INCRBY", names[i % accounts], "1")));
        var totals = Enumerable.Range(0, 10).Select(_ => Run(["MGET", .. names]));
        var results = await Task.WhenAll(work.Concat(totals));

        foreach (var reply in results.Take(transfers))
            Assert.Equal(2, Assert.IsType<ArrayReply>(reply).Items!.Count);
        var final = ((ArrayReply)await Run(["MGET", .. names])).Items!.Sum(r => long.Parse(Encoding.UTF8.GetString(((BulkReply)r).Value!)));
        Assert.Equal(accounts * 100 + deposits, final);
        // A consistent read never sees a transfer half done: its total is the start plus some deposits.
        foreach (var reply in results.Skip(transfers + deposits).Cast<ArrayReply>())
            Assert.InRange(reply.Items!.Sum(r => long.Parse(Encoding.UTF8.GetString(((BulkReply)r).Value!))), accounts * 100, accounts * 100 + deposits);
    }

    [Fact]
    public async Task EveryKeyOfAnAnsweredChainReadsItsNewValueAtOnce()
    {
        // The last key of a chain answers; the others store their commit just after. A read of
        // any of them after the answer must see it, with notified commits and with polling.
        var polling = new DurableStore(fixture.Engine.Client.Entities);
        foreach (var (target, name) in new[] { (store, "notified"), (polling, "polling") })
            for (var i = 0; i < 10; i++)
            {
                var (a, b, c) = ($"ryw:{name}:a", $"ryw:{name}:b", $"ryw:{name}:c");
                Assert.Equal(Reply.Ok, await target.ExecuteAsync(Cmd("MSET", a, $"{i}", b, $"{i}", c, $"{i}")));
                foreach (var key in new[] { a, b, c })
                    Assert.Equal(Reply.Bulk($"{i}"), await target.ExecuteAsync(Cmd("GET", key)));
                Assert.Equal(Reply.Integer(i + 1), await target.ExecuteAsync(Cmd("INCR", a))); // a write after the chain runs after its commit
            }
    }

    [Fact]
    public async Task TransactionsOnOneKeyReadOnlyOrWithoutKeys()
    {
        var replies = ((ArrayReply)await store.TransactionAsync([Cmd("SET", "one:k", "1"), Cmd("INCR", "one:k"), Cmd("GET", "one:k")])).Items!;
        Assert.Equal([Reply.Ok, Reply.Integer(2), Reply.Bulk("2")], replies);
        var read = ((ArrayReply)await store.TransactionAsync([Cmd("GET", "one:k"), Cmd("STRLEN", "one:k"), Cmd("MGET", "one:k", "one:other")])).Items!;
        Assert.Equal([Reply.Bulk("2"), Reply.Integer(1), Reply.Array([Reply.Bulk("2"), Reply.Nil])], read);
        var keyless = ((ArrayReply)await store.TransactionAsync([Cmd("PING"), Cmd("DBSIZE")])).Items!;
        Assert.Equal(Reply.Simple("PONG"), keyless[0]);
        Assert.StartsWith("ERR", Assert.IsType<ErrorReply>(keyless[1]).Message); // the whole keyspace cannot be part of a transaction
    }

    [Fact]
    public async Task PfcountStoresTheCountItComputedAsRedisDoes()
    {
        // PFCOUNT reads but caches the count in the value: the stored bytes must be what the engine
        // alone (checked against redis-server by the HyperLogLog differential tests) leaves.
        var memory = new Serverless.Store.Keyspace.MemoryKeyspace();
        foreach (var command in new[] { Cmd("PFADD", "hll:k", "a", "b", "c"), Cmd("PFCOUNT", "hll:k") })
        {
            var expected = Serverless.Store.Commands.Engine.Execute(new Serverless.Store.Commands.CommandContext(memory, 0), command);
            Assert.Equal(expected, await store.ExecuteAsync(command));
        }
        Assert.Equal(StoreRoute.KeyWrite, StorePlan.Of(Cmd("PFCOUNT", "hll:k")).Route);
        Assert.Equal(Reply.Bulk(memory.Get("hll:k"u8.ToArray())!.String!), await Run("GET", "hll:k"));
    }

    [Fact]
    public async Task TimeAnswersTheClocksMicroseconds()
    {
        // Five readings whose microseconds are all whole milliseconds: one chance in 10^15, unless the
        // store pads milliseconds with zeros.
        var micros = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var time = Assert.IsType<ArrayReply>(await Run("TIME")).Items!;
            var seconds = long.Parse(Encoding.ASCII.GetString(Assert.IsType<BulkReply>(time[0]).Value!));
            Assert.InRange(seconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            micros.Add(long.Parse(Encoding.ASCII.GetString(Assert.IsType<BulkReply>(time[1]).Value!)));
        }
        Assert.All(micros, m => Assert.InRange(m, 0, 999_999));
        Assert.Contains(micros, m => m % 1000 != 0);
    }

    [Fact]
    public async Task InfoPrintsTheKeyspaceCountsAndOnlyAnInfoThatPrintsThemQueriesForThem()
    {
        // A store of its own: INFO keyspace counts every key of the store.
        await using var engine = await fixture.StartEngineAsync("info");
        var own = engine.Store;
        string Info(Reply r) => Encoding.UTF8.GetString(Assert.IsType<BulkReply>(r).Value!);
        Assert.Equal("# Keyspace\r\n", Info(await own.ExecuteAsync(Cmd("INFO", "keyspace"))));

        Assert.All(await own.PipelineAsync([Cmd("SET", "a", "1"), Cmd("SET", "b", "2", "EX", "100"), Cmd("SET", "gone", "3", "PX", "1"), Cmd("HSET", "h", "f", "v")]),
            r => Assert.IsNotType<ErrorReply>(r));
        await Task.Delay(10); // "gone" has expired: it reads as missing, so it is not counted

        var keyspace = Info(await own.ExecuteAsync(Cmd("INFO", "keyspace")));
        var match = System.Text.RegularExpressions.Regex.Match(keyspace, "^# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=(\\d+)\r\n$");
        Assert.True(match.Success, keyspace);
        Assert.InRange(long.Parse(match.Groups[1].Value), 1, 100_000);
        Assert.Equal(Reply.Integer(3), await own.ExecuteAsync(Cmd("DBSIZE")));
        Assert.Matches("\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=\\d+\r\n$", Info(await own.ExecuteAsync(Cmd("INFO"))));
        Assert.Contains("db0:keys=3,", Info((await own.PipelineAsync([Cmd("INFO", "all")]))[0]));

        // Only INFO that prints the keyspace section pays for the query over every key.
        foreach (var (command, wanted) in new[] { ("INFO", true), ("INFO default", true), ("INFO all", true), ("INFO everything", true), ("INFO KEYSPACE", true),
                     ("INFO server clients", false), ("INFO stats", false), ("PING", false) })
            Assert.Equal(wanted, DurableStore.InfoWantsKeyspace(Serverless.Store.Commands.CommandPlan.Of(Cmd(command.Split(' ')))));
    }
}
