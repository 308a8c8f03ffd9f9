using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;

namespace Serverless.Store.Benchmarks;

/// <summary>
/// The engine in-process: one command per invocation, through Engine.Execute exactly as the
/// key entity and the read path call it (a CommandContext per command included).
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    const long Now = 1_700_000_000_000;
    readonly MemoryKeyspace keyspace = new();
    byte[][] get = null!, set = null!, incr = null!, hset = null!, lpush = null!, zadd = null!, zaddBig = null!;
    int counter;

    static byte[][] Args(params string[] a) => a.Select(Encoding.UTF8.GetBytes).ToArray();

    Protocol.Reply Run(byte[][] args) => Engine.Execute(new CommandContext(keyspace, Now), args);

    [GlobalSetup]
    public void Setup()
    {
        get = Args("GET", "str");
        set = Args("SET", "str", "hello world");
        incr = Args("INCR", "counter");
        hset = Args("HSET", "hash", "field", "value");
        lpush = Args("LPUSH", "list", "item");
        zadd = Args("ZADD", "zset", "1.5", "member");
        Run(set);
        for (var i = 0; i < 10_000; i++) Run(Args("ZADD", "big", i.ToString(), $"member:{i}"));
        zaddBig = Args("ZADD", "big", "0", "x");
    }

    [Benchmark] public Protocol.Reply Get() => Run(get);
    [Benchmark] public Protocol.Reply Set() => Run(set);
    [Benchmark] public Protocol.Reply Incr() => Run(incr);
    [Benchmark] public Protocol.Reply HSet() => Run(hset);
    [Benchmark] public Protocol.Reply LPush()
    {
        // Keep the list short so the benchmark measures a push, not a growing list.
        if ((++counter & 1023) == 0) keyspace.Remove(lpush[1]);
        return Run(lpush);
    }
    [Benchmark] public Protocol.Reply ZAdd() => Run(zadd);

    /// <summary>ZADD of a new score into a 10,000-member sorted set (score moves every call).</summary>
    [Benchmark]
    public Protocol.Reply ZAddInto10k()
    {
        zaddBig[2] = Encoding.ASCII.GetBytes((++counter % 20_000).ToString());
        return Run(zaddBig);
    }
}

/// <summary>The key entity's state round trip (System.Text.Json) for 10,000-element values.</summary>
[MemoryDiagnoser]
public class StateSerializationBenchmarks
{
    KeyState zset = null!, hash = null!;
    byte[] zsetJson = null!, hashJson = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ks = new MemoryKeyspace();
        for (var i = 0; i < 10_000; i++)
        {
            Engine.Execute(new CommandContext(ks, 0), Args("ZADD", "z", (i * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture), $"member:{i}"));
            Engine.Execute(new CommandContext(ks, 0), Args("HSET", "h", $"field:{i}", $"value:{i}"));
        }
        zset = ks.Get("z"u8.ToArray())!;
        hash = ks.Get("h"u8.ToArray())!;
        zsetJson = JsonSerializer.SerializeToUtf8Bytes(zset);
        hashJson = JsonSerializer.SerializeToUtf8Bytes(hash);
    }

    static byte[][] Args(params string[] a) => a.Select(Encoding.UTF8.GetBytes).ToArray();

    [Benchmark] public byte[] SerializeZSet10k() => JsonSerializer.SerializeToUtf8Bytes(zset);
    [Benchmark] public KeyState? DeserializeZSet10k() => JsonSerializer.Deserialize<KeyState>(zsetJson);
    [Benchmark] public byte[] SerializeHash10k() => JsonSerializer.SerializeToUtf8Bytes(hash);
    [Benchmark] public KeyState? DeserializeHash10k() => JsonSerializer.Deserialize<KeyState>(hashJson);
}
