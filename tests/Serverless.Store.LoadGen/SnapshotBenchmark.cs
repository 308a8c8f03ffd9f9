using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Serverless.Store.RdbFiles;
using Serverless.Store.Keyspace;
using Serverless.Store.Persistence;
using Serverless.Store.Standalone;
using Serverless.Store.Types;

namespace Serverless.Store.LoadGen;

/// <summary>
/// The snapshot benchmark (issue 7), in this process on the standalone engine: makes an RDB file
/// of N mixed keys (written key by key), restores it into an empty store (which also seeds it:
/// the honest way to put N keys into key entities fast), snapshots the store to Blob Storage, and
/// downloads the snapshot for redis-check-rdb and redis-server (tests/benchmarks/snapshot.sh).
/// Reports keys/s and memory (peak managed heap and working set above the idle baseline) for both.
/// </summary>
static class SnapshotBenchmark
{
    public static async Task RunAsync(string storage, int keys, int restoreKeys, int fileKeys, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter("DurableTask", LogLevel.Warning).AddFilter("Azure", LogLevel.Warning).AddFilter("Serverless.Store.Standalone", LogLevel.Warning));
        await using var engine = new DurableEngine(new DurableEngineOptions { StorageConnection = storage, TaskHub = "benchsnap" }, loggers);
        await engine.StartAsync();
        var lines = new StringBuilder();
        lines.AppendLine("step,keys,bytes,ms,keys_per_s,peak_heap_mb,peak_working_set_growth_mb,baseline_working_set_mb");

        if (fileKeys > 0)
        {
            // The writing half of a snapshot at full size: keys read from a file instead of the entity
            // query (seeding this many entities here takes hours, see docs/benchmarks.md), encoded,
            // checksummed and staged into a block blob on Azurite by the service's own WriteAsync.
            var source = Path.Combine(outDir, "file-keys.rdb");
            var (sourceBytes, _) = WriteSeed(source, fileKeys, now);
            var (written, writeMemory) = await Measure(() => engine.Snapshots.WriteAsync(FileKeysAsync(source), "benchmark: keys from a file", CancellationToken.None));
            Console.Error.WriteLine($"[snapshot] from a file: {written.Keys} keys, {written.Bytes} bytes in {written.DurationMs} ms");
            lines.AppendLine(Row("snapshot writing (keys from a file)", written.Keys, written.Bytes, written.DurationMs, writeMemory));
            await engine.Snapshots.Container.GetBlobClient(written.Name).DownloadToAsync(Path.Combine(outDir, "snapshot.rdb"));
            if (sourceBytes <= 0) throw new InvalidOperationException("empty source");
        }
        if (keys <= 0)
        {
            await File.WriteAllTextAsync(Path.Combine(outDir, "snapshot.csv"), lines.ToString());
            Console.Write(lines);
            return;
        }

        var seed = Path.Combine(outDir, "seed.rdb");
        var (seedBytes, expires) = WriteSeed(seed, keys, now);
        Console.Error.WriteLine($"[snapshot] seed file: {keys} keys ({expires} with TTL), {seedBytes} bytes");

        // Seeding: every key of the file signalled to its entity's put (64 in flight), then an entity
        // query counts until all are stored. The same operation a restore uses, without its
        // per-batch acknowledgement, so as fast as the engine applies entity operations here.
        var (seeded, seedMemory) = await Measure(() => SeedAsync(engine, seed, keys));
        Console.Error.WriteLine($"[snapshot] seeded {keys} keys with put signals in {seeded} ms");

        var (save, saveMemory) = await Measure(() => engine.Snapshots.RunScheduledAsync(CancellationToken.None));
        Console.Error.WriteLine($"[snapshot] save: {save.Keys} keys, {save.Bytes} bytes in {save.DurationMs} ms");

        // Restore (merge) of the first restoreKeys keys of the seed file, through the restore path itself.
        var part = Path.Combine(outDir, "restore-part.rdb");
        var partBytes = CopyPrefix(seed, part, restoreKeys, now);
        var (restore, restoreMemory) = await Measure(() => engine.Snapshots.RestoreAsync(
            _ => Task.FromResult<Stream>(File.OpenRead(part)), "restore-part.rdb", RestoreMode.Merge, CancellationToken.None));
        Console.Error.WriteLine($"[snapshot] restore: {restore.Keys} keys in {restore.DurationMs} ms");

