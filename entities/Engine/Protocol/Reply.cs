using System.Text;

namespace Serverless.Store.Protocol;

/// <summary>
/// A reply in Redis's RESP2 shapes: the engine answers every command with one of these and the
/// hosts encode them (JSON for the REST API). Doubles travel as bulk strings, as in RESP2.
/// </summary>
public abstract class Reply
{
    public static readonly Reply Ok = new SimpleReply("OK");
    public static readonly Reply Nil = new BulkReply(null);
    public static readonly Reply NilArray = new ArrayReply(null);
    public static readonly Reply EmptyArray = new ArrayReply([]);
    public static readonly Reply Zero = new IntegerReply(0);
    public static readonly Reply One = new IntegerReply(1);

    public static Reply Simple(string value) => new SimpleReply(value);
    public static Reply Error(string message) => new ErrorReply(message);
    public static Reply Integer(long value) => value switch { 0 => Zero, 1 => One, _ => new IntegerReply(value) };
    public static Reply Integer(bool value) => value ? One : Zero;
    public static Reply Bulk(byte[]? value) => value is null ? Nil : new BulkReply(value);
    public static Reply Bulk(string value) => new BulkReply(Encoding.UTF8.GetBytes(value));
    public static Reply Double(double value) => new BulkReply(Encoding.ASCII.GetBytes(Numbers.FormatDouble(value)));
    public static Reply Array(IReadOnlyList<Reply> items) => new ArrayReply(items);
    public static Reply BulkArray(IEnumerable<byte[]?> items) => new ArrayReply(items.Select(Bulk).ToArray());

    /// <summary>addReplyHelp: a container's HELP, with Redis's first line and its closing HELP entry.</summary>
    public static Reply Help(string command, IEnumerable<string> lines) => Array(
        lines.Prepend($"{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
            .Concat(["HELP", "    Prints this help."]).Select(Simple).ToArray());

    /// <summary>Redis-style text of the reply, for messages and test output.</summary>
    public abstract override string ToString();
}

public sealed class SimpleReply(string value) : Reply
{
    public string Value { get; } = value;
    public override string ToString() => "+" + Value;
    public override bool Equals(object? obj) => obj is SimpleReply o && o.Value == Value;
    public override int GetHashCode() => Value.GetHashCode();
}

public sealed class ErrorReply(string message) : Reply
{
    /// <summary>
    /// The error's text as Redis's addReplyErrorFormat makes it one RESP line: carriage returns and
    /// line feeds trimmed from both ends, the others turned into spaces, so an argument quoted in an
    /// error (an unknown command's, an option's) reads as Redis's does.
    /// </summary>
    public string Message { get; } = message.AsSpan().IndexOfAny('\r', '\n') < 0 ? message : message.Trim('\r', '\n').Replace('\r', ' ').Replace('\n', ' ');
    public override string ToString() => "-" + Message;
    public override bool Equals(object? obj) => obj is ErrorReply o && o.Message == Message;
    public override int GetHashCode() => Message.GetHashCode();
}

public sealed class IntegerReply(long value) : Reply
{
    public long Value { get; } = value;
    public override string ToString() => ":" + Value;
    public override bool Equals(object? obj) => obj is IntegerReply o && o.Value == Value;
    public override int GetHashCode() => Value.GetHashCode();
}

public sealed class BulkReply(byte[]? value) : Reply
{
    public byte[]? Value { get; } = value;
    public override string ToString() => Value is null ? "(nil)" : "\"" + Escape(Value) + "\"";
    public override bool Equals(object? obj) =>
        obj is BulkReply o && (Value is null ? o.Value is null : o.Value is not null && Value.AsSpan().SequenceEqual(o.Value));
    public override int GetHashCode() => Value is null ? 0 : Value.Length;

    internal static string Escape(byte[] bytes)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes)
        {
            if (b == '"' || b == '\\') sb.Append('\\').Append((char)b);
            else if (b >= 32 && b < 127) sb.Append((char)b);
            else sb.Append($"\\x{b:x2}");
        }
        return sb.ToString();
    }
}

public sealed class ArrayReply(IReadOnlyList<Reply>? items) : Reply
{
    public IReadOnlyList<Reply>? Items { get; } = items;
    public override string ToString() => Items is null ? "(nil array)" : "[" + string.Join(", ", Items) + "]";
    public override bool Equals(object? obj) =>
        obj is ArrayReply o && (Items is null ? o.Items is null : o.Items is not null && Items.SequenceEqual(o.Items));
    public override int GetHashCode() => Items?.Count ?? -1;
}

/// <summary>
/// Not a Redis reply: what a command that reached beyond the keys it was given answers (a script
/// whose computed key names, or whose SCAN/KEYS, went past them), having changed nothing. Only
/// the store sees it: it gathers those keys (and the keys matching those patterns) and runs the
/// command again where all of them are held. It never reaches a client.
/// </summary>
public sealed class KeysNeededReply(IReadOnlyList<byte[]> keys, IReadOnlyList<byte[]> patterns) : Reply
{
    public IReadOnlyList<byte[]> Keys { get; } = keys;

    /// <summary>Glob patterns whose matching keys the command needs listed (SCAN or KEYS inside a script).</summary>
    public IReadOnlyList<byte[]> Patterns { get; } = patterns;

    public override string ToString() => $"(needs {Keys.Count} more keys, {Patterns.Count} patterns)";
}
