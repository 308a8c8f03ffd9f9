using System.Text;
using System.Text.Json;

namespace Serverless.Store.Api;

/// <summary>A request the router refuses before any command runs: its status and message.</summary>
public sealed class BadRequestException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// Turns request bodies and paths into commands (arrays of binary-safe arguments): a JSON array
/// `["SET","k","v"]`, a 2-D array for /pipeline and /multi-exec, or a path `set/k/v`. Numbers
/// and booleans are arguments as the text they were written with.
/// </summary>
public static class CommandParser
{
    static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 4, CommentHandling = JsonCommentHandling.Disallow };

    public const string CommandShape = "a command is a JSON array of strings or numbers, e.g. [\"SET\",\"key\",\"value\"]";
    public const string BatchShape = "send a JSON array of commands, each a JSON array of strings or numbers, e.g. [[\"SET\",\"k\",\"v\"],[\"GET\",\"k\"]]";

    public static byte[][] ParseCommand(byte[] body, RestLimits limits)
    {
        var reader = Start(body);
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad($"ERR {CommandShape}");
        var command = ReadArguments(ref reader, limits, null);
        EnsureEnd(ref reader, CommandShape);
        return command;
    }

    public static List<byte[][]> ParseBatch(byte[] body, RestLimits limits)
    {
        var reader = Start(body);
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad($"ERR {BatchShape}");
        var commands = new List<byte[][]>();
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw Bad($"ERR command {commands.Count + 1} is not an array: {BatchShape}");
            if (commands.Count == limits.MaxCommands)
                throw new BadRequestException(413, $"ERR a request holds at most {limits.MaxCommands} commands: split it");
            commands.Add(ReadArguments(ref reader, limits, commands.Count + 1));
        }
        if (commands.Count == 0) throw Bad($"ERR no commands: {BatchShape}");
        EnsureEnd(ref reader, BatchShape);
        return commands;
    }

    /// <summary>Path style: `set/k/v` (percent-encoded segments); a POST body is the last argument.</summary>
    public static byte[][] ParsePath(string rawPath, byte[]? bodyArgument, RestLimits limits)
    {
        var segments = rawPath.Trim('/').Split('/');
        var args = new List<byte[]>(segments.Length + 1);
        foreach (var s in segments) args.Add(PercentDecode(s));
        if (bodyArgument is { Length: > 0 }) args.Add(bodyArgument);
        if (args.Count > limits.MaxArguments) throw Bad($"ERR a command holds at most {limits.MaxArguments} arguments");
        return args.ToArray();
    }

    static Utf8JsonReader Start(byte[] body)
    {
        if (body.Length == 0) throw Bad($"ERR empty request body: {CommandShape}");
        var reader = new Utf8JsonReader(body, ReaderOptions);
        Read(ref reader);
        return reader;
    }

    static byte[][] ReadArguments(ref Utf8JsonReader reader, RestLimits limits, int? position)
    {
        var where = position is null ? "" : $" in command {position}";
        var args = new List<byte[]>();
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (args.Count == limits.MaxArguments) throw Bad($"ERR a command holds at most {limits.MaxArguments} arguments{where}");
            args.Add(reader.TokenType switch
            {
                JsonTokenType.String => ReadString(ref reader, args.Count + 1, where),
                JsonTokenType.Number => reader.ValueSpan.ToArray(),
                JsonTokenType.True => "true"u8.ToArray(),
                JsonTokenType.False => "false"u8.ToArray(),
                JsonTokenType.Null => throw Bad($"ERR argument {args.Count + 1}{where} is null: {CommandShape}"),
                _ => throw Bad($"ERR argument {args.Count + 1}{where} is not a string or number: {CommandShape}"),
            });
        }
        if (args.Count == 0) throw Bad($"ERR empty command{where}: {CommandShape}");
        return args.ToArray();
    }

    static byte[] ReadString(ref Utf8JsonReader reader, int position, string where)
    {
        try
        {
            return Keyspace.BytesJsonConverter.ReadString(ref reader);
        }
        catch (InvalidOperationException)
        {
            // An escaped string is unescaped through UTF-16, which refuses bytes that are not UTF-8.
            throw Bad($"ERR argument {position}{where} is not valid UTF-8 (escape sequences and bytes that are not UTF-8 in one string): {CommandShape}");
        }
    }

    static void EnsureEnd(ref Utf8JsonReader reader, string shape)
    {
        bool more;
        try { more = reader.Read(); }
        catch (JsonException) { more = true; }
        if (more) throw Bad($"ERR unexpected data after the JSON array: {shape}");
    }

    static bool Read(ref Utf8JsonReader reader)
    {
        try
        {
            if (!reader.Read()) throw Bad("ERR the request body is not complete JSON");
            return true;
        }
        catch (JsonException e)
        {
            throw Bad($"ERR the request body is not valid JSON ({e.Message.Split('.')[0]}): {CommandShape}");
        }
    }

    /// <summary>
    /// Percent-decoding straight to bytes: keys are binary-safe, and the framework's decoders go
    /// through UTF-16 strings, which would mangle bytes that are not UTF-8.
    /// </summary>
    public static byte[] PercentDecode(string segment)
    {
        var output = new List<byte>(segment.Length);
        var utf8 = Encoding.UTF8.GetBytes(segment);
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == '%' && i + 2 < utf8.Length && IsHex(utf8[i + 1]) && IsHex(utf8[i + 2]))
            {
                output.Add((byte)(Hex(utf8[i + 1]) * 16 + Hex(utf8[i + 2])));
                i += 2;
            }
            else output.Add(utf8[i]);
        }
        return output.ToArray();
    }

    static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
    static int Hex(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    static BadRequestException Bad(string message) => new(400, message);
}

/// <summary>
/// The request limits; past them a request gets 413 (body, commands) or 400 (arguments) with a
/// message saying what to do. The defaults take whatever the unchanged @upstash/redis sends by
/// itself: its auto-pipelining puts up to 1,000 commands in one /pipeline request (its
/// MAX_PIPELINE_SIZE), so <see cref="MaxCommands"/> is 1,000, and the body limit is the Functions
/// host's own request limit (100 MiB, FUNCTIONS_REQUEST_BODY_SIZE_LIMIT; nothing larger reaches the
/// app there), room for 1,000 commands of ~100 KB each. Both are settings (<see cref="FromSettings"/>).
/// </summary>
public sealed record RestLimits(int MaxBodyBytes = RestLimits.DefaultMaxBodyBytes, int MaxCommands = 1000, int MaxArguments = 100_000)
{
    public const int DefaultMaxBodyBytes = 100 << 20;
    public const string MaxBodySetting = "MaxRequestBodyBytes", MaxCommandsSetting = "MaxRequestCommands";

    public static readonly RestLimits Default = new();

    /// <summary>The limits from the app settings <c>MaxRequestBodyBytes</c> and <c>MaxRequestCommands</c> (unset = the defaults).</summary>
    public static RestLimits FromSettings(Func<string, string?> setting) => new(
        Positive(setting, MaxBodySetting) ?? DefaultMaxBodyBytes,
        Positive(setting, MaxCommandsSetting) ?? Default.MaxCommands);

    static int? Positive(Func<string, string?> setting, string name) => setting(name) switch
    {
        null or "" => null,
        var text when int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 => n,
        var text => throw new FormatException($"{name}: '{text}' is not a positive whole number"),
    };
}
