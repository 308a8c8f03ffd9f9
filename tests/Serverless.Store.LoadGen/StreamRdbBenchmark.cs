using System.Diagnostics;
using System.Text;
using Serverless.Store.RdbFiles;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;
using Serverless.Store.Protocol;

namespace Serverless.Store.LoadGen;

/// <summary>
/// Streams in RDB files (issue 9), in memory: one stream of N entries (two fields each, every
/// tenth entry deleted) with a group whose consumer holds N/10 pending entries, written by
/// RdbWriter and read back by RdbReader; the file is left for redis-check-rdb and redis-server
/// (tests/benchmarks/stream-rdb.sh). Prints a CSV row: entries, bytes, write ms, read ms.
/// </summary>
static class StreamRdbBenchmark
{
    public static void Run(int entries, string path)
    {
        var keyspace = new MemoryKeyspace();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Reply Exec(params string[] args) => Engine.Execute(new CommandContext(keyspace, now), args.Select(Encoding.UTF8.GetBytes).ToArray());
        for (var i = 1; i <= entries; i++) Exec("XADD", "s", $"{i}-0", "sensor", (i % 50).ToString(), "reading", "value-" + i);
        for (var i = 10; i <= entries; i += 10) Exec("XDEL", "s", $"{i}-0");
        Exec("XGROUP", "CREATE", "s", "g", "0");
        Exec("XREADGROUP", "GROUP", "g", "c", "COUNT", (entries / 10).ToString(), "STREAMS", "s", ">");

        var started = Stopwatch.GetTimestamp();
        using (var output = new BufferedStream(File.Create(path), 1 << 16))
            RdbWriter.WriteFile(output, keyspace.Entries.ToList(), now);
        var writeMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var bytes = new FileInfo(path).Length;

        started = Stopwatch.GetTimestamp();
        using (var input = new BufferedStream(File.OpenRead(path), 1 << 16))
        {
            var reader = new RdbReader(input);
            if (!reader.TryRead(out var entry) || entry.State.Stream!.Length != entries - entries / 10)
                throw new InvalidOperationException("the stream did not read back whole");
        }
        var readMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Console.WriteLine("entries,bytes,write_ms,read_ms");
        Console.WriteLine(FormattableString.Invariant($"{entries},{bytes},{writeMs:F0},{readMs:F0}"));
    }
}
