using System.Text;
using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// OBJECT and MEMORY against redis-server 7.0: the encoding redis-server chooses for the same
/// value and history (and the limits that decide it), REFCOUNT's shared integers, the errors.
/// </summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class ObjectDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    static string Repeat(char c, int n) => new(c, n);

    static string Many(string prefix, int n, Func<int, string> item) =>
        prefix + " " + string.Join(' ', Enumerable.Range(0, n).Select(item));

    [Fact]
    public void String_encodings_follow_how_the_value_was_written() => diff.Run(
        "SET k 123", "OBJECT ENCODING k",
        "SET k -9223372036854775808", "OBJECT ENCODING k",
        "SET k 9223372036854775808", "OBJECT ENCODING k",
        "SET k 0123", "OBJECT ENCODING k",
        "SET k -0", "OBJECT ENCODING k",
        "SET k +1", "OBJECT ENCODING k",
        "SET k \" 1\"", "OBJECT ENCODING k",
        "SET k \"\"", "OBJECT ENCODING k",
        $"SET k {Repeat('a', 44)}", "OBJECT ENCODING k",
        $"SET k {Repeat('a', 45)}", "OBJECT ENCODING k",
        "SET k abc", "APPEND k def", "OBJECT ENCODING k",
        "SET k 1", "APPEND k 2", "OBJECT ENCODING k", "INCR k", "OBJECT ENCODING k",
        "DEL k", "APPEND k 5", "OBJECT ENCODING k",
        "DEL k", "APPEND k hello", "OBJECT ENCODING k",
        "DEL k", "SETRANGE k 0 ab", "OBJECT ENCODING k",
        "SET k 12", "SETRANGE k 0 3", "OBJECT ENCODING k",
        "SET k 12", "SETRANGE k 0 \"\"", "OBJECT ENCODING k",
        "SET k 1.5", "INCRBYFLOAT k 1.5", "GET k", "OBJECT ENCODING k",
        "INCRBYFLOAT k 1e30", "OBJECT ENCODING k",
        "INCRBYFLOAT n 5", "OBJECT ENCODING n",
        "INCRBY n 5", "OBJECT ENCODING n",
        "GETSET n 7", "OBJECT ENCODING n",
        "SET a 1", "APPEND a 1", "COPY a b", "OBJECT ENCODING b", "RENAME b c", "OBJECT ENCODING c",
        "MSET m1 10 m2 x", "OBJECT ENCODING m1", "OBJECT ENCODING m2",
        "SETEX e 100 42", "OBJECT ENCODING e");

    [Fact]
    public void Refcount_is_int_max_for_shared_integers() => diff.Run(
        "SET k 0", "OBJECT REFCOUNT k",
        "SET k 9999", "OBJECT REFCOUNT k",
        "SET k 10000", "OBJECT REFCOUNT k",
        "SET k -1", "OBJECT REFCOUNT k",
        "SET k abc", "OBJECT REFCOUNT k",
        "INCR n", "OBJECT REFCOUNT n",
        "SET big 9998", "INCR big", "OBJECT REFCOUNT big", "INCR big", "OBJECT REFCOUNT big",
        "SET f 1", "APPEND f 0", "OBJECT REFCOUNT f",
        "SET c 10", "COPY c c2", "OBJECT REFCOUNT c2", "OBJECT ENCODING c2", "RENAME c c3", "OBJECT REFCOUNT c3", "INCR c2", "OBJECT REFCOUNT c2",
        "RPUSH l a", "OBJECT REFCOUNT l",
        "OBJECT REFCOUNT nosuch");

    [Fact]
    public void Aggregate_encodings_at_redis_default_limits() => diff.Run(
        "RPUSH l a", "OBJECT ENCODING l",
        Many("RPUSH l", 1000, i => $"v{i}"), "OBJECT ENCODING l",
        "SADD s 1 2 3", "OBJECT ENCODING s",
        "SADD s x", "OBJECT ENCODING s", "SREM s x", "OBJECT ENCODING s",
        Many("SADD t", 512, i => $"{i}"), "OBJECT ENCODING t",
        "SADD t 512", "OBJECT ENCODING t",
        "HSET h f v", "OBJECT ENCODING h",
        Many("HSET h", 511, i => $"f{i} {i}"), "HLEN h", "OBJECT ENCODING h",
        "HSET h one more", "OBJECT ENCODING h", "HDEL h one", "OBJECT ENCODING h",
        $"HSET g f {Repeat('v', 64)}", "OBJECT ENCODING g", $"HSET g f {Repeat('v', 65)}", "OBJECT ENCODING g",
        $"HINCRBYFLOAT g2 {Repeat('f', 65)} 1", "OBJECT ENCODING g2",
        "ZADD z 1 a", "OBJECT ENCODING z",
        Many("ZADD z", 127, i => $"{i} m{i}"), "OBJECT ENCODING z",
        "ZADD z 1 one-more", "OBJECT ENCODING z", "ZREM z one-more", "OBJECT ENCODING z",
        $"ZADD y 1 {Repeat('m', 64)}", "OBJECT ENCODING y", $"ZADD y 1 {Repeat('m', 65)}", "OBJECT ENCODING y",
        "XADD x 1-1 f v", "OBJECT ENCODING x",
        "OBJECT ENCODING nosuch");

    [Fact]
    public void Stored_results_take_the_encoding_redis_gives_them() => diff.Run(
        Many("ZADD big", 200, i => $"{i} m{i}"),
        "ZADD small 1 a 2 b",
        "ZUNIONSTORE u 1 small", "OBJECT ENCODING u",
        "ZUNIONSTORE u 1 big", "OBJECT ENCODING u",
        "ZINTERSTORE i 2 big small", "EXISTS i",
        "ZRANGESTORE r big 0 9", "OBJECT ENCODING r",
        "ZRANGESTORE r big 0 -1", "OBJECT ENCODING r",
        "ZRANGESTORE r big -inf +inf BYSCORE", "OBJECT ENCODING r",
        "ZREMRANGEBYRANK big 10 -1", "OBJECT ENCODING big",
        "ZUNIONSTORE u 1 big", "OBJECT ENCODING u",
        "ZADD s 1 x", "SORT s", "OBJECT ENCODING s",
        "SADD a 1 2 3 x", "SADD b 1 2 3", "SINTERSTORE c a b", "OBJECT ENCODING c",
        "SUNIONSTORE c a b", "OBJECT ENCODING c",
        "SDIFFSTORE c b a", "EXISTS c",
        "SMOVE a d x", "OBJECT ENCODING d",
        "SMOVE a e 1", "OBJECT ENCODING e",
        "COPY big big2", "OBJECT ENCODING big2");

    [Fact]
    public void Object_errors_and_help() => diff.Run(
        "SET k v",
        "OBJECT",
        "OBJECT ENCODING",
        "OBJECT ENCODING k extra",
        "OBJECT FOO k",
        "OBJECT HELP extra",
        "OBJECT FREQ k",
        "OBJECT FREQ nosuch",
        "OBJECT IDLETIME nosuch",
        "object encoding k",
        "OBJECT HELP",
        "COMMAND GETKEYS OBJECT ENCODING k",
        "COMMAND GETKEYS OBJECT HELP");

    [Fact]
    public void Idletime_says_that_access_times_are_not_kept()
    {
        diff.Run("SET k v");
        var reply = Assert.IsType<ErrorReply>(diff.OnEngine(Args("OBJECT IDLETIME k")));
        Assert.StartsWith("ERR OBJECT IDLETIME is not available", reply.Message);
    }

    [Fact]
    public void Memory_usage_is_the_stored_state_size() => diff.Run(
        "SET k v",
        "MEMORY USAGE nosuch",
        "MEMORY USAGE k FOO",
        "MEMORY USAGE k SAMPLES",
        "MEMORY USAGE k SAMPLES x",
        "MEMORY USAGE k SAMPLES -1",
        "MEMORY USAGE nosuch SAMPLES x",
        "MEMORY USAGE",
        "MEMORY HELP x",
        "MEMORY FOO",
        "COMMAND GETKEYS MEMORY USAGE k");

    [Fact]
    public void Memory_usage_grows_with_the_value()
    {
        diff.Run("SET k v", "RPUSH l " + string.Join(' ', Enumerable.Range(0, 100).Select(i => $"element-{i}")), "HSET h f v");
        long Usage(string key) => Assert.IsType<IntegerReply>(diff.OnEngine(Args($"MEMORY USAGE {key} SAMPLES 0"))).Value;
        var small = Usage("k");
        Assert.Equal(1 + System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(diff.Keyspace.Get(Encoding.UTF8.GetBytes("k"))).Length, small);
        Assert.True(Usage("l") > 100 * "element-00".Length, $"list of 100 elements: {Usage("l")} bytes");
        Assert.Equal(Usage("l"), Assert.IsType<IntegerReply>(diff.OnEngine(Args("MEMORY USAGE l"))).Value);
        Assert.True(Usage("h") > small);
    }

    static byte[][] Args(string line) => Oracle.Differential.Parse(line);
}