        if (fileKeys <= 0) await engine.Snapshots.Container.GetBlobClient(save.Name).DownloadToAsync(Path.Combine(outDir, "snapshot.rdb"));
        lines.AppendLine(Row("seed (put signals)", keys, seedBytes, seeded, seedMemory));
        lines.AppendLine(Row("snapshot", save.Keys, save.Bytes, save.DurationMs, saveMemory));
        lines.AppendLine(Row("restore (merge)", restore.Keys, partBytes, restore.DurationMs, restoreMemory));
        await File.WriteAllTextAsync(Path.Combine(outDir, "snapshot.csv"), lines.ToString());
        Console.Write(lines);
    }

    static async IAsyncEnumerable<(byte[] Key, KeyState State)> FileKeysAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        var reader = new RdbReader(new BufferedStream(stream, 1 << 16));
        while (reader.TryRead(out var entry)) yield return (entry.Key, entry.State);
    }

    /// <summary>Seeds key entities with the file's keys through the store's load path (what restore uses), 64 in flight, each acknowledged.</summary>
    static async Task<long> SeedAsync(DurableEngine engine, string seed, int keys)
    {
        var started = Stopwatch.GetTimestamp();
        using var gate = new SemaphoreSlim(64);
        var loads = new List<Task>();
        await using (var stream = File.OpenRead(seed))
        {
            var reader = new RdbReader(new BufferedStream(stream, 1 << 16));
            while (reader.TryRead(out var entry))
            {
                await gate.WaitAsync();
                loads.Add(Load(entry));
                if (loads.Count > 10_000) { await Task.WhenAll(loads); loads.Clear(); }
            }
        }
        await Task.WhenAll(loads);
        Console.Error.WriteLine($"[snapshot] {keys} keys stored in {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s");
        return (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        async Task Load(RdbEntry entry)
        {
            try { await engine.Store.Writes.LoadAsync(entry.Key, entry.State, CancellationToken.None); }
            finally { gate.Release(); }
        }
    }

    /// <summary>The first <paramref name="count"/> keys of an RDB file as a file of their own.</summary>
    static long CopyPrefix(string from, string to, int count, long now)
    {
        using var input = File.OpenRead(from);
        var reader = new RdbReader(new BufferedStream(input, 1 << 16));
        using var output = new BufferedStream(File.Create(to), 1 << 16);
        var entries = new List<RdbEntry>();
        while (entries.Count < count && reader.TryRead(out var e)) entries.Add(e);
        var writer = new RdbWriter(output);
        writer.WriteHeader(Rdb.WriteVersion, RdbWriter.DefaultAux(now));
        writer.WriteDbStart(0, entries.Count, entries.Count(e => e.State.ExpiresAt is not null));
        foreach (var e in entries) writer.WriteKey(e.Key, e.State);
        writer.WriteEnd();
        return writer.Length;
    }

    static string Row(string step, long keys, long bytes, long ms, Memory m) =>
        FormattableString.Invariant($"{step},{keys},{bytes},{ms},{keys * 1000.0 / Math.Max(1, ms):F0},{m.PeakHeap / 1048576.0:F1},{(m.PeakWorkingSet - m.BaselineWorkingSet) / 1048576.0:F1},{m.BaselineWorkingSet / 1048576.0:F1}");

    readonly record struct Memory(long PeakHeap, long PeakWorkingSet, long BaselineWorkingSet);

    /// <summary>Runs the step while sampling the managed heap and the working set every 20 ms.</summary>
    static async Task<(T, Memory)> Measure<T>(Func<Task<T>> step)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = Environment.WorkingSet;
        long peakHeap = GC.GetTotalMemory(false), peakSet = baseline;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                peakSet = Math.Max(peakSet, Environment.WorkingSet);
                try { await Task.Delay(20, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        var result = await step();
        stop.Cancel();
        await sampler;
        return (result, new Memory(peakHeap, peakSet, baseline));
    }

    /// <summary>
    /// N keys, written one at a time: 60% strings (a third of them integers), 10% each lists,
    /// sets, hashes and sorted sets of 5 to 20 elements; one key in three with a TTL of a day.
    /// </summary>
    static (long Bytes, long Expires) WriteSeed(string path, int count, long now)
    {
        var random = new Random(7);
        long expires = 0;
        for (var i = 0; i < count; i++) if (i % 3 == 0) expires++;
        using var output = new BufferedStream(File.Create(path), 1 << 16);
        var writer = new RdbWriter(output);
        writer.WriteHeader(Rdb.WriteVersion, RdbWriter.DefaultAux(now));
        writer.WriteDbStart(0, count, expires);
        byte[] U(string s) => Encoding.UTF8.GetBytes(s);
        for (var i = 0; i < count; i++)
        {
            var n = random.Next(5, 21);
            var kind = i % 10;
            KeyState state = kind switch
            {
                < 6 => KeyState.OfString(kind < 2 ? U(random.Next().ToString()) : U(new string((char)('a' + i % 26), random.Next(10, 100)))),
                6 => new KeyState { List = new ListValue(Enumerable.Range(0, n).Select(j => U("item" + j))) },
                7 => Set(Enumerable.Range(0, n).Select(j => U("m" + j))),
                8 => Hash(Enumerable.Range(0, n).Select(j => (U("f" + j), U("value" + j * i)))),
                _ => ZSet(Enumerable.Range(0, n).Select(j => (U("p" + j), (double)random.Next(1000)))),
            };
            if (i % 3 == 0) state.ExpiresAt = now + 86_400_000;
            writer.WriteKey(U($"bench:{kind}:{i:D7}"), state);
        }
        writer.WriteEnd();
        output.Flush();
        return (writer.Length, expires);
    }

    static KeyState Set(IEnumerable<byte[]> members)
    {
        var set = new SetValue();
        foreach (var m in members) set.Add(m);
        return new KeyState { Set = set };
    }

    static KeyState Hash(IEnumerable<(byte[], byte[])> pairs)
    {
        var hash = new HashValue();
        foreach (var (f, v) in pairs) hash.Set(f, v);
        return new KeyState { Hash = hash };
    }

    static KeyState ZSet(IEnumerable<(byte[], double)> pairs)
    {
        var zset = new SortedSetValue();
        foreach (var (m, s) in pairs) zset.Set(m, s);
        return new KeyState { SortedSet = zset };
    }
}
