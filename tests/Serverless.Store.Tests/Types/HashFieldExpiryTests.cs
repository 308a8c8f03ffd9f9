using System.Text;
using System.Text.Json;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.RdbFiles;
using Serverless.Store.Types;

namespace Serverless.Store.Tests.Types;

/// <summary>
/// Hash field expiry (Redis 7.4: HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL,
/// HEXPIRETIME, HPEXPIRETIME, HPERSIST) and Redis 8.0's HGETDEL, HGETEX, HSETEX. No redis-server
/// newer than 7.0 runs here, so these follow redis.io's command pages (their examples, at clock
/// values that reproduce the numbers shown) and the rules those pages state, on a fixed clock.
/// </summary>
public sealed class HashFieldExpiryTests
{
    readonly MemoryKeyspace keyspace = new();
    readonly List<string> events = [];

    Reply Run(string command, long nowMs)
    {
        var ctx = new CommandContext(keyspace, nowMs) { RecordEvents = true };
        var reply = Engine.Execute(ctx, Oracle.Differential.Parse(command));
        events.AddRange((ctx.Events ?? []).Select(e => $"{e.Name} {Encoding.UTF8.GetString(e.Key)}"));
        return reply;
    }

    static Reply Ints(params long[] values) => Reply.Array(values.Select(Reply.Integer).ToArray());

    static Reply Bulks(params string?[] values) => Reply.BulkArray(values.Select(v => v is null ? null : Encoding.UTF8.GetBytes(v)));

    const long T = 1_700_000_000_000;

    // ---------- redis.io's examples ----------

    [Fact]
    public void Hexpire_example()
    {
        // redis.io shows "(nil)" here, but its own reply rules (and Redis's code) say -2 per field for a missing key.
        Assert.Equal(Ints(-2, -2), Run("HEXPIRE no-key 20 NX FIELDS 2 field1 field2", T));
        Assert.Equal(Reply.Integer(2), Run("HSET mykey field1 hello field2 world", T));
        Assert.Equal(Ints(1, 1, -2), Run("HEXPIRE mykey 10 FIELDS 3 field1 field2 field3", T));
        Assert.Equal(Reply.EmptyArray, Run("HGETALL mykey", T + 10_000));
        Assert.Equal(Reply.Zero, Run("EXISTS mykey", T + 10_000));
    }

    [Fact]
    public void Hpexpire_and_hexpireat_examples()
    {
        Run("HSET mykey field1 hello field2 world", T);
        Assert.Equal(Ints(1, 1), Run("HPEXPIRE mykey 2000 FIELDS 2 field1 field2", T));
        Assert.Equal(Reply.EmptyArray, Run("HGETALL mykey", T + 2000));

        const long Now = 1715704404_000;
        Run("HSET mykey field1 hello field2 world", Now);
        Assert.Equal(Ints(1, 1), Run("HEXPIREAT mykey 1715704971 FIELDS 2 field1 field2", Now));
        Assert.Equal(Ints(567, 567), Run("HTTL mykey FIELDS 2 field1 field2", Now));

        const long Later = 1715704971_000 - 303_340;
        Run("DEL mykey", Later);
        Run("HSET mykey field1 hello field2 world", Later);
        Assert.Equal(Ints(1, 1), Run("HPEXPIREAT mykey 1715704971000 FIELDS 2 field1 field2", Later));
        Assert.Equal(Ints(303340, 303340), Run("HPTTL mykey FIELDS 2 field1 field2", Later));
    }

    [Fact]
    public void Hgetex_example()
    {
        Assert.Equal(Reply.Integer(2), Run("HSET mykey field1 Hello field2 World", T));
        Assert.Equal(Bulks("Hello"), Run("HGETEX mykey EX 120 FIELDS 1 field1", T));
        Assert.Equal(Bulks("World"), Run("HGETEX mykey EX 100 FIELDS 1 field2", T + 14_000));
        Assert.Equal(Ints(91, 85), Run("HTTL mykey FIELDS 2 field1 field2", T + 29_000));
        Assert.Equal(Ints(75, 69, -2), Run("HTTL mykey FIELDS 3 field1 field2 field3", T + 45_000));
        Assert.Equal(Ints(-2, -2), Run("HTTL mykey FIELDS 2 field1 field2", T + 120_000));
        Assert.Equal(Reply.EmptyArray, Run("HGETALL mykey", T + 120_000));
    }

