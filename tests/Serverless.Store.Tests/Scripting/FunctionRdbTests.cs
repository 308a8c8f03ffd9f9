using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.RdbFiles;
using Serverless.Store.Scripting;
using Serverless.Store.Tests.Persistence;

namespace Serverless.Store.Tests.Scripting;

/// <summary>
/// Function libraries in RDB files as Redis 7.0 writes them (RDB_OPCODE_FUNCTION2 before the keys):
/// redis-server loads ours, we load redis-server's, and DUMP payloads decode the same way.
/// </summary>
[Trait("Needs", "redis-server")]
public sealed class FunctionRdbTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rdb-functions-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    const string Library = "#!lua name=rdblib\nredis.register_function{function_name='hello', callback=function(keys, args) return 'hi ' .. args[1] end, flags={'no-writes'}}\n" +
        "redis.register_function('count', function(keys) return redis.call('dbsize') end)";

    [Fact]
    public void Redis_server_loads_our_libraries()
    {
        var catalog = new ScriptCatalog();
        var ctx = new CommandContext(new MemoryKeyspace(), 0) { Scripts = catalog };
        Assert.Equal(Reply.Bulk("rdblib"), Engine.Execute(ctx, Args("FUNCTION", "LOAD", Library)));
        using (var file = File.Create(Path.Combine(dir, "ours.rdb")))
            RdbWriter.WriteFile(file, [new(Encoding.UTF8.GetBytes("k"), KeyState.OfString("v"u8.ToArray()))], 0, catalog.AllLibraries().Select(l => l.Code));

        using var redis = new RedisWithFile(dir, "ours.rdb");
        Assert.Equal(Reply.Bulk("hi you"), redis.Client.Call("FCALL_RO", "hello", "0", "you"));
        Assert.Equal(Reply.Integer(1), redis.Client.Call("FCALL", "count", "0"));
    }

    [Fact]
    public void We_load_redis_servers_libraries()
    {
        using (var redis = new RedisWithFile(dir, "theirs.rdb"))
        {
            Assert.Equal(Reply.Bulk("rdblib"), redis.Client.Call("FUNCTION", "LOAD", Library));
            Assert.Equal(Reply.Bulk("two"), redis.Client.Call("FUNCTION", "LOAD", "#!lua name=two\nredis.register_function('two', function() return 2 end)"));
            redis.Client.Call("SET", "k", "v");
            Assert.Equal(Reply.Ok, redis.Client.Call("SAVE"));
        }
        using var stream = File.OpenRead(Path.Combine(dir, "theirs.rdb"));
        var reader = new RdbReader(stream);
        Assert.Equal(1, reader.Validate());
        Assert.Equal(["rdblib", "two"], reader.FunctionLibraries.Select(code => Shebang.LibraryOf(code).Name).Order());

        var catalog = new ScriptCatalog();
        ScriptCommands.LoadLibraries(catalog, reader.FunctionLibraries, ScriptLimits.Default);
        var ctx = new CommandContext(new MemoryKeyspace(), 0) { Scripts = catalog };
        Assert.Equal(Reply.Bulk("hi me"), Engine.Execute(ctx, Args("FCALL_RO", "hello", "0", "me")));
        Assert.Equal(Reply.Integer(2), Engine.Execute(ctx, Args("FCALL", "two", "0")));
    }

    [Fact]
    public void A_corrupt_payload_is_refused_as_redis_refuses_it()
    {
        var payload = FunctionPayload.Dump([new FunctionLibrary("x", Encoding.UTF8.GetBytes(Library), [])]);
        Assert.Equal(Library, Encoding.UTF8.GetString(Assert.Single(FunctionPayload.Read(payload))));
        payload[^1] ^= 1;
        Assert.Equal("ERR DUMP payload version or checksum are wrong", Assert.Throws<RedisException>(() => FunctionPayload.Read(payload)).Message);
        Assert.Equal("ERR DUMP payload version or checksum are wrong", Assert.Throws<RedisException>(() => FunctionPayload.Read([1, 2, 3])).Message);
    }

    static byte[][] Args(params string[] args) => args.Select(Encoding.UTF8.GetBytes).ToArray();
}
