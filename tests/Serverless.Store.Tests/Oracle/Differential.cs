using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Scripting;
using Xunit.Sdk;

namespace Serverless.Store.Tests.Oracle;

/// <summary>
/// Sends the same commands to redis-server and to the engine (on a fresh in-memory keyspace)
/// and fails on the first reply that differs, printing the whole sequence and both replies.
/// Replies whose order Redis leaves undefined are compared as multisets; replies that depend on
/// randomness only by shape; TTLs with a small tolerance for the clock moving between the two.
/// </summary>
public sealed class Differential(RedisServer redis)
{
    /// <summary>Array replies in no defined order (elements compared as a multiset).</summary>
    static readonly HashSet<string> Unordered = new(StringComparer.OrdinalIgnoreCase)
        { "smembers", "sinter", "sunion", "sdiff", "hkeys", "hvals", "keys" };

    /// <summary>Flat field/value (or member/score) arrays in no defined order: compared as pair multisets.</summary>
    static readonly HashSet<string> UnorderedPairs = new(StringComparer.OrdinalIgnoreCase) { "hgetall", "config" };

    /// <summary>SCAN-family replies: [cursor, items]; items compared as multisets (pairs for HSCAN/ZSCAN).</summary>
    static readonly HashSet<string> Scans = new(StringComparer.OrdinalIgnoreCase) { "scan", "sscan", "hscan", "zscan" };

    /// <summary>Replies that depend on randomness: compared by kind and length only.</summary>
    static readonly HashSet<string> Random = new(StringComparer.OrdinalIgnoreCase)
        { "spop", "srandmember", "hrandfield", "zrandmember", "randomkey" };

    public MemoryKeyspace Keyspace { get; private set; } = new();

    /// <summary>The engine's CONFIG settings (kept across <see cref="Reset"/>, as redis-server's are across FLUSHALL).</summary>
    public MemoryServerConfig Config { get; } = new();

    /// <summary>The engine's script cache and function libraries (redis-server's are flushed with it in <see cref="Reset"/>).</summary>
    public ScriptCatalog Scripts { get; private set; } = new();

    /// <summary>The commands run since the last <see cref="Reset"/>, shown when a reply differs.</summary>
    readonly List<byte[][]> history = [];

    /// <summary>Runs commands written as text ("SET k v", quotes group words: "SET k \"a b\"").</summary>
    public void Run(params string[] commands) => Run(commands.Select(Parse).ToArray());

    public void Run(params string[][] commands) =>
        Run(commands.Select(c => c.Select(Encoding.UTF8.GetBytes).ToArray()).ToArray());

    /// <summary>Starts from empty on both sides, then compares every reply.</summary>
    public void Run(byte[][][] commands, string? context = null)
    {
        Reset();
        Continue(commands, context);
    }

    /// <summary>Like Run, but keeps both keyspaces (e.g. to go on after letting keys expire).</summary>
    public void Continue(params string[] commands) => Continue(commands.Select(Parse).ToArray());

    public void Continue(params string[][] commands) =>
        Continue(commands.Select(c => c.Select(Encoding.UTF8.GetBytes).ToArray()).ToArray());

    public void Continue(byte[][][] commands, string? context = null)
    {
        foreach (var args in commands) Step(args, context);
    }

    public void Reset()
    {
        redis.Client.Call("FLUSHALL");
        redis.Client.Call("SCRIPT", "FLUSH");
        redis.Client.Call("FUNCTION", "FLUSH");
        Keyspace = new MemoryKeyspace();
        Scripts = new ScriptCatalog();
        history.Clear();
    }

    /// <summary>Runs one command on both sides (keyspaces kept), fails if the replies differ, else returns them.</summary>
    public (Reply Redis, Reply Engine) Step(string command) => Step(Parse(command));

    public (Reply Redis, Reply Engine) Step(byte[][] args, string? context = null)
    {
        history.Add(args);
        var expected = MayBlock(args) ? InTransaction(args) : redis.Client.Call(args);
        var actual = OnEngine(args);
        var name = Encoding.ASCII.GetString(args[0]);
        if (!Same(name, expected, actual))
            throw new XunitException(Describe(history, history.Count - 1, expected, actual, context));
        return (expected, actual);
    }

