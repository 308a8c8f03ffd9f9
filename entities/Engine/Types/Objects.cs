using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// OBJECT (object.c): what Redis 7.0 would report about a key's value. The store keeps values
/// in its own shapes, so the encoding is the one redis-server would have chosen for the same
/// value and history under the same limits (<see cref="EncodingLimits"/>), which the value types
/// track as they change. Access times and frequencies are not kept (reads do not write a key's
/// state), so IDLETIME and FREQ say so rather than make numbers up.
/// </summary>
public static class Objects
{
    /// <summary>Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS): their refcount is INT_MAX.</summary>
    const long SharedIntegers = 10000;

    /// <summary>OBJ_ENCODING_EMBSTR_SIZE_LIMIT: strings up to 44 bytes live inside their object.</summary>
    const int EmbstrSizeLimit = 44;

    const string FreqNotTracked = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
    const string IdleTimeNotTracked = "ERR OBJECT IDLETIME is not available: this store does not track when a key was last read (reads do not write a key's state)";

    static readonly string[] Help =
    [
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
    ];

    /// <summary>OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key, OBJECT HELP (the engine checked the subcommand and its arity).</summary>
    public static Reply Object(CommandContext ctx, byte[][] args)
    {
        var sub = System.Text.Encoding.ASCII.GetString(args[1]).ToLowerInvariant();
        if (sub == "help") return Reply.Help("OBJECT", Help);
        var state = ctx.Lookup(args[2]);
        if (state is null) return Reply.Nil;
        return sub switch
        {
            "encoding" => Reply.Bulk(EncodingOf(state)),
            "refcount" => Reply.Integer(IsSharedInteger(state) ? int.MaxValue : 1),
            "freq" => throw new RedisException(FreqNotTracked),
            _ => throw new RedisException(IdleTimeNotTracked),
        };
    }

    /// <summary>strEncoding of the encoding redis-server would use for this value.</summary>
    public static string EncodingOf(KeyState state) => state.Type switch
    {
        RedisType.String => state.StringEncoding ?? DerivedStringEncoding(state.String!),
        RedisType.List => "quicklist", // Redis 7.0 holds every list as a quicklist
        RedisType.Set => state.Set!.Hashtable ? "hashtable" : "intset",
        RedisType.Hash => state.Hash!.Encoding,
        RedisType.ZSet => state.SortedSet!.IsSmall ? "listpack" : "skiplist",
        RedisType.Stream => "stream",
        _ => throw new InvalidOperationException("a key without a value"),
    };

    /// <summary>
    /// tryObjectEncoding: a string that is a 64-bit integer in canonical form (at most 20 bytes) is
    /// held as an int, one of at most 44 bytes inside its object (embstr), a longer one raw.
    /// </summary>
    internal static string DerivedStringEncoding(byte[] value) =>
        value.Length <= 20 && Numbers.TryParseLong(value, out _) ? "int" : StringObjectEncoding(value);

    /// <summary>createStringObject: embstr up to 44 bytes, else raw (what a string built without tryObjectEncoding gets).</summary>
    internal static string StringObjectEncoding(byte[] value) => value.Length <= EmbstrSizeLimit ? "embstr" : "raw";

    /// <summary>Records that Redis holds this string as <paramref name="encoding"/> (kept only when its bytes imply another).</summary>
    internal static void HoldString(KeyState state, string encoding) =>
        state.StringEncoding = encoding == DerivedStringEncoding(state.String!) ? null : encoding;

    /// <summary>
    /// Redis holds the integers 0..9999 as shared objects (what SET, INCR and RESTORE store), except
    /// where it copied one into an object of its own (COPY): then <see cref="KeyState.StringEncoding"/>
    /// says "int" explicitly.
    /// </summary>
    static bool IsSharedInteger(KeyState state) =>
        state.Type == RedisType.String && state.StringEncoding is null && DerivedStringEncoding(state.String!) == "int"
        && Numbers.TryParseLong(state.String!, out var n) && n is >= 0 and < SharedIntegers;

    /// <summary>COPY's dupStringObject: a shared integer's copy is an int object of its own.</summary>
    internal static void Unshare(KeyState copy)
    {
        if (IsSharedInteger(copy)) copy.StringEncoding = "int";
    }
}
