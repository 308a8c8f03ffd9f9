using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Serverless.Store.Cli;

/// <summary>What store-cli does, mode by mode, each as redis-cli 7.0 does it (src/redis-cli.c) over the REST API.</summary>
internal sealed class Cli(StoreClient store, OutputMode mode, TimeSpan interval)
{
    public StoreClient Store { get; } = store;
    public OutputMode Mode { get; set; } = mode;
    public TimeSpan Interval { get; } = interval;
    public bool ExitOnError { get; init; }

    static readonly Stream Stdout = Console.OpenStandardOutput();

    static void Out(byte[] bytes)
    {
        Stdout.Write(bytes);
        Stdout.Flush();
    }

    static void Out(string text) => Out(Encoding.UTF8.GetBytes(text));

    static string Upper(byte[] arg) => Encoding.UTF8.GetString(arg).ToUpperInvariant();

    /// <summary>
    /// One command, <paramref name="repeat"/> times (negative: forever) with the -i pause after each,
    /// as cliSendCommand. INFO prints as it is (redis-cli's verbatim commands); SUBSCRIBE and
    /// PSUBSCRIBE stream. Answers the exit code: 0, or 1 for an error with -e.
    /// </summary>
    public async Task<int> RunCommandAsync(List<byte[]> command, long repeat)
    {
        var name = Upper(command[0]);
        if (name is "SUBSCRIBE" or "PSUBSCRIBE") return await SubscribeAsync(name == "PSUBSCRIBE", command.Skip(1).ToList());
        while (repeat < 0 || repeat-- > 0)
        {
            var reply = await Store.ExecuteAsync(command);
            if (ExitOnError && reply is ErrorReply e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
            Out(Formatter.Format(reply, Mode, verbatim: name == "INFO" && reply is not ErrorReply));
            if (Interval > TimeSpan.Zero) await Task.Delay(Interval);
        }
        return 0;
    }

    /// <summary>
    /// SUBSCRIBE / PSUBSCRIBE over the store's server-sent-event route: each event printed as the
    /// array redis-cli would print, after "Reading messages..." (not in raw mode), until Ctrl-C.
    /// </summary>
    public async Task<int> SubscribeAsync(bool patterns, List<byte[]> names, CancellationToken ct = default)
    {
        var kind = patterns ? "psubscribe" : "subscribe";
        if (names.Count == 0)
        {
            Out(Formatter.Format(new ErrorReply($"ERR wrong number of arguments for '{kind}' command"), Mode));
            return ExitOnError ? 1 : 0;
        }
        var path = "/" + kind + string.Concat(names.Select(n => "/" + StoreClient.PercentEncode(n)));
        using var response = await Store.OpenAsync(HttpMethod.Post, path, ct);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            var message = System.Text.Json.JsonDocument.Parse(body).RootElement.TryGetProperty("error", out var e) ? e.GetString() : body;
            Out(Formatter.Format(new ErrorReply(message ?? $"ERR {(int)response.StatusCode}"), Mode));
            return 1;
        }
        if (Mode != OutputMode.Raw) Out("Reading messages... (press Ctrl-C to quit)\n");
        var known = names.Select(n => Encoding.UTF8.GetString(n)).OrderByDescending(n => n.Length).ToList();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
        var data = new List<string>();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal)) data.Add(line[5..].TrimStart(' '));
            else if (line.Length == 0 && data.Count > 0)
            {
                if (Event(string.Join('\n', data), known) is { } reply) Out(Formatter.Format(reply, Mode));
                data.Clear();
            }
        }
        await Console.Error.WriteLineAsync("Error: Server closed the connection");
        return 1;
    }

    /// <summary>
    /// One event as the RESP array Redis pushes. Fields are comma-separated but names and payloads may
    /// hold commas: a count is after the last comma, a channel or pattern is the longest one subscribed
    /// to that the text starts with (a pmessage's channel then runs to the next comma).
    /// </summary>
    internal static Reply? Event(string data, IReadOnlyList<string> known)
    {
        static BulkReply B(string s) => new(Encoding.UTF8.GetBytes(s));
        var comma = data.IndexOf(',');
        if (comma < 0) return null;
        var type = data[..comma];
        var rest = data[(comma + 1)..];
        string Name(ref string text)
        {
            var t = text;
            var name = known.FirstOrDefault(k => t.StartsWith(k + ",", StringComparison.Ordinal))
                ?? t[..Math.Max(0, t.IndexOf(','))];
            text = text[Math.Min(text.Length, name.Length + 1)..];
            return name;
        }
        switch (type)
        {
            case "subscribe" or "psubscribe" or "unsubscribe" or "punsubscribe":
                var last = rest.LastIndexOf(',');
                if (last < 0 || !long.TryParse(rest[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return null;
                return new ArrayReply([B(type), B(rest[..last]), new IntegerReply(count)]);
            case "message":
                var channel = Name(ref rest);
                return new ArrayReply([B("message"), B(channel), B(rest)]);
            case "pmessage":
                var pattern = Name(ref rest);
                var next = rest.IndexOf(',');
                if (next < 0) return null;
                return new ArrayReply([B("pmessage"), B(pattern), B(rest[..next]), B(rest[(next + 1)..])]);
            default:
                return null;
        }
    }

    /// <summary>
    /// --pipe: commands from <paramref name="input"/> sent in pipelines of <paramref name="batch"/>,
    /// in order; each error reply goes to stderr; redis-cli's summary lines at the end; exit 1 if any
    /// command failed. The REST API answers each pipeline whole, so the last reply is known without
    /// redis-cli's closing ECHO.
    /// </summary>
    public async Task<int> PipeAsync(Stream input, int batch)
    {
        var reader = new ProtocolReader(input);
        long errors = 0, replies = 0;
        var pending = new List<IReadOnlyList<byte[]>>(batch);
        long bytes = 0;
        async Task FlushAsync()
        {
            if (pending.Count == 0) return;
            foreach (var reply in await Store.PipelineAsync(pending))
            {
                replies++;
                if (reply is ErrorReply e)
                {
                    errors++;
                    await Console.Error.WriteLineAsync(e.Message);
                }
            }
            pending.Clear();
            bytes = 0;
        }
        while (true)
        {
            byte[][]? command;
            try
            {
                command = reader.Next();
            }
            catch (FormatException e)
            {
                await FlushAsync();
                await Console.Error.WriteLineAsync(e.Message);
                errors++;
                break;
            }
            if (command is null) break;
            pending.Add(command);
            bytes += command.Sum(a => a.Length + 8);
            // Past 8 MiB a request is sent early: the store's body limit is 100 MiB by default.
            if (pending.Count == batch || bytes > 8 << 20) await FlushAsync();
        }
        Out("All data transferred. Waiting for the last reply...\n");
        await FlushAsync();
        Out("Last reply received from server.\n");
        Out($"errors: {errors}, replies: {replies}\n");
        return errors > 0 ? 1 : 0;
    }

    /// <summary>--scan: every key SCAN finds (MATCH, TYPE when given), quoted on a terminal, as they are otherwise.</summary>
    public async Task<int> ScanAsync(string? pattern, string? type)
    {
        var cursor = "0";
        do
        {
            var (next, keys) = await ScanOnceAsync(cursor, pattern, type);
            foreach (var key in keys)
            {
                if (Mode == OutputMode.Standard) Out(Formatter.Repr(key) + "\n");
                else Out([.. key, (byte)'\n']);
            }
            cursor = next;
            if (Interval > TimeSpan.Zero) await Task.Delay(Interval);
        } while (cursor != "0");
        return 0;
    }

    async Task<(string Cursor, List<byte[]> Keys)> ScanOnceAsync(string cursor, string? pattern, string? type)
    {
        var command = new List<string> { "SCAN", cursor };
        if (pattern is not null) command.AddRange(["MATCH", pattern]);
        if (type is not null) command.AddRange(["TYPE", type]);
        var reply = await Store.ExecuteAsync(command.Select(Encoding.UTF8.GetBytes).ToList());
        if (reply is ErrorReply e) throw new CliException("SCAN error: " + e.Message);
        if (reply is not ArrayReply { Items: [BulkReply c, ArrayReply keys] }) throw new CliException("Non ARRAY response from SCAN!");
        return (Encoding.UTF8.GetString(c.Bytes), keys.Items.OfType<BulkReply>().Select(k => k.Bytes).ToList());
    }

    sealed class TypeInfo(string name, string? sizeCommand, string unit)
    {
        public string Name = name; public string? SizeCommand = sizeCommand; public string Unit = unit;
        public ulong Biggest, Count, TotalSize; public string? BiggestKey;
    }

    /// <summary>
    /// --bigkeys as findBigKeys: DBSIZE, then SCAN, and per batch TYPE and the type's size command
    /// (STRLEN, LLEN, SCARD, HLEN, ZCARD, XLEN) in one pipeline each; progress lines and the summary
    /// in redis-cli's words. The summary lists the types in redis-server 7.0.15's order.
    /// </summary>
    public async Task<int> BigKeysAsync(string? pattern)
    {
        var types = new List<TypeInfo>
        {
            new("list", "LLEN", "items"), new("hash", "HLEN", "fields"), new("string", "STRLEN", "bytes"),
            new("stream", "XLEN", "entries"), new("set", "SCARD", "members"), new("zset", "ZCARD", "members"),
        };
        var total = await Store.ExecuteAsync([Encoding.UTF8.GetBytes("DBSIZE")]) switch
        {
            IntegerReply n => n.Value,
            ErrorReply e => throw new CliException("Couldn't determine DBSIZE: " + e.Message),
            _ => throw new CliException("Non INTEGER response from DBSIZE!"),
        };
        Out("\n# Scanning the entire keyspace to find biggest keys as well as\n" +
            "# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec\n" +
            "# per 100 SCAN commands (not usually needed).\n\n");
        ulong sampled = 0, totalLength = 0, loops = 0;
        var cursor = "0";
        do
        {
            var pct = 100 * (double)sampled / total;
            var (next, keys) = await ScanOnceAsync(cursor, pattern, null);
            cursor = next;
            loops++;
            var typeReplies = keys.Count == 0 ? [] : await Store.PipelineAsync(keys.Select(k => (IReadOnlyList<byte[]>)[Encoding.UTF8.GetBytes("TYPE"), k]).ToList());
            var found = new TypeInfo?[keys.Count];
            for (var i = 0; i < keys.Count; i++)
            {
                var name = typeReplies[i] switch
                {
                    StatusReply s => s.Text,
                    ErrorReply e => throw new CliException("TYPE returned an error: " + e.Message),
                    _ => throw new CliException($"Invalid reply type for TYPE on key '{Encoding.UTF8.GetString(keys[i])}'!"),
                };
                found[i] = types.FirstOrDefault(t => t.Name == name);
                if (found[i] is null && name != "none") types.Add(found[i] = new TypeInfo(name, null, "?"));
            }
            var sized = Enumerable.Range(0, keys.Count).Where(i => found[i]?.SizeCommand is not null).ToList();
            var sizeReplies = sized.Count == 0 ? [] : await Store.PipelineAsync(sized.Select(i => (IReadOnlyList<byte[]>)[Encoding.UTF8.GetBytes(found[i]!.SizeCommand!), keys[i]]).ToList());
            var sizes = new ulong[keys.Count];
            for (var j = 0; j < sized.Count; j++)
            {
                if (sizeReplies[j] is IntegerReply n) sizes[sized[j]] = (ulong)n.Value;
                else await Console.Error.WriteLineAsync($"Warning:  {found[sized[j]]!.SizeCommand} on '{Encoding.UTF8.GetString(keys[sized[j]])}' failed (may have changed type)");
            }
            for (var i = 0; i < keys.Count; i++)
            {
                if (found[i] is not { } type) continue;
                type.TotalSize += sizes[i];
                type.Count++;
                totalLength += (ulong)keys[i].Length;
                sampled++;
                if (type.Biggest < sizes[i])
                {
                    type.BiggestKey = Formatter.Repr(keys[i]);
                    Out($"[{Pct(pct)}%] Biggest {type.Name,-6} found so far '{type.BiggestKey}' with {sizes[i]} {type.Unit}\n");
                    type.Biggest = sizes[i];
                }
                if (sampled % 1000000 == 0) Out($"[{Pct(pct)}%] Sampled {sampled} keys so far\n");
            }
            if (Interval > TimeSpan.Zero && loops % 100 == 0) await Task.Delay(Interval);
        } while (cursor != "0");

        var summary = new StringBuilder("\n-------- summary -------\n\n");
        summary.Append(CultureInfo.InvariantCulture, $"Sampled {sampled} keys in the keyspace!\n");
        summary.Append(CultureInfo.InvariantCulture, $"Total key length in bytes is {totalLength} (avg len {F2(totalLength == 0 ? 0 : (double)totalLength / sampled)})\n\n");
        foreach (var t in types.Where(t => t.BiggestKey is not null))
            summary.Append(CultureInfo.InvariantCulture, $"Biggest {t.Name,6} found '{t.BiggestKey}' has {t.Biggest} {t.Unit}\n");
        summary.Append('\n');
        foreach (var t in types)
            summary.Append(CultureInfo.InvariantCulture,
                $"{t.Count} {t.Name}s with {t.TotalSize} {t.Unit} ({Pct(sampled == 0 ? 0 : 100 * (double)t.Count / sampled)}% of keys, avg size {F2(t.Count == 0 ? 0 : (double)t.TotalSize / t.Count)})\n");
        Out(summary.ToString());
        return 0;
    }

    /// <summary>printf's %05.2f.</summary>
    static string Pct(double v) => double.IsNaN(v) ? "  nan" : double.IsInfinity(v) ? "  inf" : v.ToString("00.00", CultureInfo.InvariantCulture);

    static string F2(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>
    /// --latency as latencyMode: PING every 10 ms, milliseconds per round trip. On a terminal one line
    /// rewritten in place until Ctrl-C; otherwise one line after the interval (-i, default 1 s), then exit.
    /// </summary>
    public async Task<int> LatencyAsync(bool intervalGiven)
    {
        long min = 0, max = 0, total = 0, count = 0;
        var window = intervalGiven ? Interval : TimeSpan.FromSeconds(1);
        var started = Stopwatch.StartNew();
        var ping = new List<byte[]> { "PING"u8.ToArray() };
        while (true)
        {
            var clock = Stopwatch.StartNew();
            await Store.ExecuteAsync(ping);
            var latency = clock.ElapsedMilliseconds;
            count++;
            if (count == 1) min = max = total = latency;
            else
            {
                min = Math.Min(min, latency);
                max = Math.Max(max, latency);
                total += latency;
            }
            var avg = F2((double)total / count);
            if (Mode == OutputMode.Standard) Out($"\x1b[0G\x1b[2Kmin: {min}, max: {max}, avg: {avg} ({count} samples)");
            else if (started.Elapsed > window)
            {
                Out(Mode == OutputMode.Csv ? $"{min},{max},{avg},{count}\n" : $"{min} {max} {avg} {count}\n");
                return 0;
            }
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// --stat as statMode: a row from INFO every interval, the header every 20 rows. Fields the store's
    /// INFO does not have (blocked clients, connections received, children) show 0.
    /// </summary>
    public async Task<int> StatAsync(TimeSpan every)
    {
        long requests = 0;
        for (var row = 0; ; row++)
        {
            var reply = await Store.ExecuteAsync([Encoding.UTF8.GetBytes("INFO")]);
            if (reply is ErrorReply e) throw new CliException("ERROR: " + e.Message);
            var info = reply is BulkReply b ? Encoding.UTF8.GetString(b.Bytes) : "";
            if (row % 20 == 0)
                Out("------- data ------ --------------------- load -------------------- - child -\n" +
                    "keys       mem      clients blocked requests            connections          \n");
            long keys = 0;
            for (var db = 0; db < 20; db++) keys += Field(info, $"db{db}:keys") ?? 0;
            var commands = Field(info, "total_commands_processed") ?? 0;
            var line = new StringBuilder();
            line.Append(keys.ToString(CultureInfo.InvariantCulture).PadRight(11));
            line.Append(Human(Field(info, "used_memory") ?? 0).PadRight(8));
            line.Append(' ').Append((Field(info, "connected_clients") ?? 0).ToString(CultureInfo.InvariantCulture).PadRight(8));
            line.Append((Field(info, "blocked_clients") ?? 0).ToString(CultureInfo.InvariantCulture).PadRight(8));
            line.Append($"{commands} (+{(requests == 0 ? 0 : commands - requests)})".PadRight(19));
            requests = commands;
            line.Append(' ').Append((Field(info, "total_connections_received") ?? 0).ToString(CultureInfo.InvariantCulture).PadRight(12));
            var children = (Field(info, "bgsave_in_progress") ?? 0) | (Field(info, "aof_rewrite_in_progress") ?? 0) << 1 | (Field(info, "loading") ?? 0) << 2;
            line.Append(children switch { 1 => "SAVE", 2 => "AOF", 3 => "SAVE+AOF", 4 => "LOAD", _ => "" });
            Out(line.Append('\n').ToString());
            await Task.Delay(every);
        }
    }

    /// <summary>getLongInfoField: the number after "field:" up to '\r' or ','.</summary>
    static long? Field(string info, string field)
    {
        var at = info.IndexOf(field + ":", StringComparison.Ordinal);
        if (at < 0) return null;
        var start = at + field.Length + 1;
        var end = start;
        while (end < info.Length && info[end] is not ('\r' or ',' or '\n')) end++;
        return long.TryParse(info.AsSpan(start, end - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    /// <summary>bytesToHuman.</summary>
    internal static string Human(long n)
    {
        var sign = n < 0 ? "-" : "";
        n = Math.Abs(n);
        var s = n switch
        {
            < 1024 => $"{n}B",
            < 1024 * 1024 => F2(n / 1024.0) + "K",
            < 1024L * 1024 * 1024 => F2(n / (1024.0 * 1024)) + "M",
            _ => F2(n / (1024.0 * 1024 * 1024)) + "G",
        };
        return sign + s;
    }

    /// <summary>
    /// --rdb: the latest snapshot's RDB bytes (`GET base/snapshots/latest`, full-access token) into
    /// <paramref name="file"/> ('-' = stdout), with redis-cli's progress lines on stderr.
    /// </summary>
    public async Task<int> RdbAsync(string file)
    {
        using var response = await Store.OpenAsync(HttpMethod.Get, "/snapshots/latest", default);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            string? message = null;
            try { message = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(); }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException) { }
            throw new CliException($"Could not download the latest snapshot ({(int)response.StatusCode} {response.StatusCode}): " +
                (message ?? (response.StatusCode == System.Net.HttpStatusCode.NotFound
                    ? "the store has no snapshot yet (run SAVE first), or it does not serve GET <base>/snapshots/latest"
                    : body.Length > 200 ? body[..200] : body)));
        }
        var length = response.Content.Headers.ContentLength;
        await Console.Error.WriteLineAsync(length is { } n
            ? $"Downloading the latest snapshot, writing {n} bytes to '{file}'"
            : $"Downloading the latest snapshot, writing bytes to '{file}'");
        long written;
        await using (var source = await response.Content.ReadAsStreamAsync())
        {
            if (file == "-")
            {
                var stdout = Console.OpenStandardOutput();
                written = await CopyAsync(source, stdout);
            }
            else
            {
                var partial = file + ".part";
                await using (var target = File.Create(partial)) written = await CopyAsync(source, target);
                File.Move(partial, file, overwrite: true); // never leave a half file under the asked name
            }
        }
        if (length is { } expected && expected != written) throw new CliException($"I/O Error reading RDB payload: got {written} of {expected} bytes");
        await Console.Error.WriteLineAsync($"Transfer finished with success after {written} bytes");
        return 0;
    }

    static async Task<long> CopyAsync(Stream source, Stream target)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read));
            total += read;
        }
        await target.FlushAsync();
        return total;
    }
}