    [Fact]
    public void Hgetdel_example()
    {
        Assert.Equal(Reply.Integer(3), Run("HSET mykey field1 Hello field2 World field3 !", T));
        Assert.Equal(Bulks("!", null), Run("HGETDEL mykey FIELDS 2 field3 field4", T));
        Assert.Equal(Bulks("field1", "Hello", "field2", "World"), Run("HGETALL mykey", T));
        Assert.Equal(Bulks("Hello", "World"), Run("HGETDEL mykey FIELDS 2 field1 field2", T));
        Assert.Equal(Reply.EmptyArray, Run("KEYS *", T));
    }

    [Fact]
    public void Hsetex_example()
    {
        const long Now = 1740414773_000;
        Assert.Equal(Reply.One, Run("HSETEX mykey EXAT 1740470400 FIELDS 2 field1 Hello field2 World", Now));
        Assert.Equal(Ints(55627, 55627), Run("HTTL mykey FIELDS 2 field1 field2", Now));
        Assert.Equal(Reply.Zero, Run("HSETEX mykey FNX EX 60 FIELDS 2 field1 Hello field2 World", Now));
        Assert.Equal(Reply.Error("ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"),
            Run("HSETEX mykey FXX EX 60 KEEPTTL FIELDS 2 field1 hello field2 world", Now));
        Assert.Equal(Reply.One, Run("HSETEX mykey FXX KEEPTTL FIELDS 2 field1 hello field2 world", Now));
        Assert.Equal(Ints(55627, 55627), Run("HTTL mykey FIELDS 2 field1 field2", Now));
        Assert.Equal(Bulks("hello", "world"), Run("HMGET mykey field1 field2", Now));
    }

    // ---------- the pages' rules ----------

    [Fact]
    public void Conditions_treat_a_field_without_expiry_as_infinite()
    {
        Run("HSET h a 1 b 2 c 3", T);
        Assert.Equal(Ints(0, -2), Run("HEXPIRE h 100 XX FIELDS 2 a nosuch", T));
        Assert.Equal(Ints(0, 0, -2), Run("HEXPIRE h 100 XX FIELDS 3 a b nosuch", T));
        Assert.Equal(Ints(0), Run("HEXPIRE h 100 GT FIELDS 1 a", T));
        Assert.Equal(Ints(1), Run("HEXPIRE h 100 LT FIELDS 1 a", T));
        Assert.Equal(Ints(1), Run("HEXPIRE h 100 NX FIELDS 1 b", T));
        Assert.Equal(Ints(0), Run("HEXPIRE h 50 NX FIELDS 1 b", T));
        Assert.Equal(Ints(1), Run("HEXPIRE h 200 GT FIELDS 1 a", T));
        Assert.Equal(Ints(0), Run("HEXPIRE h 150 GT FIELDS 1 a", T));
        Assert.Equal(Ints(0), Run("HEXPIRE h 200 LT FIELDS 1 a", T));
        Assert.Equal(Ints(1), Run("HEXPIRE h 150 LT FIELDS 1 a", T));
        Assert.Equal(Ints(1), Run("HEXPIRE h 300 XX FIELDS 1 a", T));
        Assert.Equal(Ints(300, 100, -1, -2), Run("HTTL h FIELDS 4 a b c d", T));
        Assert.Equal(Ints(T / 1000 + 300, T / 1000 + 100, -1), Run("HEXPIRETIME h FIELDS 3 a b c", T));
        Assert.Equal(Ints(T + 300_000, -1), Run("HPEXPIRETIME h FIELDS 2 a c", T));
        Assert.Equal(Ints(299_999), Run("HPTTL h FIELDS 1 a", T + 1));
        Assert.Equal(Ints(300), Run("HTTL h FIELDS 1 a", T + 1)); // seconds are rounded up
    }

