using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;

namespace Serverless.Store.Benchmarks;

/// <summary>
/// XADD into a stream of 1k / 10k / 100k entries (MAXLEN ~ keeps the length there, as a trimmed
/// stream in production), XRANGE of the newest 10, and the key entity's cost per write at that
/// length: its state serialized (System.Text.Json, the stream's compact converter) and read back.
/// </summary>
[MemoryDiagnoser]
public class StreamBenchmarks
{
    const long Now = 1_700_000_000_000;
    readonly MemoryKeyspace keyspace = new();
    byte[][] xadd = null!, xrange = null!;
    ulong next;
    byte[] json = null!;

    [Params(1_000, 10_000, 100_000)]
    public int Length;

    static byte[][] Args(params string[] a) => a.Select(Encoding.UTF8.GetBytes).ToArray();

    Protocol.Reply Run(byte[][] args) => Engine.Execute(new CommandContext(keyspace, Now), args);

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Length; i++) Run(Args("XADD", "s", $"{++next}-0", "sensor", "t1", "value", "21.5"));
        xadd = Args("XADD", "s", "MAXLEN", "~", Length.ToString(), "0-0", "sensor", "t1", "value", "21.5");
        xrange = Args("XREVRANGE", "s", "+", "-", "COUNT", "10");
        json = JsonSerializer.SerializeToUtf8Bytes(keyspace.Get(Encoding.UTF8.GetBytes("s")));
    }

    [Benchmark]
    public Protocol.Reply XAdd()
    {
        xadd[5] = Encoding.ASCII.GetBytes($"{++next}-0");
        return Run(xadd);
    }

    [Benchmark] public Protocol.Reply XRevRangeNewest10() => Run(xrange);

    [Benchmark] public byte[] SerializeState() => JsonSerializer.SerializeToUtf8Bytes(keyspace.Get("s"u8.ToArray()));

    [Benchmark] public KeyState? DeserializeState() => JsonSerializer.Deserialize<KeyState>(json);
}
