using Serverless.Store.Protocol;
using Serverless.Store.Tests.Oracle;
using static Serverless.Store.Tests.Scripting.ScriptCorpus;

namespace Serverless.Store.Tests.Scripting;

/// <summary>FUNCTION and FCALL, and FUNCTION DUMP/RESTORE across the engine and redis-server 7.0.</summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class FunctionDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    const string Lib = "#!lua name=mylib\nredis.register_function('getk', function(keys, args) return redis.call('get', keys[1]) end)\n" +
        "redis.register_function{function_name='setk', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, description='sets a key'}\n" +
        "redis.register_function{function_name='ro', callback=function(keys, args) return #keys + #args end, flags={'no-writes'}}";

    [Fact]
    public void Function_load_and_fcall_as_redis() => diff.Run(
        Command("FUNCTION", "LOAD", Lib),
        Command("FUNCTION", "LOAD", Lib),
        Command("FCALL", "setk", "1", "k", "v"),
        Command("FCALL", "getk", "1", "k"),
        Command("FCALL_RO", "getk", "1", "k"),
        Command("FCALL_RO", "ro", "2", "a", "b", "c"),
        Command("FCALL", "ro", "0"),
        Command("FCALL", "nosuch", "0"),
        Command("FCALL", "getk", "x"),
        Command("FCALL", "getk", "5", "k"),
        Command("FCALL", "getk", "-1"),
        Command("FUNCTION", "LIST", "LIBRARYNAME", "nope*"),
        Command("FUNCTION", "LIST", "LIBRARYNAME"),
        Command("FUNCTION", "LIST", "bogus"),
        Command("FUNCTION", "STATS"),
        Command("FUNCTION", "LOAD", "REPLACE", Lib.Replace("'getk'", "'getk2'")),
        Command("FCALL", "getk", "1", "k"),
        Command("FCALL", "getk2", "1", "k"),
        Command("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('getk2', function() return 1 end)"),
        Command("FUNCTION", "LOAD", "BOGUS", Lib),
        Command("FUNCTION", "DELETE", "mylib"),
        Command("FUNCTION", "DELETE", "mylib"),
        Command("FCALL", "getk2", "1", "k"),
        Command("FUNCTION", "FLUSH", "bogus"),
        Command("FUNCTION", "FLUSH", "SYNC", "x"),
        Command("FUNCTION", "FLUSH"),
        Command("FUNCTION", "LIST"),
        Command("FUNCTION", "KILL"),
        Command("FUNCTION", "HELP"),
        Command("FUNCTION", "bogus"));

    /// <summary>
    /// FUNCTION LIST shows libraries and their functions in hash order, which differs between
    /// redis-server runs: compared with both sorted by name.
    /// </summary>
    [Fact]
    public void Function_list_shows_what_redis_shows()
    {
        diff.Run(
            Command("FUNCTION", "LOAD", Lib),
            Command("FUNCTION", "LOAD", "#!lua name=second\nredis.register_function('two', function() return 2 end)"));
        foreach (var command in new[] { "FUNCTION LIST", "FUNCTION LIST WITHCODE", "FUNCTION LIST LIBRARYNAME my*", "FUNCTION LIST LIBRARYNAME MY* WITHCODE", "FUNCTION LIST WITHCODE LIBRARYNAME s*" })
        {
            var args = Oracle.Differential.Parse(command);
            Assert.Equal(Sorted(redis.Client.Call(args)), Sorted(diff.OnEngine(args)));
        }
    }

    /// <summary>Libraries sorted by name, and the functions inside each.</summary>
    static string Sorted(Reply list) => string.Join("\n", ((ArrayReply)list).Items!.Select(library =>
    {
        var items = ((ArrayReply)library).Items!.ToArray();
        var functions = (ArrayReply)items[5];
        items[5] = Reply.Array(functions.Items!.OrderBy(f => f.ToString(), StringComparer.Ordinal).ToArray());
        return Reply.Array(items).ToString();
    }).Order(StringComparer.Ordinal));

    [Fact]
    public void Function_load_errors_as_redis() => diff.Run(
        Command("FUNCTION", "LOAD", "return 1"),
        Command("FUNCTION", "LOAD", "#!lua"),
        Command("FUNCTION", "LOAD", "#!lua name=x"),
        Command("FUNCTION", "LOAD", "#!lua name=x bogus=1\nreturn 1"),
        Command("FUNCTION", "LOAD", "#!lua name=x name=y\nreturn 1"),
        Command("FUNCTION", "LOAD", "#!lua name=bad-name\nreturn 1"),
        Command("FUNCTION", "LOAD", "#!js name=x\nreturn 1"),
        Command("FUNCTION", "LOAD", "#!LUA name=up\nredis.register_function('up', function() return 'up' end)"),
        Command("FCALL", "up", "0"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nlocal a = 1"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nreturn +"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nerror('boom')"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nlocal m = math.floor(1)"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')"),
        Command("FUNCTION", "LOAD", "#!lua name=x\ny = 1"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function()"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a')"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function(1, 2)"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', 'b')"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a-b', function() end)"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', function() end)\nredis.register_function('a', function() end)"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a'}"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{callback=function() end}"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={'bogus'}}"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, bogus=1}"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags='no-writes'}"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, description=1}"),
        Command("FUNCTION", "LOAD", "#!lua name=x\nredis.log(redis.LOG_NOTICE, 'loading')\nredis.register_function('a', function() return redis.REDIS_VERSION end)"),
        Command("FCALL", "a", "0"),
        Command("FUNCTION", "LOAD", "#!lua name=rt\nredis.register_function('kv', function(keys, args) return {keys, args, type(KEYS)} end)"),
        Command("FUNCTION", "LOAD", "#!lua name=rt2\nredis.register_function('g', function(keys, args) return x end)"),
        Command("FCALL", "g", "0"),
        Command("FUNCTION", "LOAD", "#!lua name=rt3\nredis.register_function{function_name='w', callback=function(keys) return redis.call('set', keys[1], 'v') end, flags={'no-writes'}}"),
        Command("FCALL", "w", "1", "k"),
        Command("FUNCTION", "LOAD", "#!lua name=rt4\nredis.register_function('e', function(keys) return redis.call('incr', keys[1]) end)"),
        Command("SET", "str", "x"),
        Command("FCALL", "e", "1", "str"),
        Command("FUNCTION", "LOAD", "#!lua name=rt5\nredis.register_function('bp', function() return redis.breakpoint end)"));

    [Fact]
    public void Function_dump_restores_on_the_other_side()
    {
        diff.Run(
            Command("FUNCTION", "LOAD", Lib),
            Command("FUNCTION", "LOAD", "#!lua name=second\nredis.register_function('two', function() return 2 end)"));
        var ours = diff.OnEngine(Oracle.Differential.Parse("FUNCTION DUMP"));
        var theirs = redis.Client.Call("FUNCTION", "DUMP");
        var ourPayload = Assert.IsType<BulkReply>(ours).Value!;
        var theirPayload = Assert.IsType<BulkReply>(theirs).Value!;

        // Ours into redis-server, theirs into ours: both sides then list the same libraries.
        Assert.Equal(Reply.Ok, redis.Client.Call("FUNCTION", "FLUSH"));
        Assert.Equal(Reply.Ok, redis.Client.Call([.. Split("FUNCTION", "RESTORE"), ourPayload]));
        Assert.Equal(Reply.Ok, diff.OnEngine(Oracle.Differential.Parse("FUNCTION FLUSH")));
        Assert.Equal(Reply.Ok, diff.OnEngine([.. Split("FUNCTION", "RESTORE"), theirPayload]));
        foreach (var library in new[] { "mylib", "second" })
        {
            var list = Oracle.Differential.Parse($"FUNCTION LIST LIBRARYNAME {library} WITHCODE");
            Assert.Equal(Sorted(redis.Client.Call(list)), Sorted(diff.OnEngine(list)));
        }
        diff.Continue(
            Command("FCALL", "two", "0"),
            Command("FUNCTION", "RESTORE", "garbage"),
            Command("FUNCTION", "RESTORE", "x", "BOGUS"),
            Command("FUNCTION", "RESTORE", "x", "FLUSH", "y"));
        // Both libraries collide; which one is named depends on hash order.
        foreach (var appended in new[] { redis.Client.Call([.. Split("FUNCTION", "RESTORE"), theirPayload]), diff.OnEngine([.. Split("FUNCTION", "RESTORE"), theirPayload]) })
            Assert.Matches("^ERR Library (mylib|second) already exists$", Assert.IsType<ErrorReply>(appended).Message);
        Assert.Equal(redis.Client.Call([.. Split("FUNCTION", "RESTORE"), theirPayload, "REPLACE"u8.ToArray()]),
            diff.OnEngine([.. Split("FUNCTION", "RESTORE"), theirPayload, "REPLACE"u8.ToArray()]));
        Assert.Equal(redis.Client.Call([.. Split("FUNCTION", "RESTORE"), theirPayload, "FLUSH"u8.ToArray()]),
            diff.OnEngine([.. Split("FUNCTION", "RESTORE"), theirPayload, "FLUSH"u8.ToArray()]));
        var corrupt = (byte[])theirPayload.Clone();
        corrupt[3] ^= 0x55;
        Assert.Equal(redis.Client.Call([.. Split("FUNCTION", "RESTORE"), corrupt]), diff.OnEngine([.. Split("FUNCTION", "RESTORE"), corrupt]));
    }

    static byte[][] Split(params string[] words) => words.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
}