    [Fact]
    public void A_time_not_in_the_future_deletes_the_field_and_the_emptied_key()
    {
        Run("HSET h a 1 b 2", T);
        Assert.Equal(Ints(2), Run("HEXPIRE h 0 FIELDS 1 a", T));
        Assert.Equal(Ints(2, -2), Run("HPEXPIREAT h 1 FIELDS 2 b a", T));
        Assert.Equal(Reply.Zero, Run("EXISTS h", T));
        Assert.Equal(["hdel h", "hdel h", "del h"], events.Where(e => !e.StartsWith("hset")));
    }

    [Fact]
    public void Writes_clear_or_keep_a_field_expiry_as_the_pages_say()
    {
        Run("HSET h a 1 b 2 c 3 n 5", T);
        Run("HEXPIRE h 100 FIELDS 4 a b c n", T);
        Run("HSET h a 10", T);              // overwrites: the expiry goes
        Run("HINCRBY h n 1", T);            // alters in place: the expiry stays
        Run("HSETNX h b 20", T);            // b exists: nothing changes
        Run("HSETEX h FIELDS 1 c 30", T);   // no expiry option: as HSET
        Assert.Equal(Ints(-1, 100, -1, 100), Run("HTTL h FIELDS 4 a b c n", T));
        Assert.Equal(Ints(1, -1, -2), Run("HPERSIST h FIELDS 3 b a nosuch", T));
        Assert.Equal(Ints(-2, -2), Run("HPERSIST nosuch FIELDS 2 a b", T));
        Run("HDEL h n", T);
        Assert.False(keyspace.Get(Bytes.From("h"))!.Hash!.HasFieldExpiries);
        Assert.Null(keyspace.Get(Bytes.From("h"))!.NextFieldExpiry);
    }

    [Fact]
    public void Expired_fields_are_never_seen_and_leave_on_access()
    {
        Run("HSET h a 1 b 2 c 3", T);
        Run("HPEXPIRE h 1000 FIELDS 1 a", T);
        Run("HPEXPIRE h 2000 FIELDS 1 b", T);
        Assert.Equal(T + 1000, keyspace.Get(Bytes.From("h"))!.NextFieldExpiry);
        Assert.Equal(Reply.Integer(3), Run("HLEN h", T + 999));
        events.Clear();
        Assert.Equal(Reply.Integer(2), Run("HLEN h", T + 1000));
        Assert.Equal(["hexpired h"], events);
        Assert.Equal(T + 2000, keyspace.Get(Bytes.From("h"))!.NextFieldExpiry);
        Assert.Equal(Reply.Nil, Run("HGET h b", T + 2000));
        Assert.Equal(Bulks("c", "3"), Run("HGETALL h", T + 2000));
        Assert.Null(keyspace.Get(Bytes.From("h"))!.NextFieldExpiry);
        Run("HPEXPIRE h 10 FIELDS 1 c", T + 2000);
        events.Clear();
        Assert.Equal(Reply.Simple("none"), Run("TYPE h", T + 2010));
        Assert.Equal(["hexpired h", "del h"], events);
        Assert.Null(keyspace.Get(Bytes.From("h")));
    }

    [Fact]
    public void Hgetex_sets_deletes_or_persists_the_fields_it_returns()
    {
        Run("HSET h a 1 b 2 c 3", T);
        Assert.Equal(Bulks("1", null), Run("HGETEX h PX 500 FIELDS 2 a nosuch", T));
        Assert.Equal(Ints(500), Run("HPTTL h FIELDS 1 a", T));
        Assert.Equal(Bulks("1"), Run("HGETEX h PERSIST FIELDS 1 a", T));
        Assert.Equal(Ints(-1), Run("HPTTL h FIELDS 1 a", T));
        Assert.Equal(Bulks("2"), Run("HGETEX h EXAT 1 FIELDS 1 b", T));
        Assert.Equal(Reply.Zero, Run("HEXISTS h b", T));
        Assert.Equal(Bulks("3", "1"), Run("HGETEX h FIELDS 2 c a", T));
        Assert.Equal(Bulks(null, null), Run("HGETEX nosuch EX 10 FIELDS 2 a b", T));
        Assert.Equal(["hset h", "hexpire h", "hpersist h", "hdel h"], events);
    }

