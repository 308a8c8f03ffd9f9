using System.Text;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>The generic key commands against redis-server, edge case by edge case.</summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class KeysDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    // Far-future absolute times keep EXPIRETIME/PEXPIRETIME exact on both sides.
    const string At = "4102444800";       // 2100-01-01 in seconds
    const string AtMs = "4102444800123";  // and in milliseconds

    [Fact]
    public void Del_and_unlink_count_removed_keys_once() => diff.Run(
        "DEL nokey",
        "SET a 1",
        "SET b 2",
        "SET c 3",
        "DEL a a nokey",
        "EXISTS a",
        "UNLINK b c c",
        "EXISTS b c",
        "DEL",
        "UNLINK",
        "DBSIZE");

    [Fact]
    public void Exists_counts_duplicates() => diff.Run(
        "EXISTS a",
        "SET a 1",
        "EXISTS a a a nokey",
        "EXISTS",
        "SET \"\" empty",
        "EXISTS \"\"");

    [Fact]
    public void Type_of_strings_and_missing_keys() => diff.Run(
        "TYPE nokey",
        "SET s v",
        "TYPE s",
        "TYPE",
        "TYPE s s");

    [Fact]
    public void Type_of_every_kind() => diff.Run(
        "SET s v",
        "HSET h f v",
        "LPUSH l a",
        "SADD set m",
        "ZADD z 1 m",
        "TYPE s",
        "TYPE h",
        "TYPE l",
        "TYPE set",
        "TYPE z");

    [Fact]
    public void Expire_family_happy_paths() => diff.Run(
        "EXPIRE nokey 100",
        "SET a 1",
        "EXPIRE a 100",
        "TTL a",
        "PTTL a",
        "PEXPIRE a 50000",
        "TTL a",
        "PTTL a",
        "EXPIREAT a " + At,
        "EXPIRETIME a",
        "PEXPIRETIME a",
        "PEXPIREAT a " + AtMs,
        "EXPIRETIME a",
        "PEXPIRETIME a",
        "PERSIST a",
        "PERSIST a",
        "TTL a",
        "PTTL a",
        "EXPIRETIME a",
        "PEXPIRETIME a",
        "TTL nokey",
        "PTTL nokey",
        "EXPIRETIME nokey",
        "PEXPIRETIME nokey",
        "PERSIST nokey");

    [Fact]
    public void Expire_in_the_past_or_now_deletes_the_key() => diff.Run(
        "SET a 1",
        "EXPIRE a 0",
        "EXISTS a",
        "SET a 1",
        "EXPIRE a -10",
        "EXISTS a",
        "SET a 1",
        "PEXPIRE a -1",
        "EXISTS a",
        "SET a 1",
        "EXPIREAT a 1",
        "EXISTS a",
        "SET a 1",
        "PEXPIREAT a 0",
        "EXISTS a",
        "SET a 1",
        "PEXPIREAT a -9223372036854775808",
        "EXISTS a",
        "SET a 1",
        "EXPIRE a -9223372036854775",
        "EXISTS a",
        "EXPIRE a -10",
        "DBSIZE");

    [Fact]
    public void Expire_options_nx_xx_gt_lt() => diff.Run(
        "SET a 1",
        "EXPIRE a 100 XX",
        "TTL a",
        "EXPIRE a 100 GT",
        "TTL a",
        "EXPIRE a 100 lt",
        "TTL a",
        "EXPIRE a 200 NX",
        "TTL a",
        "EXPIRE a 300 nx",
        "TTL a",
        "EXPIRE a 400 xx",
        "TTL a",
        "EXPIRE a 300 gt",
        "TTL a",
        "EXPIRE a 500 gt",
        "TTL a",
        "EXPIRE a 600 lt",
        "TTL a",
        "EXPIRE a 50 lt",
        "TTL a",
        "EXPIRE a 50 LT XX",
        "EXPIRE a 60 XX GT",
        "TTL a",
        "EXPIRE a -1 lt",
        "EXISTS a",
        "EXPIRE nokey 10 NX",
        "SET b 1",
        "EXPIRE b -1 GT",
        "EXISTS b",
        "PEXPIRE b 100000 nx nx",
        "PTTL b",
        "EXPIREAT b " + At + " GT",
        "EXPIRETIME b",
        "PEXPIREAT b " + AtMs + " LT",
        "PEXPIRETIME b",
        "PEXPIREAT b " + AtMs + " XX",
        "PEXPIRETIME b");

    [Fact]
    public void Expire_option_errors_and_precedence() => diff.Run(
        "SET a 1",
        "EXPIRE a 10 nx xx",
        "EXPIRE a 10 NX GT",
        "EXPIRE a 10 nx lt",
        "EXPIRE a 10 gt lt",
        "EXPIRE a 10 xx gt lt",
        "EXPIRE a 10 foo",
        "EXPIRE a abc foo",
        "EXPIRE a abc nx xx",
        "EXPIRE a abc",
        "EXPIRE a 1.5",
        "EXPIRE a \"\"",
        "EXPIRE a \" 10\"",
        "EXPIRE a 10 nx \"\"",
        "PEXPIRE a 10 bar",
        "EXPIREAT a 10 gt lt",
        "PEXPIREAT a x",
        "EXPIRE a",
        "PEXPIRE a",
        "EXPIREAT a",
        "PEXPIREAT a",
        "TTL a",
        "EXPIRE nokey 10 foo",
        "EXPIRE nokey abc");

    [Fact]
    public void Expire_overflow_is_an_invalid_expire_time() => diff.Run(
        "SET a 1",
        "EXPIRE a 9223372036854775807",
        "EXPIRE a 9223372036854775",
        "EXPIRE a 9223372036854776",
        "EXPIRE a -9223372036854776",
        "PEXPIRE a 9223372036854775807",
        "pexpire a 9223372036854775000",
        "EXPIREAT a 9223372036854775807",
        "EXPIREAT a 9223372036854776",
        "PEXPIREAT a 9223372036854775807",
        "PEXPIRETIME a",
        "EXPIRETIME a",
        "TTL a",
        "PTTL a",
        "EXPIRE a 9223372036854775808",
        "EXISTS a");

    [Fact]
    public void Wrong_arity_of_fixed_key_commands() => diff.Run(
        "TTL",
        "TTL a b",
        "PTTL",
        "EXPIRETIME a b",
        "PEXPIRETIME",
        "PERSIST",
        "PERSIST a b",
        "RENAME a",
        "RENAME a b c",
        "RENAMENX a",
        "COPY a",
        "TOUCH",
        "KEYS",
        "KEYS a b",
        "SCAN",
        "RANDOMKEY x",
        "DBSIZE x");

    [Fact]
    public void Rename_moves_value_and_ttl() => diff.Run(
        "RENAME nokey b",
        "RENAME nokey nokey",
        "SET a 1",
        "RENAME a a",
        "GET a",
        "PEXPIREAT a " + AtMs,
        "RENAME a b",
        "EXISTS a",
        "GET b",
        "PEXPIRETIME b",
        "SET c 3",
        "RENAME c b",
        "GET b",
        "TTL b",
        "SET d 4",
        "EXPIRE d 1000",
        "RENAME b d",
        "GET d",
        "TTL d",
        "DBSIZE");

    [Fact]
    public void RenameNx_only_when_the_destination_is_missing() => diff.Run(
        "RENAMENX nokey b",
        "RENAMENX nokey nokey",
        "SET a 1",
        "SET b 2",
        "RENAMENX a a",
        "RENAMENX a b",
        "GET a",
        "GET b",
        "EXPIREAT a " + At,
        "RENAMENX a c",
        "EXISTS a",
        "GET c",
        "EXPIRETIME c");

    [Fact]
    public void Rename_across_types() => diff.Run(
        "HSET h f v",
        "SET s x",
        "RENAME h s",
        "TYPE s",
        "HGET s f",
        "EXISTS h",
        "LPUSH l a b",
        "RENAMENX l s",
        "RENAMENX l t",
        "LRANGE t 0 -1");

    [Fact]
    public void Copy_options_and_errors() => diff.Run(
        "COPY nokey b",
        "COPY nokey nokey",
        "SET a 1",
        "COPY a a",
        "COPY a a DB 0",
        "COPY a b",
        "GET b",
        "COPY a b",
        "SET a 2",
        "COPY a b REPLACE",
        "GET b",
        "COPY a b replace replace",
        "COPY a b DB 0 REPLACE",
        "COPY a b db 16",
        "COPY a b db -1",
        "COPY a b db abc",
        "COPY a b db 99999999999",
        "COPY a b db 2147483648",
        "COPY a b db -2147483649",
        "COPY a b db",
        "COPY a b foo",
        "COPY a b replace foo",
        "COPY a b db 16 foo",
        "COPY a b foo db 16",
        "COPY a b db 0 db 0",
        "COPY nokey a db 16",
        "COPY nokey nokey2 foo",
        "GET b");

    [Fact]
    public void Copy_keeps_the_ttl() => diff.Run(
        "SET a 1",
        "PEXPIREAT a " + AtMs,
        "COPY a b",
        "PEXPIRETIME b",
        "SET c 3",
        "EXPIRE c 500",
        "COPY c b REPLACE",
        "TTL b",
        "SET d 4",
        "COPY d b replace",
        "TTL b");

    [Fact]
    public void Copy_is_deep_for_every_kind() => diff.Run(
        "HSET h f v",
        "COPY h h2",
        "HSET h2 f changed g new",
        "HGETALL h",
        "HGETALL h2",
        "RPUSH l a b c",
        "COPY l l2",
        "RPUSH l2 d",
        "LRANGE l 0 -1",
        "LRANGE l2 0 -1",
        "SADD s a b",
        "COPY s s2",
        "SREM s2 a",
        "SMEMBERS s",
        "SMEMBERS s2",
        "ZADD z 1 a 2 b",
        "COPY z z2",
        "ZINCRBY z2 10 a",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZRANGE z2 0 -1 WITHSCORES",
        "TYPE z2");

    [Fact]
    public void Touch_counts_live_keys_with_duplicates() => diff.Run(
        "TOUCH a",
        "SET a 1",
        "SET b 1",
        "TOUCH a a b nokey");

    [Fact]
    public void Keys_with_patterns() => diff.Run(
        "KEYS *",
        "SET hello 1",
        "SET hallo 1",
        "SET hxllo 1",
        "SET hllo 1",
        "SET heeeello 1",
        "SET \"a b\" 1",
        "SET \"\" 1",
        "SET h[ 1",
        "KEYS *",
        "KEYS h?llo",
        "KEYS h*llo",
        "KEYS h[ae]llo",
        "KEYS h[^e]llo",
        "KEYS h[a-b]llo",
        "KEYS \"a b\"",
        "KEYS \"\"",
        "KEYS h\\[",
        "KEYS h[",
        "KEYS *o",
        "KEYS nomatch*",
        "KEYS **");

    [Fact]
    public void Keys_with_binary_names()
    {
        byte[] B(params byte[] b) => b;
        byte[] S(string s) => Encoding.UTF8.GetBytes(s);
        diff.Run(
        [
            [S("SET"), B(0, 1, 255), S("v")],
            [S("SET"), B(0xc3, 0x28), S("v")],
            [S("SET"), S("plain"), S("v")],
            [S("KEYS"), S("*")],
            [S("KEYS"), B(0, (byte)'*')],
            [S("KEYS"), B((byte)'?', (byte)'(')],
            [S("EXISTS"), B(0, 1, 255)],
            [S("TYPE"), B(0xc3, 0x28)],
            [S("RENAME"), B(0, 1, 255), B(0xff)],
            [S("GET"), B(0xff)],
            [S("COPY"), B(0xff), B(0xfe, 0)],
            [S("KEYS"), S("*")],
            [S("DEL"), B(0xff), B(0xfe, 0)],
            [S("DBSIZE")],
        ]);
    }

    [Fact]
    public void Dbsize_randomkey_and_flush() => diff.Run(
        "DBSIZE",
        "RANDOMKEY",
        "SET a 1",
        "RANDOMKEY",
        "SET b 2",
        "SET c 3",
        "DBSIZE",
        "RANDOMKEY",
        "FLUSHDB",
        "DBSIZE",
        "RANDOMKEY",
        "SET a 1",
        "FLUSHALL ASYNC",
        "DBSIZE",
        "SET a 1",
        "FLUSHALL sync",
        "DBSIZE",
        "SET a 1",
        "FLUSHDB Async",
        "SET a 1",
        "FLUSHALL foo",
        "FLUSHALL sync async",
        "FLUSHDB \"\"",
        "FLUSHDB async async",
        "DBSIZE",
        "FLUSHALL",
        "DBSIZE");

    [Fact]
    public void Scan_option_errors() => diff.Run(
        "SET a 1",
        "SCAN abc",
        "SCAN -1x",
        "SCAN \"\"",
        "SCAN 0 COUNT 0",
        "SCAN 0 COUNT -1",
        "SCAN 0 COUNT abc",
        "SCAN 0 COUNT",
        "SCAN 0 MATCH",
        "SCAN 0 TYPE",
        "SCAN 0 FOO bar",
        "SCAN abc COUNT 0",
        "SCAN 0 count 10 match a*",
        "SCAN 0 TYPE string",
        "SCAN 0 TYPE STRING",
        "SCAN 0 TYPE hash",
        "SCAN 0 TYPE nosuchtype");

    [Fact]
    public void Scan_iterates_every_key_exactly_like_keys()
    {
        var setup = new List<string>();
        for (var i = 0; i < 300; i++) setup.Add($"SET key:{i} v");
        for (var i = 0; i < 20; i++) setup.Add($"SET other:{i} v");
        diff.Run(setup.ToArray());
        foreach (var options in new[] { "", " COUNT 1", " COUNT 7", " COUNT 1000", " MATCH key:1*", " MATCH other:* COUNT 3", " TYPE string", " TYPE list", " MATCH nomatch" })
            diff.AssertSameScan("SCAN 0" + options);
    }

    [Fact]
    public void Scan_by_type_over_every_kind()
    {
        diff.Run("SET s v", "HSET h f v", "LPUSH l a", "SADD set m", "ZADD z 1 m", "SET s2 v");
        foreach (var type in new[] { "string", "hash", "list", "set", "zset", "ZSET", "none" })
            diff.AssertSameScan("SCAN 0 TYPE " + type);
    }

    [Fact]
    public void Commands_on_keys_of_other_types_never_say_wrongtype() => diff.Run(
        "HSET h f v",
        "EXISTS h",
        "EXPIRE h 100",
        "TTL h",
        "PERSIST h",
        "TTL h",
        "TOUCH h",
        "DEL h",
        "EXISTS h");
}