    /// <summary>
    /// A blocking list or sorted set command (BLPOP, BZMPOP...) that would run: the engine never
    /// waits and answers as Redis does where it may not block, inside MULTI, so redis-server gets
    /// it inside MULTI too (and the tests never wait).
    /// </summary>
    public static bool MayBlock(byte[][] args) =>
        CommandTable.Find(args[0]) is { } spec && spec.Flags.HasFlag(CommandFlags.Blocking) && spec.Name is not ("xread" or "xreadgroup")
        && spec.DispatchError(args) is null;

    /// <summary>The command's reply from redis-server inside MULTI/EXEC.</summary>
    Reply InTransaction(byte[][] args)
    {
        redis.Client.Call("MULTI");
        redis.Client.Call(args);
        var exec = redis.Client.Call("EXEC");
        return exec is ArrayReply { Items: [var reply] } ? reply : exec;
    }

    /// <summary>
    /// Runs a command that must be spelled differently for redis-server (a flag it refuses) and for
    /// the engine, on both keyspaces; fails if the replies differ.
    /// </summary>
    public (Reply Redis, Reply Engine) StepEach(string[] onRedis, string[] onEngine)
    {
        var engineArgs = onEngine.Select(Encoding.UTF8.GetBytes).ToArray();
        history.Add(engineArgs);
        var expected = redis.Client.Call(onRedis);
        var actual = OnEngine(engineArgs);
        if (!Same(onEngine[0], expected, actual))
            throw new XunitException(Describe(history, history.Count - 1, expected, actual, "redis-server ran: " + Format(onRedis.Select(Encoding.UTF8.GetBytes).ToArray())));
        return (expected, actual);
    }

    /// <summary>
    /// Runs a command on the engine only (same keyspace, not compared, not in the history): for
    /// replies that legitimately differ from redis-server's, like a hashtable's SCAN cursors.
    /// </summary>
    public Reply OnEngine(params byte[][] args)
    {
        var micros = CommandContext.UnixMicros(TimeProvider.System);
        return Engine.Execute(new CommandContext(Keyspace, micros / 1000) { NowMicros = micros, Config = Config, Scripts = Scripts }, args);
    }

    /// <summary>
    /// Iterates a SCAN-family command written with cursor 0 ("SSCAN s 0 COUNT 7") to cursor 0 on
    /// both sides (their cursors differ) and returns the items each side saw, as text;
    /// HSCAN/ZSCAN items as "field=value".
    /// </summary>
    public (List<string> Redis, List<string> Engine) ScanAll(string command)
    {
        var args = Parse(command);
        var cursorAt = args[0].Length == 4 ? 1 : 2; // SCAN key-less, the others after the key
        var pairs = args[0] is [(byte)'h' or (byte)'H' or (byte)'z' or (byte)'Z', ..];
        List<string> Iterate(Func<byte[][], Reply> call)
        {
            var seen = new List<string>();
            var cursor = "0"u8.ToArray();
            var calls = 0;
            do
            {
                args[cursorAt] = cursor;
                var reply = call(args);
                if (reply is not ArrayReply { Items: [BulkReply { Value: { } next }, ArrayReply { Items: { } items }] })
                    throw new XunitException($"{Format(args)}: not a scan reply: {reply}");
                for (var i = 0; i < items.Count; i += pairs ? 2 : 1)
                    seen.Add(pairs ? $"{Text(items[i])}={Text(items[i + 1])}" : Text(items[i]));
                cursor = next;
                if (++calls >= 10_000) throw new XunitException($"{Format(args)}: never returned cursor 0");
            } while (cursor is not [(byte)'0']);
            return seen;
        }
        return (Iterate(redis.Client.Call), Iterate(OnEngine));
    }

    /// <summary>
    /// <see cref="ScanAll"/>, asserting both sides saw the same items and the engine none twice
    /// (the tests scan unchanging keys); returns the engine's items.
    /// </summary>
    public List<string> AssertSameScan(string command)
    {
        var (expected, actual) = ScanAll(command);
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        Assert.Equal(actual.Count, actual.Distinct().Count());
        return actual;
    }

    static string Text(Reply r) => r is BulkReply { Value: { } v } ? Encoding.UTF8.GetString(v) : r.ToString();

    /// <summary>One command line as arguments (see <see cref="Tokenize"/>); "\xNN" in an argument is the byte NN, as in redis-cli.</summary>
    public static byte[][] Parse(string line) => Tokenize(line).Select(Unescape).ToArray();