    [Fact]
    public void Hsetex_conditions_apply_to_all_fields_at_once()
    {
        Assert.Equal(Reply.Zero, Run("HSETEX h FXX FIELDS 1 a 1", T));
        Assert.Equal(Reply.Zero, Run("EXISTS h", T));
        Assert.Equal(Reply.One, Run("HSETEX h FNX PX 1000 FIELDS 2 a 1 b 2", T));
        Assert.Equal(Reply.Zero, Run("HSETEX h FNX FIELDS 2 c 3 a 9", T));
        Assert.Equal(Reply.Zero, Run("HSETEX h FXX FIELDS 2 a 9 c 3", T));
        Assert.Equal(Reply.One, Run("HSETEX h FXX EX 5 FIELDS 1 a 9", T));
        Assert.Equal(Ints(5000, 1000), Run("HPTTL h FIELDS 2 a b", T));
        Assert.Equal(Reply.One, Run("HSETEX h PX 0 FIELDS 2 a 1 b 2", T));
        Assert.Equal(Reply.Zero, Run("EXISTS h", T));
        Assert.Equal(["hset h", "hexpire h", "hset h", "hexpire h", "hset h", "hdel h", "del h"], events);
    }

    [Fact]
    public void Argument_errors_in_redis_order()
    {
        Run("SET s v", T);
        Run("HSET h a 1", T);
        var cases = new (string Command, string Error)[]
        {
            ("HEXPIRE s 10 FIELDS 1 a", Errors.WrongType),
            ("HEXPIRE h x FIELDS 1 a", Errors.NotInteger),
            ("HEXPIRE h -1 FIELDS 1 a", "ERR invalid expire time, must be >= 0"),
            ("HEXPIRE h 70368744178 FIELDS 1 a", "ERR invalid expire time in 'hexpire' command"),
            ("HPEXPIRE h 70368744177663 FIELDS 1 a", "ERR invalid expire time in 'hpexpire' command"),
            ("HPEXPIREAT h 70368744177664 FIELDS 1 a", "ERR invalid expire time in 'hpexpireat' command"),
            ("HEXPIRE h 10 FOO 1 a", "ERR Mandatory argument FIELDS is missing or not at the right position"),
            ("HEXPIRE h 10 NX NX FIELDS 1 a", "ERR Mandatory argument FIELDS is missing or not at the right position"),
            ("HEXPIRE h 10 FIELDS 0 a", "ERR Parameter `numFields` should be greater than 0"),
            ("HEXPIRE h 10 FIELDS x a", "ERR Parameter `numFields` should be greater than 0"),
            ("HEXPIRE h 10 FIELDS 2 a", "ERR The `numfields` parameter must match the number of arguments"),
            ("HEXPIRE h 10 FIELDS 1 a b", "ERR The `numfields` parameter must match the number of arguments"),
            ("HTTL h FIELDS 0 a", "ERR Number of fields must be a positive integer"),
            ("HTTL h FIELD 1 a", "ERR Mandatory argument FIELDS is missing or not at the right position"),
            ("HTTL s FIELDS 1 a", Errors.WrongType),
            ("HPERSIST h FIELDS 2 a", "ERR The `numfields` parameter must match the number of arguments"),
            ("HGETDEL h FIELDS -1 a", "ERR Number of fields must be a positive integer"),
            ("HGETDEL h NOPE 1 a", "ERR Mandatory argument FIELDS is missing or not at the right position"),
            ("HGETEX h EX x FIELDS 1 a", Errors.NotInteger),
            ("HGETEX h EX 10 10 FIELDS 1 a", "ERR Mandatory argument FIELDS is missing or not at the right position"),
            ("HGETEX h PERSIST FIELDS 2 a", "ERR The `numfields` parameter must match the number of arguments"),
            ("HGETEX s FIELDS 1 a", Errors.WrongType),
            ("HSETEX h FIELDS 1 a", "ERR wrong number of arguments for 'hsetex' command"),
            ("HSETEX h FIELDS 2 a 1", "ERR wrong number of arguments for 'hsetex' command"),
            ("HSETEX h FIELDS 0 a 1", "ERR invalid number of fields"),
            ("HSETEX h FOO FIELDS 1 a 1", "ERR unknown argument: FOO"),
            ("HSETEX h FNX FXX FIELDS 1 a 1", "ERR Only one of FXX or FNX arguments can be specified"),
            ("HSETEX h EX 1 PX 1 FIELDS 1 a 1", "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"),
            ("HSETEX h EX -1 FIELDS 1 a 1", "ERR invalid expire time, must be >= 0"),
            ("HSETEX s FIELDS 1 a 1", Errors.WrongType),
            ("HEXPIRE h 10 FIELDS", "ERR wrong number of arguments for 'hexpire' command"),
        };
        foreach (var (command, error) in cases) Assert.Equal(Reply.Error(error), Run(command, T));
        Assert.Equal(Bulks("a", "1"), Run("HGETALL h", T)); // nothing changed
    }

