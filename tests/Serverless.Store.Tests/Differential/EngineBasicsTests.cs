using Serverless.Store.Commands;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>Dispatch-level behaviour every command shares: unknown commands, arity, case.</summary>
[Trait("Needs", "redis-server")]
[Collection(RedisCollection.Name)]
public sealed class EngineBasicsTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Unknown_commands_and_wrong_arity_answer_like_redis() => diff.Run(
        "FOO",
        "FOO a b",
        "get",
        "GET a b",
        "SeT",
        "hset h f");

    [Fact]
    public void Unknown_commands_clip_their_arguments_where_redis_does()
    {
        // Arguments around and past the 128-byte budget: each argument's budget is counted before its quote.
        var lines = new List<string>();
        foreach (var first in new[] { 1, 60, 120, 125, 126, 127, 128, 200 })
            foreach (var second in new[] { 1, 5, 200 })
                lines.Add($"NOSUCH {new string('a', first)} {new string('b', second)} c");
        lines.Add($"{new string('x', 300)} arg");
        diff.Run([.. lines]);
    }

    [Fact]
    public void Errors_quoting_arguments_turn_line_breaks_into_spaces_like_redis() => diff.Run(
        ["NOSUCH", "a\nb", "\r\n"],
        ["x\ry", "arg"],
        ["ZADD", "z", "1", "m", "\r\n"],
        ["PEXPIREAT", "k", "1", "WITHSCORE\r\n"],
        ["GET", "\n"]);

    [Fact]
    public void Command_table_arity_and_keys_match_redis_command_info()
    {
        var mismatches = new List<string>();
        foreach (var spec in CommandTable.All)
        {
            var info = redis.Client.Call("COMMAND", "INFO", spec.Name);
            if (info is not Protocol.ArrayReply { Items: [Protocol.ArrayReply { Items: { } row }] })
            {
                // Newer than redis-server 7.0: CommandCoverageTests checks these rows against redis.io.
                if (!CommandCoverage.NewerThan70.Contains(spec.Name)) mismatches.Add($"{spec.Name}: unknown to redis-server");
                continue;
            }
            var ours = $"{spec.Arity} {spec.FirstKey} {spec.LastKey} {spec.Step}";
            var theirs = $"{row[1]} {row[3]} {row[4]} {row[5]}".Replace(":", "");
            if (ours != theirs) mismatches.Add($"{spec.Name}: ours {ours}, redis {theirs}");
        }
        Assert.Empty(mismatches);
    }
}