/// <summary>redis-server with one database ("--databases 1"): what this one-database store answers too.</summary>
public sealed class OneDatabaseRedis : IDisposable
{
    public RedisServer Server { get; } = new(["--databases", "1"]);

    public void Dispose() => Server.Dispose();
}

/// <summary>The commands that name databases (MOVE, SWAPDB, COPY ... DB) against a redis-server that has only db 0, as this store.</summary>
[Trait("Needs", "redis-server")]
public sealed class OneDatabaseDifferentialTests(OneDatabaseRedis redis) : IClassFixture<OneDatabaseRedis>
{
    readonly Oracle.Differential diff = new(redis.Server);

    [Fact]
    public void Move_swapdb_and_copy_with_one_database() => diff.Run(
        "SET k v",
        "MOVE k 0",
        "MOVE k 1",
        "MOVE k 15",
        "MOVE k 16",
        "MOVE k -1",
        "MOVE k x",
        "MOVE k 2147483648",
        "MOVE nosuch 0",
        "MOVE nosuch 1",
        "GET k",
        "SWAPDB 0 0",
        "SWAPDB 0 1",
        "SWAPDB 1 0",
        "SWAPDB x 0",
        "SWAPDB 0 x",
        "SWAPDB 2147483648 0",
        "SWAPDB -1 -1",
        "COPY k k2 DB 0",
        "COPY k k3 DB 1",
        "COPY k k3 DB x",
        "GET k2",
        "MOVE",
        "SWAPDB 0",
        "COMMAND GETKEYS MOVE k 1",
        "COMMAND GETKEYS SWAPDB 0 1");
}
