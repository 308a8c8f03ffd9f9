using System.Text;
using Serverless.Store.Tests.Http;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Cli.Tests;

/// <summary>
/// The formatting itself, differentially: one script of commands goes through redis-cli against a
/// private redis-server and through store-cli against the standalone store (both reading the script
/// on stdin, as their prompt does when stdin is not a terminal), in each output mode, and the two
/// outputs must be the same bytes. Keys carry a prefix of this run, the same on both sides (XREAD
/// prints key names), so other tests' keys on the shared store do not matter.
/// </summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
[Trait("Needs", "redis-server")]
public sealed class FormattingDifferentialTests(StoreHost host) : IClassFixture<RedisServer>
{
    static string Script(string p) => $$"""
        SET {{p}}s hello
        GET {{p}}s
        GET {{p}}missing
        SET {{p}}q "a\"b\nc\td\\e\x00\xff\x7f end"
        GET {{p}}q
        SET {{p}}u "h\xc3\xa9llo \xe2\x9c\x93"
        GET {{p}}u
        SET {{p}}ok OK
        GET {{p}}ok
        APPEND {{p}}s " world"
        STRLEN {{p}}s
        INCR {{p}}n
        INCRBY {{p}}n -5
        MGET {{p}}s {{p}}missing {{p}}u
        RPUSH {{p}}l a b c d e f g h i j k l
        LRANGE {{p}}l 0 -1
        LRANGE {{p}}nolist 0 -1
        HSET {{p}}h f1 v1 f2 ""
        HMGET {{p}}h f1 f2 f3
        ZADD {{p}}z 1 a 2.5 b 3 c
        ZRANGE {{p}}z 0 -1 WITHSCORES
        ZSCORE {{p}}z b
        XADD {{p}}x 1-1 f v
        XADD {{p}}x 2-1 f v g "w w"
        XRANGE {{p}}x - +
        XREAD STREAMS {{p}}x 0
        XREAD COUNT 1 STREAMS {{p}}x {{p}}x 0 1-1
        TYPE {{p}}l
        TYPE {{p}}missing
        PING
        PING "hi there"
        ECHO ""
        GET
        LPUSH {{p}}s x
        NOSUCHCMD a b
        3 INCR {{p}}n
        EXISTS {{p}}s {{p}}missing
        DEL {{p}}s {{p}}q {{p}}u {{p}}ok {{p}}n {{p}}l {{p}}h {{p}}z {{p}}x
        GET {{p}}s

        """;

    [Theory]
    [InlineData("--no-raw")]
    [InlineData("--raw")]
    [InlineData("--csv")]
    public async Task A_script_prints_the_same_bytes_as_redis_cli(string mode)
    {
        var prefix = $"cli:{mode.Trim('-')}:{Guid.NewGuid():N}:"[..24];
        var script = Encoding.UTF8.GetBytes(Script(prefix).ReplaceLineEndings("\n"));
        using var redis = new RedisServer();
        var expected = await CliProcess.RedisCliAsync(redis.Port, [mode], script);
        var actual = await CliProcess.StoreCliAsync(host, [mode], script);
        Assert.Equal(0, expected.ExitCode);
        Assert.True(actual.ExitCode == 0, actual.Stderr);
        Assert.Contains("hello", expected.Text); // the oracle ran the script
        Assert.Equal(expected.Text, actual.Text); // text first: a readable diff
        Assert.Equal(expected.Stdout, actual.Stdout);
    }

    [Theory]
    [InlineData("--no-raw")]
    [InlineData("--raw")]
    [InlineData("--csv")]
    public async Task One_command_from_the_arguments_prints_as_redis_cli(string mode)
    {
        var key = $"cli:args:{Guid.NewGuid():N}";
        using var redis = new RedisServer();
        foreach (var command in new[] { new[] { "RPUSH", key, "a b", "c\"d", "" }, ["LRANGE", key, "0", "-1"], ["LLEN", key], ["GET", key], ["DEL", key] })
        {
            var expected = await CliProcess.RedisCliAsync(redis.Port, [mode, .. command]);
            var actual = await CliProcess.StoreCliAsync(host, [mode, .. command]);
            Assert.Equal(expected.Text, actual.Text);
            Assert.Equal(expected.ExitCode, actual.ExitCode);
        }
    }

    [Fact]
    public async Task Without_a_mode_piped_output_is_raw_and_e_makes_an_error_exit_1()
    {
        var key = $"cli:e:{Guid.NewGuid():N}";
        using var redis = new RedisServer();
        foreach (var args in new[] { new[] { "SET", key, "v" }, ["GET", key], ["-e", "LPUSH", key, "x"], ["LPUSH", key, "x"] })
        {
            var expected = await CliProcess.RedisCliAsync(redis.Port, args);
            var actual = await CliProcess.StoreCliAsync(host, args);
            Assert.Equal(expected.Text, actual.Text);
            Assert.Equal(expected.Stderr, actual.Stderr);
            Assert.Equal(expected.ExitCode, actual.ExitCode);
        }
    }
}
