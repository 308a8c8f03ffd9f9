namespace Serverless.Store.Protocol;

/// <summary>
/// A Redis error reply raised while a command validates or runs. Handlers throw it before they
/// change anything, so an erroring command leaves the keyspace as it was; the engine turns it
/// into an <see cref="ErrorReply"/>.
/// </summary>
public class RedisException(string message) : Exception(message);

/// <summary>Redis 7's own error texts, one home for each.</summary>
public static class Errors
{
    public const string Syntax = "ERR syntax error";
    public const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string NotFloat = "ERR value is not a valid float";
    public const string MinMaxNotFloat = "ERR min or max is not a float";
    public const string MinMaxNotStringRange = "ERR min or max not valid string range item";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string NoSuchKey = "ERR no such key";
    public const string IndexOutOfRange = "ERR index out of range";
    public const string NotPositive = "ERR value is out of range, must be positive";
    public const string HashValueNotInteger = "ERR hash value is not an integer";
    public const string HashValueNotFloat = "ERR hash value is not a float";
    public const string NanOrInfinity = "ERR increment would produce NaN or Infinity";
    public const string InvalidCursor = "ERR invalid cursor";

    public static string WrongArity(string command) => $"ERR wrong number of arguments for '{command}' command";

    /// <summary>addReplySubcommandSyntaxError: a container's subcommand with arguments it does not take.</summary>
    public static RedisException SubcommandSyntax(byte[][] args) =>
        new($"ERR unknown subcommand or wrong number of arguments for '{Clip(args[1], 128)}'. Try {Clip(args[0], 128).ToUpperInvariant()} HELP.");

    /// <summary>At most <paramref name="max"/> bytes of an argument as text, as Redis's "%.128s" prints it.</summary>
    public static string Clip(byte[] b, int max) => System.Text.Encoding.UTF8.GetString(b, 0, Math.Min(b.Length, max));

    public static RedisException Error(string message) => new(message);
}
