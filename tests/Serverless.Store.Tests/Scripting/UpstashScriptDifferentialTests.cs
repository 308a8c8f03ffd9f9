using Serverless.Store.Tests.Oracle;
using static Serverless.Store.Tests.Scripting.ScriptCorpus;
using static Serverless.Store.Tests.Scripting.UpstashScripts;

namespace Serverless.Store.Tests.Scripting;

/// <summary>
/// The exact scripts of @upstash/ratelimit 2.2.0, @upstash/lock 0.2.1 and @upstash/core-analytics,
/// run as those clients run them (EVALSHA after EVAL), against redis-server 7.0. redis-server refuses
/// the allow-key-locking flag the ratelimit scripts carry, so its copy goes without it.
/// </summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class UpstashScriptDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    const string Now = "1700000012345"; // a fixed "now" (ms), so both sides compute the same windows
    const string Later = "1700000072345";

    /// <summary>EVAL of a script on both sides, redis-server's copy without allow-key-locking.</summary>
    void Run(string script, int keys, params string[] keysThenArgs)
    {
        var forRedis = script.Replace("#!lua flags=allow-key-locking", "#!lua");
        diff.StepEach(Call("EVAL", forRedis, keys, keysThenArgs), Call("EVAL", script, keys, keysThenArgs));
    }

    [Fact]
    public void Redis_refuses_the_flag_the_engine_accepts()
    {
        diff.Reset();
        var (theirs, ours) = (redis.Client.Call("EVAL", CachedFixedWindowRemainingTokenScript, "1", "k"),
            diff.OnEngine(Call("EVAL", CachedFixedWindowRemainingTokenScript, 1, "k").Select(System.Text.Encoding.UTF8.GetBytes).ToArray()));
        Assert.Equal("ERR Unexpected flag in script shebang: allow-key-locking", Assert.IsType<Serverless.Store.Protocol.ErrorReply>(theirs).Message);
        Assert.Equal(Serverless.Store.Protocol.Reply.Integer(0), ours);
    }

    [Fact]
    public void Fixed_window_limits_and_reports()
    {
        diff.Reset();
        for (var i = 0; i < 4; i++) Run(FixedWindowLimitScript, 2, "rl:fw:1", "", "3", "60000", "1");
        Run(FixedWindowRemainingTokensScript, 2, "rl:fw:1", "", "3");
        diff.Continue(Command("SET", "rl:dyn", "10"));
        Run(FixedWindowLimitScript, 2, "rl:fw:2", "rl:dyn", "3", "60000", "2");
        Run(FixedWindowRemainingTokensScript, 2, "rl:fw:2", "rl:dyn", "3");
        Run(FixedWindowLimitScript, 2, "rl:fw:1", "", "3", "60000", "-1");
        diff.Continue(Command("PTTL", "rl:fw:1"));
        Run(CachedFixedWindowLimitScript, 1, "rl:cfw", "60000", "1");
        Run(CachedFixedWindowLimitScript, 1, "rl:cfw", "60000", "1");
        Run(CachedFixedWindowRemainingTokenScript, 1, "rl:cfw");
        Run(CachedFixedWindowRemainingTokenScript, 1, "rl:nothing");
    }

    [Fact]
    public void Sliding_window_limits_and_reports()
    {
        diff.Reset();
        diff.Continue(Command("SET", "rl:sw:prev", "4"));
        for (var i = 0; i < 5; i++) Run(SlidingWindowLimitScript, 3, "rl:sw:cur", "rl:sw:prev", "", "6", Now, "60000", "1");
        Run(SlidingWindowRemainingTokensScript, 3, "rl:sw:cur", "rl:sw:prev", "", "6", Now, "60000");
        Run(SlidingWindowLimitScript, 3, "rl:sw:cur", "rl:sw:prev", "", "6", Now, "60000", "-1");
        diff.Continue(Command("GET", "rl:sw:cur"), Command("PTTL", "rl:sw:cur"));
    }

    [Fact]
    public void Token_bucket_limits_refills_and_reports()
    {
        diff.Reset();
        for (var i = 0; i < 4; i++) Run(TokenBucketLimitScript, 2, "rl:tb", "", "3", "10000", "1", Now, "1");
        Run(TokenBucketRemainingTokensScript, 2, "rl:tb", "", "3");
        Run(TokenBucketRemainingTokensScript, 2, "rl:tb:none", "", "3");
        Run(TokenBucketLimitScript, 2, "rl:tb", "", "3", "10000", "1", Later, "1");
        Run(TokenBucketLimitScript, 2, "rl:tb", "", "3", "10000", "1", Later, "5");
        diff.Continue(Command("HGETALL", "rl:tb"), Command("PTTL", "rl:tb"));
    }

    [Fact]
    public void Multi_region_scripts_and_deny_list()
    {
        diff.Reset();
        for (var i = 0; i < 3; i++) Run(FixedWindowLimitScript2, 1, "rl:mr", $"req{i}", "60000", "1");
        Run(FixedWindowRemainingTokensScript2, 1, "rl:mr");
        diff.Continue(Command("HSET", "rl:mr:prev", "a", "2", "b", "1"));
        for (var i = 0; i < 3; i++) Run(SlidingWindowLimitScript2, 2, "rl:mr:cur", "rl:mr:prev", "4", Now, "60000", $"id{i}", "1");
        Run(SlidingWindowRemainingTokensScript2, 2, "rl:mr:cur", "rl:mr:prev", Now, "60000");
        diff.Continue(Command("SADD", "rl:deny", "1.2.3.4", "bad-user"));
        Run(CheckDenyListScript, 2, "rl:deny", "rl:ipstatus", "1.2.3.4", "good", "bad-user");
        Run(CheckDenyListScript, 2, "rl:deny", "rl:ipstatus", "other");
        diff.Continue(Command("TTL", "rl:ipstatus"), Command("GET", "rl:ipstatus"));
    }

    [Fact]
    public void Reset_scans_and_deletes_a_prefix()
    {
        diff.Reset();
        diff.Continue(Command("MSET", "rl:reset:a", "1", "rl:reset:b", "2", "other", "3"));
        Run(ResetScript, 1, "rl:reset:*");
        diff.Continue(Command("KEYS", "*"));
    }

    [Fact]
    public void Lock_releases_and_extends()
    {
        diff.Reset();
        diff.Continue(Command("SET", "lock:a", "uuid-1", "EX", "30"));
        Run(LockExtendScript, 1, "lock:a", "uuid-2", "10");
        Run(LockExtendScript, 1, "lock:a", "uuid-1", "10");
        diff.Continue(Command("TTL", "lock:a"));
        Run(LockReleaseScript, 1, "lock:a", "uuid-2");
        Run(LockReleaseScript, 1, "lock:a", "uuid-1");
        Run(LockReleaseScript, 1, "lock:a", "uuid-1");
        Run(LockExtendScript, 1, "lock:a", "uuid-1", "10");
    }

    [Fact]
    public void Core_analytics_aggregates()
    {
        diff.Reset();
        diff.Continue(
            Command("ZADD", "an:1700000000000", "3", "{\"identifier\":\"u1\",\"success\":true}", "1", "{\"identifier\":\"u2\",\"success\":false}"),
            Command("ZADD", "an:1699996400000", "2", "{\"identifier\":\"u1\",\"success\":true}", "5", "{\"identifier\":\"u3\",\"success\":\"denied\"}"));
        // One group only: pairs() order is not Lua 5.1's (docs/scripting.md).
        diff.Continue(Command("ZADD", "an:agg", "3", "{\"identifier\":\"u1\",\"success\":true}", "2", "{\"identifier\":\"u1\",\"success\":false}"));
        Run(AnalyticsAggregateBy, 1, "an:agg", "identifier");
        Run(AnalyticsUnionScores, 1, "an", "1700000000000", "3600000", "2");
        Run(AnalyticsGetMostAllowedBlocked, 1, "an", "1700000000000", "3600000", "2", "5", "10");
    }
}