    static byte[] Unescape(string token)
    {
        var bytes = new List<byte>(token.Length);
        var text = new StringBuilder();
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '\\' && i + 3 < token.Length && token[i + 1] == 'x' &&
                byte.TryParse(token.AsSpan(i + 2, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text.ToString()));
                text.Clear();
                bytes.Add(b);
                i += 3;
                continue;
            }
            text.Append(token[i]);
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(text.ToString()));
        return bytes.ToArray();
    }

    public static bool Same(string command, Reply expected, Reply actual)
    {
        if (expected is ErrorReply || actual is ErrorReply) return expected.Equals(actual);
        if (Random.Contains(command)) return SameShape(expected, actual);
        if (command.Equals("ttl", StringComparison.OrdinalIgnoreCase)) return Near(expected, actual, 1);
        if (command.Equals("pttl", StringComparison.OrdinalIgnoreCase)) return Near(expected, actual, 100);
        if (Unordered.Contains(command)) return SameMultiset(expected, actual, 1);
        if (UnorderedPairs.Contains(command)) return SameMultiset(expected, actual, 2);
        if (Scans.Contains(command))
        {
            if (expected is not ArrayReply { Items: [var c1, var i1] } || actual is not ArrayReply { Items: [var c2, var i2] })
                return expected.Equals(actual);
            var pairs = command.Equals("hscan", StringComparison.OrdinalIgnoreCase) || command.Equals("zscan", StringComparison.OrdinalIgnoreCase) ? 2 : 1;
            return c1.Equals(c2) && SameMultiset(i1, i2, pairs);
        }
        return expected.Equals(actual);
    }

    static bool SameShape(Reply a, Reply b) => (a, b) switch
    {
        (ArrayReply x, ArrayReply y) => (x.Items?.Count ?? -1) == (y.Items?.Count ?? -1),
        (BulkReply x, BulkReply y) => (x.Value is null) == (y.Value is null),
        _ => a.GetType() == b.GetType(),
    };

    static bool Near(Reply a, Reply b, long tolerance) =>
        a is IntegerReply x && b is IntegerReply y && (x.Value < 0 || y.Value < 0 ? x.Value == y.Value : Math.Abs(x.Value - y.Value) <= tolerance);

    static bool SameMultiset(Reply a, Reply b, int group)
    {
        if (a is not ArrayReply { Items: { } xs } || b is not ArrayReply { Items: { } ys }) return a.Equals(b);
        if (xs.Count != ys.Count) return false;
        static List<string> Groups(IReadOnlyList<Reply> items, int n) =>
            items.Chunk(n).Select(g => string.Join("\u0000", g.Select(r => r.ToString()))).Order(StringComparer.Ordinal).ToList();
        return Groups(xs, group).SequenceEqual(Groups(ys, group));
    }

    static string Describe(List<byte[][]> commands, int failed, Reply expected, Reply actual, string? context)
    {
        var sb = new StringBuilder();
        if (context is not null) sb.AppendLine(context);
        sb.AppendLine($"reply {failed + 1} of the sequence differs from redis-server:");
        for (var i = Math.Max(0, failed - 40); i <= failed; i++)
            sb.AppendLine($"{(i == failed ? ">>" : "  ")} {Format(commands[i])}");
        sb.AppendLine($"redis-server: {expected}");
        sb.AppendLine($"engine:       {actual}");
        return sb.ToString();
    }

    public static string Format(byte[][] args) => string.Join(' ', args.Select(a =>
    {
        var t = BulkReply.Escape(a);
        return t.Length == 0 || t.Contains(' ') ? $"\"{t}\"" : t;
    }));

    /// <summary>Splits a command line on spaces; double quotes group words ("" is an empty argument).</summary>
    public static string[] Tokenize(string line)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false, any = false;
        foreach (var c in line)
        {
            if (c == '"') { quoted = !quoted; any = true; continue; }
            if (c == ' ' && !quoted)
            {
                if (any) tokens.Add(sb.ToString());
                sb.Clear();
                any = false;
                continue;
            }
            sb.Append(c);
            any = true;
        }
        if (any) tokens.Add(sb.ToString());
        return tokens.ToArray();
    }
}
