using Serverless.Store.Tests.Oracle;
using static Serverless.Store.Tests.Scripting.ScriptCorpus;

namespace Serverless.Store.Tests.Scripting;

/// <summary>Shebang flags, the _RO commands, SCRIPT, the redis.* odds and ends, against redis-server 7.0.</summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class ScriptCommandDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Shebang_flags_as_redis() => diff.Run(
        Eval("#!lua\nreturn 1"),
        Eval("#!lua flags=no-writes\nreturn redis.call('get', 'k')"),
        Eval("#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')"),
        Eval("#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 'all'"),
        Eval("#!lua flags=\nreturn 'none'"),
        Eval("#!lua flags=bogus\nreturn 1"),
        Eval("#!lua flags=no-writes,bogus\nreturn 1"),
        Eval("#!lua name=x\nreturn 1"),
        Eval("#!python\nreturn 1"),
        Eval("#!lua"),
        Eval("#!lua flags=no-writes\nreturn nil + 1"),
        Eval("#!lua\n\nreturn nil + 1"),
        Eval("#!lua\n\nerror('line 3')"),
        Eval("#!lua flags=no-writes\nreturn redis.call('publish', 'ch', 'm')"),
        Command("EVAL_RO", "return redis.call('get', 'k')", "1", "k"),
        Command("EVAL_RO", "return redis.call('set', 'k', 'v')", "1", "k"),
        Command("EVAL_RO", "return redis.pcall('set', 'k', 'v')", "1", "k"),
        Command("EVAL_RO", "#!lua\nreturn 1", "0"),
        Command("EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"),
        Command("EVAL_RO", "return redis.call('del', 'k')", "0"),
        Command("GET", "k"),
        Command("EVALSHA_RO", Sha1("#!lua\nreturn 1"), "0"),
        Command("SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 2"),
        Command("EVALSHA_RO", Sha1("#!lua flags=no-writes\nreturn 2"), "0"));

    [Fact]
    public void Script_subcommands_as_redis() => diff.Run(
        Command("SCRIPT", "LOAD", "return 'loaded'"),
        Command("SCRIPT", "LOAD", "return 'loaded'"),
        Command("SCRIPT", "LOAD", "return +"),
        Command("SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1"),
        Command("EVALSHA", Sha1("return 'loaded'"), "0"),
        Command("SCRIPT", "EXISTS", Sha1("return 'loaded'"), "nope"),
        Command("SCRIPT", "FLUSH"),
        Command("SCRIPT", "EXISTS", Sha1("return 'loaded'")),
        Command("EVALSHA", Sha1("return 'loaded'"), "0"),
        Command("SCRIPT", "FLUSH", "SYNC"),
        Command("SCRIPT", "FLUSH", "async"),
        Command("SCRIPT", "FLUSH", "bogus"),
        Command("SCRIPT", "FLUSH", "SYNC", "x"),
        Command("SCRIPT", "KILL"),
        Command("SCRIPT", "KILL", "x"),
        Command("SCRIPT", "HELP"),
        Command("SCRIPT", "HELP", "x"),
        Command("SCRIPT", "EXISTS"),
        Command("SCRIPT", "LOAD"),
        Command("SCRIPT", "bogus"),
        Command("SCRIPT"),
        Command("SCRIPT", "DEBUG", "NO"),
        Command("SCRIPT", "DEBUG", "maybe"),
        Command("FUNCTION", "KILL"),
        Command("COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"),
        Command("COMMAND", "GETKEYS", "FCALL", "f", "1", "a", "b"),
        Command("COMMAND", "GETKEYS", "EVAL", "return 1", "0"));

    [Fact]
    public void Redis_api_odds_and_ends_as_redis() => diff.Run(
        Eval("return redis.REDIS_VERSION"),
        Eval("return redis.REDIS_VERSION_NUM"),
        Eval("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
        Eval("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}"),
        Eval("redis.log(redis.LOG_WARNING, 'from a script', 42)\nreturn 'logged'"),
        Eval("redis.log(redis.LOG_WARNING)"),
        Eval("redis.log('x', 'msg')"),
        Eval("redis.log(9, 'msg')"),
        Eval("redis.set_repl(redis.REPL_ALL)\nreturn 'ok'"),
        Eval("redis.set_repl(99)"),
        Eval("redis.set_repl()"),
        Eval("return redis.replicate_commands()"),
        Eval("return redis.breakpoint()"),
        Eval("return redis.debug('x')"),
        Eval("return redis.acl_check_cmd('get', 'x')"),
        Eval("return redis.acl_check_cmd('nosuch')"),
        Eval("redis.setresp(4)"),
        Eval("redis.setresp()"),
        Eval("redis.setresp(3)\nreturn redis.call('get', 'nosuch') == nil"),
        Eval("redis.setresp(3)\nreturn false"),
        Eval("redis.setresp(2)\nreturn {redis.call('get', 'nosuch')}"),
        Eval("local t = redis.call('time')\nreturn #t"),
        Command("SET", "n", "5"),
        Eval("return redis.call('incrbyfloat', 'n', '1.5')"),
        Eval("return redis.call('zadd', 'z', 1.5, 'a')"),
        Eval("return redis.call('zscore', 'z', 'a')"),
        Eval("return redis.call('zrange', 'z', 0, -1, 'withscores')"),
        Eval("return redis.call('type', 'z')"),
        Eval("return redis.call('type', 'z').ok"),
        Eval("return redis.call('hset', 'h', 'f', 1, 'g', 2)"),
        Eval("return redis.call('hmget', 'h', 'f', 'nope', 'g')"),
        Eval("return redis.call('xadd', 's', '1-1', 'f', 'v')"),
        Eval("return redis.call('xrange', 's', '-', '+')"),
        Eval("local k = redis.call('keys', '*')\ntable.sort(k)\nreturn k"),
        Eval("return redis.call('dbsize')"),
        Eval("return redis.call('expire', 'n', 100)"),
        Eval("return redis.call('ttl', 'n')"),
        Eval("return redis.call('echo', 'hi')"),
        Eval("return redis.call('ping', 'x')"));
}