    // ---------- keeping the expiries ----------

    [Fact]
    public void Field_expiries_survive_the_key_state_json_and_copies()
    {
        Run("HSET h a 1 b 2 c 3", T);
        Run("HPEXPIREAT h 9000000000000 FIELDS 2 a c", T);
        var json = JsonSerializer.Serialize(keyspace.Get(Bytes.From("h")));
        Assert.Contains("{\"x\":[0,9000000000000,2,9000000000000]}", json);
        var back = JsonSerializer.Deserialize<KeyState>(json)!;
        Assert.Equal(9000000000000, back.Hash!.FieldExpiry(Bytes.From("a")));
        Assert.Null(back.Hash.FieldExpiry(Bytes.From("b")));
        Assert.Equal(JsonSerializer.Serialize(back), json);
        Run("COPY h h2", T);
        Assert.Equal(Ints(9000000000, -1, 9000000000), Run("HEXPIRETIME h2 FIELDS 3 a b c", T));
        Run("RENAME h2 h3", T);
        Assert.Equal(Ints(9000000000), Run("HEXPIRETIME h3 FIELDS 1 a", T));
        Assert.Equal("listpackex", Objects.EncodingOf(back));
    }

    [Fact]
    public void Dump_writes_redis_7_4_hash_metadata_and_restore_reads_it()
    {
        Run("HSET h a 1 b 2", T);
        Run("HPEXPIREAT h 9000000000000 FIELDS 1 a", T);
        var payload = Assert.IsType<BulkReply>(Run("DUMP h", T)).Value!;
        Assert.Equal(Rdb.TypeHashMetadata, payload[0]);
        Assert.Equal(12, payload[^10]); // RDB 12: Redis 7.4 reads it, Redis 7.0 refuses it rather than lose the expiries
        Assert.Equal(Reply.Ok, Engine.Execute(new CommandContext(keyspace, T), [Bytes.From("RESTORE"), Bytes.From("r"), Bytes.From("0"), payload]));
        Assert.Equal(Ints(9000000000000, -1), Run("HPEXPIRETIME r FIELDS 2 a b", T));
        Run("HPERSIST h FIELDS 1 a", T);
        Assert.Equal(Rdb.TypeHash, Assert.IsType<BulkReply>(Run("DUMP h", T)).Value![0]);
    }

    [Fact]
    public void Snapshots_keep_field_expiries_beside_the_plain_hash_redis_7_0_reads()
    {
        Run("HSET h a 1 b 2", T);
        Run("HPEXPIREAT h 9000000000000 FIELDS 1 b", T);
        Run("HSET other x 1", T);
        using var file = new MemoryStream();
        RdbWriter.WriteFile(file, keyspace.Entries.ToList(), T);
        file.Position = 0;
        var reader = new RdbReader(file);
        var read = new Dictionary<string, KeyState>();
        while (reader.TryRead(out var entry)) read[Encoding.UTF8.GetString(entry.Key)] = entry.State;
        Assert.Equal(9000000000000, read["h"].Hash!.FieldExpiry(Bytes.From("b")));
        Assert.Null(read["h"].Hash!.FieldExpiry(Bytes.From("a")));
        Assert.False(read["other"].Hash!.HasFieldExpiries);
    }
}
