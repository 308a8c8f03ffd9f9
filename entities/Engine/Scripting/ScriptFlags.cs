using System.Text;
using Serverless.Store.Protocol;

namespace Serverless.Store.Scripting;

/// <summary>The flags a script declares in its shebang (script.c's scripts_flags_def), or a function in register_function.</summary>
[Flags]
public enum ScriptFlags
{
    None = 0,
    NoWrites = 1,
    AllowOom = 2,
    AllowStale = 4,
    NoCluster = 8,
    AllowCrossSlotKeys = 16,
    /// <summary>Not Redis's: Upstash's flag, which @upstash/ratelimit sends on every script. Accepted and meaningless here.</summary>
    AllowKeyLocking = 32,
    /// <summary>No shebang: Redis's "eval compatibility mode" (SCRIPT_FLAG_EVAL_COMPAT_MODE), where flags do not apply.</summary>
    EvalCompat = 1 << 16,
}

/// <summary>
/// The "#!lua flags=..." first line of a script (eval.c's evalExtractShebangFlags) and of a
/// function library ("#!lua name=lib", functions.c's functionExtractLibMetaData), with Redis's errors.
/// </summary>
public static class Shebang
{
    /// <summary>Redis's flag names in its order (FUNCTION LIST prints them in this order).</summary>
    internal static readonly (ScriptFlags Flag, string Name)[] FlagNames =
    [
        (ScriptFlags.NoWrites, "no-writes"),
        (ScriptFlags.AllowOom, "allow-oom"),
        (ScriptFlags.AllowStale, "allow-stale"),
        (ScriptFlags.NoCluster, "no-cluster"),
        (ScriptFlags.AllowCrossSlotKeys, "allow-cross-slot-keys"),
    ];

    /// <summary>
    /// The flags of an EVAL script and how long its shebang line is (the body runs from there, keeping
    /// the newline so line numbers stay the user's). A script without "#!" is in compatibility mode.
    /// </summary>
    public static ScriptFlags ScriptFlagsOf(byte[] body, out int shebangLength)
    {
        shebangLength = 0;
        if (body.Length < 2 || body[0] != '#' || body[1] != '!') return ScriptFlags.EvalCompat;
        var end = Array.IndexOf(body, (byte)'\n');
        if (end < 0) throw new RedisException("ERR Invalid script shebang");
        shebangLength = end;
        var parts = SplitArgs(body.AsSpan(0, end)) ?? throw new RedisException("ERR Invalid engine in script shebang");
        if (parts.Count == 0) throw new RedisException("ERR Invalid engine in script shebang");
        if (parts[0] != "#!lua") throw new RedisException($"ERR Unexpected engine in script shebang: {parts[0]}");
        var flags = ScriptFlags.None;
        foreach (var part in parts.Skip(1))
        {
            if (!part.StartsWith("flags=", StringComparison.Ordinal))
                throw new RedisException($"ERR Unknown lua shebang option: {part}");
            var list = part[6..];
            if (list.Length == 0) continue;
            foreach (var name in list.Split(','))
                flags |= name == "allow-key-locking" ? ScriptFlags.AllowKeyLocking
                    : FlagNamed(name, StringComparison.Ordinal) ?? throw new RedisException($"ERR Unexpected flag in script shebang: {name}");
        }
        return flags;
    }

    /// <summary>A flag by its Redis name (shebangs compare exactly, register_function ignoring case).</summary>
    internal static ScriptFlags? FlagNamed(string name, StringComparison comparison)
    {
        foreach (var (flag, n) in FlagNames)
            if (string.Equals(n, name, comparison)) return flag;
        return null;
    }

    /// <summary>A library's engine, name and code (from its first newline on), as FUNCTION LOAD reads them.</summary>
    public static (string Engine, string Name, byte[] Code) LibraryOf(byte[] payload)
    {
        if (payload.Length < 2 || payload[0] != '#' || payload[1] != '!') throw new RedisException("ERR Missing library metadata");
        var end = Array.IndexOf(payload, (byte)'\n');
        if (end < 0) throw new RedisException("ERR Invalid library metadata");
        var parts = SplitArgs(payload.AsSpan(0, end));
        if (parts is null || parts.Count == 0) throw new RedisException("ERR Invalid library metadata");
        string? name = null;
        foreach (var part in parts.Skip(1))
        {
            if (part.StartsWith("name=", StringComparison.OrdinalIgnoreCase))
            {
                if (name is not null) throw new RedisException("ERR Invalid metadata value, name argument was given multiple times");
                name = part[5..];
                continue;
            }
            throw new RedisException($"ERR Invalid metadata value given: {part}");
        }
        if (name is null) throw new RedisException("ERR Library name was not given");
        return (parts[0][2..], name, payload[end..]);
    }

    /// <summary>
    /// sdssplitargs: words split on white space, "double quoted" with C escapes, 'single quoted';
    /// null for unbalanced quotes (or a closing quote not followed by a space).
    /// </summary>
    internal static List<string>? SplitArgs(ReadOnlySpan<byte> line)
    {
        var args = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < line.Length && IsSpace(line[i])) i++;
            if (i >= line.Length) return args;
            var current = new List<byte>();
            bool inQuotes = false, inSingle = false;
            while (true)
            {
                if (inQuotes)
                {
                    if (i >= line.Length) return null;
                    var c = line[i];
                    if (c == '\\' && i + 3 < line.Length && line[i + 1] == 'x' && IsHex(line[i + 2]) && IsHex(line[i + 3]))
                    {
                        current.Add((byte)(Hex(line[i + 2]) * 16 + Hex(line[i + 3])));
                        i += 3;
                    }
                    else if (c == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        current.Add(line[i] switch { (byte)'n' => (byte)'\n', (byte)'r' => (byte)'\r', (byte)'t' => (byte)'\t', (byte)'b' => (byte)'\b', (byte)'a' => (byte)'\a', var other => other });
                    }
                    else if (c == '"')
                    {
                        if (i + 1 < line.Length && !IsSpace(line[i + 1])) return null;
                        i++;
                        break;
                    }
                    else current.Add(c);
                }
                else if (inSingle)
                {
                    if (i >= line.Length) return null;
                    var c = line[i];
                    if (c == '\\' && i + 1 < line.Length && line[i + 1] == '\'')
                    {
                        i++;
                        current.Add((byte)'\'');
                    }
                    else if (c == '\'')
                    {
                        if (i + 1 < line.Length && !IsSpace(line[i + 1])) return null;
                        i++;
                        break;
                    }
                    else current.Add(c);
                }
                else
                {
                    if (i >= line.Length) break;
                    var c = line[i];
                    if (IsSpace(c)) break;
                    if (c == '"') inQuotes = true;
                    else if (c == '\'') inSingle = true;
                    else current.Add(c);
                }
                i++;
            }
            args.Add(Encoding.UTF8.GetString(current.ToArray()));
        }
    }

    static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0;
    static bool IsHex(byte c) => Uri.IsHexDigit((char)c);
    static int Hex(byte c) => Convert.ToInt32(((char)c).ToString(), 16);
}
