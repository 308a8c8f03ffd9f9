using System.Globalization;
using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// CONFIG GET / SET / RESETSTAT / HELP (config.c) for the parameters that mean something here:
/// notify-keyspace-events, the encoding thresholds (with their "ziplist" aliases) and
/// busy-reply-threshold (alias lua-time-limit). Anything else is refused as Redis refuses a
/// parameter it does not know. The settings live behind <see cref="IServerConfig"/>.
/// </summary>
public static class Config
{
    const string LongMax = "9223372036854775807";
    const string NotAvailable = "ERR CONFIG SET and RESETSTAT need a configuration store, and this host has none";

    /// <summary>
    /// One parameter: its name, Redis's alias, how CONFIG GET prints it, and how CONFIG SET
    /// applies a value (throwing Redis's reason when the value is refused).
    /// </summary>
    sealed record Parameter(string Name, string? Alias, Func<ServerSettings, string> Get, Func<ServerSettings, byte[], ServerSettings> Set);

    static readonly Parameter[] Parameters =
    [
        new("notify-keyspace-events", null, s => KeyspaceNotifications.Parse(s.NotifyKeyspaceEvents).ToString(), (s, v) => s with { NotifyKeyspaceEvents = Events(v) }),
        new("hash-max-listpack-entries", "hash-max-ziplist-entries", s => Text(s.Encodings.HashMaxListpackEntries),
            (s, v) => s with { Encodings = s.Encodings with { HashMaxListpackEntries = Size(v, memory: false) } }),
        new("hash-max-listpack-value", "hash-max-ziplist-value", s => Text(s.Encodings.HashMaxListpackValue),
            (s, v) => s with { Encodings = s.Encodings with { HashMaxListpackValue = Size(v, memory: true) } }),
        new("set-max-intset-entries", null, s => Text(s.Encodings.SetMaxIntsetEntries),
            (s, v) => s with { Encodings = s.Encodings with { SetMaxIntsetEntries = Size(v, memory: false) } }),
        new("zset-max-listpack-entries", "zset-max-ziplist-entries", s => Text(s.Encodings.ZSetMaxListpackEntries),
            (s, v) => s with { Encodings = s.Encodings with { ZSetMaxListpackEntries = Size(v, memory: false) } }),
        new("zset-max-listpack-value", "zset-max-ziplist-value", s => Text(s.Encodings.ZSetMaxListpackValue),
            (s, v) => s with { Encodings = s.Encodings with { ZSetMaxListpackValue = Size(v, memory: true) } }),
        new("busy-reply-threshold", "lua-time-limit", s => Text(s.BusyReplyThresholdMs),
            (s, v) => s with { BusyReplyThresholdMs = Size(v, memory: false) }),
    ];

    /// <summary>Every name CONFIG takes (names and aliases, as Redis's config dictionary holds both) and its parameter.</summary>
    static readonly (string Name, Parameter Parameter)[] Names =
        Parameters.SelectMany(p => p.Alias is null ? [(p.Name, p)] : new[] { (p.Name, p), (p.Alias, p) }).ToArray();

    static readonly string[] Help =
    [
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
    ];

    /// <summary>CONFIG GET|SET|RESETSTAT|HELP (the engine checked the subcommand and its arity).</summary>
    public static Reply ConfigCommand(CommandContext ctx, byte[][] args)
    {
        switch (Encoding.ASCII.GetString(args[1]).ToLowerInvariant())
        {
            case "help":
                return Reply.Help("CONFIG", Help);
            case "get":
                return Get(ctx.Config?.Settings ?? ServerSettings.Default, args);
            case "set":
                return SetCommand(ctx.Config ?? throw new RedisException(NotAvailable), args);
            default:
                (ctx.Config ?? throw new RedisException(NotAvailable)).ResetStats();
                return Reply.Ok;
        }
    }

    /// <summary>
    /// configGetCommand: each argument is a name (any case, answered as given) or a glob pattern
    /// matched against every name and alias; each parameter name once. Redis answers in its
    /// dictionary's order (no order to rely on); this answers in the table's.
    /// </summary>
    static Reply Get(ServerSettings settings, byte[][] args)
    {
        var matched = new List<(string Name, Parameter Parameter)>();
        bool Seen(string name) => matched.Any(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        for (var i = 2; i < args.Length; i++)
        {
            var asked = Encoding.UTF8.GetString(args[i]);
            if (args[i].AsSpan().IndexOfAny("[*?"u8) < 0)
            {
                if (!Seen(asked) && Find(asked) is { } exact) matched.Add((asked, exact));
                continue;
            }
            var pattern = Encoding.UTF8.GetBytes(asked.ToLowerInvariant());
            foreach (var (name, parameter) in Names)
                if (!Seen(name) && Glob.Match(pattern, Encoding.ASCII.GetBytes(name))) matched.Add((name, parameter));
        }
        var reply = new List<Reply>(matched.Count * 2);
        foreach (var (name, parameter) in matched)
        {
            reply.Add(Reply.Bulk(name));
            reply.Add(Reply.Bulk(parameter.Get(settings)));
        }
        return Reply.Array(reply);
    }

    /// <summary>
    /// configSetCommand: name/value pairs, all applied or none. The first problem is answered:
    /// an unknown name (as given), a name given twice (as given), then a refused value (by the
    /// parameter's own name, with Redis's reason).
    /// </summary>
    public static Reply SetCommand(IServerConfig config, byte[][] args)
    {
        if (args.Length % 2 == 1) throw new RedisException(Errors.Syntax);
        var chosen = new List<Parameter>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 2; i < args.Length; i += 2)
        {
            var asked = Encoding.UTF8.GetString(args[i]);
            var parameter = Find(asked) ?? throw new RedisException($"ERR Unknown option or number of arguments for CONFIG SET - '{asked}'");
            // Redis holds an alias as a config of its own: a name and its alias may both be set (the last wins).
            if (!names.Add(asked))
                throw new RedisException($"ERR CONFIG SET failed (possibly related to argument '{asked}') - duplicate parameter");
            chosen.Add(parameter);
        }
        var next = config.Settings;
        for (var i = 0; i < chosen.Count; i++)
        {
            try
            {
                next = chosen[i].Set(next, args[3 + 2 * i]);
            }
            catch (FormatException e)
            {
                throw new RedisException($"ERR CONFIG SET failed (possibly related to argument '{chosen[i].Name}') - {e.Message}");
            }
        }
        config.Update(next);
        return Reply.Ok;
    }

    static Parameter? Find(string name) =>
        Names.FirstOrDefault(n => n.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Parameter;

    /// <summary>keyspaceEventsStringToFlags: only Redis's letters (kept as given; printed canonically).</summary>
    static string Events(byte[] value)
    {
        var letters = Encoding.UTF8.GetString(value);
        try
        {
            KeyspaceNotifications.Parse(letters);
        }
        catch (FormatException)
        {
            throw new FormatException("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
        }
        return letters;
    }

    /// <summary>
    /// A size_t parameter (0 to LONG_MAX): an integer (string2ll) or, for a memory parameter, a
    /// number with an optional unit (memtoull: b, k, kb, m, mb, g, gb in any case).
    /// </summary>
    static long Size(byte[] value, bool memory)
    {
        ulong parsed;
        if (memory)
        {
            if (!MemToUll(value, out parsed)) throw new FormatException("argument must be a memory value");
        }
        else if (Numbers.TryParseLong(value, out var signed)) parsed = unchecked((ulong)signed);
        else throw new FormatException("argument couldn't be parsed into an integer");
        if (parsed > long.MaxValue) throw new FormatException($"argument must be between 0 and {LongMax} inclusive");
        return (long)parsed;
    }

    /// <summary>memtoull: digits then a unit; no sign; the digits' overflow and the product wrap as in C.</summary>
    static bool MemToUll(byte[] value, out ulong result)
    {
        result = 0;
        var text = Encoding.Latin1.GetString(value);
        var nul = text.IndexOf('\0');
        if (nul >= 0) text = text[..nul];
        if (text.StartsWith('-')) return false;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        ulong multiplier = text[digits..].ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "k" => 1000,
            "kb" => 1024,
            "m" => 1000 * 1000,
            "mb" => 1024 * 1024,
            "g" => 1000L * 1000 * 1000,
            "gb" => 1024L * 1024 * 1024,
            _ => 0,
        };
        if (multiplier == 0 || digits >= 128) return false;
        // strtoull: overflow saturates at ULLONG_MAX (memtoull does not look at ERANGE).
        var number = digits == 0 ? 0 : ulong.TryParse(text[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : ulong.MaxValue;
        result = unchecked(number * multiplier);
        return true;
    }

    static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
