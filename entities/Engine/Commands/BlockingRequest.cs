using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.Commands;

/// <summary>
/// What a blocking list or sorted set command (BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP,
/// BZPOPMIN, BZPOPMAX, BZMPOP) waits for: the keys it serves from, in the order it tries them,
/// the type they must hold, and how long it may wait in milliseconds (0 = without limit).
/// <para>
/// The engine never waits: a blocking command with something to serve answers as its
/// non-blocking form, and with nothing to serve it answers as Redis does when it may not block
/// (inside MULTI): nil. The store does the waiting: it parses the request (<see cref="Parse"/>),
/// runs the command, and while the answer is nil waits for a commit to one of
/// <see cref="Keys"/> (or the next poll), asks <see cref="WouldServe"/> on the stored states, and
/// runs the command again when it would serve; when the time is up it answers <see cref="TimedOut"/>.
/// </para>
/// </summary>
public sealed record BlockingRequest(IReadOnlyList<byte[]> Keys, RedisType Type, long TimeoutMs)
{
    /// <summary>
    /// What Redis answers a blocking command that timed out: a nil array for every one of them
    /// (BLMOVE and BRPOPLPUSH too, although inside MULTI they answer a nil bulk string).
    /// </summary>
    public static readonly Reply TimedOut = Reply.NilArray;

    /// <summary>
    /// The request of a blocking list or sorted set command, or null when <paramref name="args"/>
    /// names another command (XREAD/XREADGROUP BLOCK: <see cref="Types.Streams.ParseRead"/>).
    /// Arguments the command refuses throw the <see cref="RedisException"/> it answers, so a
    /// caller may simply run the command then.
    /// </summary>
    public static BlockingRequest? Parse(byte[][] args)
    {
        if (args.Length == 0 || CommandTable.Find(args[0]) is not { } spec || !spec.Flags.HasFlag(CommandFlags.Blocking)) return null;
        if (spec.DispatchError(args) is { } refused) throw new RedisException(refused);
        return spec.Name switch
        {
            "blpop" or "brpop" => new(args[1..^1], RedisType.List, ParseTimeout(args[^1])),
            "bzpopmin" or "bzpopmax" => new(args[1..^1], RedisType.ZSet, ParseTimeout(args[^1])),
            "brpoplpush" => new([args[1]], RedisType.List, ParseTimeout(args[3])),
            "blmove" => Lists.ParseBlockingMove(args),
            "blmpop" => MultiPop(args, Lists.IsRight, RedisType.List),
            "bzmpop" => MultiPop(args, SortedSets.IsMax, RedisType.ZSet),
            _ => null,
        };
    }

    static BlockingRequest MultiPop(byte[][] args, Func<byte[], bool> fromEnd, RedisType type)
    {
        var parsed = MultiPopArgs.ParseBlocking(args, fromEnd, out var timeoutMs);
        return new(parsed.Keys(args), type, timeoutMs);
    }

    /// <summary>
    /// Whether running the command now would answer something other than nil, judged on the keys'
    /// stored states: a key holding elements of its type, or a key of another type before any
    /// (the command then answers WRONGTYPE, as Redis does at once).
    /// </summary>
    public bool WouldServe(Func<byte[], KeyState?> stateOf, long nowMs)
    {
        foreach (var key in Keys)
        {
            var state = stateOf(key);
            if (state is null || state.IsExpired(nowMs)) continue;
            if (state.Type != Type || !state.IsEmpty) return true;
        }
        return false;
    }

    /// <summary>
    /// getTimeoutFromObjectOrReply in seconds: a long double (string2ld), times 1000, rounded up
    /// (ceill), as a C long long; negative is refused, 0 means no limit. The arithmetic is the x87
    /// long double's, so "-0.001" rounds to 0 (wait forever) and "1e30" to a negative number, as in Redis.
    /// </summary>
    public static long ParseTimeout(byte[] arg)
    {
        if (!LongDouble.TryParse(arg, out var seconds)) throw new RedisException("ERR timeout is not a float or out of range");
        var ms = (seconds * Thousand).CeilingToLong();
        if (ms < 0) throw new RedisException("ERR timeout is negative");
        return ms;
    }

    static readonly LongDouble Thousand = LongDouble.FromLong(1000);
}

/// <summary>
/// The arguments of LMPOP, BLMPOP, ZMPOP and BZMPOP after the command's own (t_list.c
/// lmpopGenericCommand, t_zset.c zmpopGenericCommand): numkeys, the keys, the end to pop from,
/// [COUNT count]; checked in Redis's order. The blocking forms' timeout comes before numkeys and
/// is parsed after these.
/// </summary>
public readonly record struct MultiPopArgs(int FirstKey, int KeyCount, bool FromEnd, long Count)
{
    /// <summary>Parses from <paramref name="numKeysAt"/>; <paramref name="fromEnd"/> reads LEFT/RIGHT or MIN/MAX (throwing a syntax error for others).</summary>
    public static MultiPopArgs Parse(byte[][] args, int numKeysAt, Func<byte[], bool> fromEnd)
    {
        const string NumKeys = "ERR numkeys should be greater than 0";
        if (!Numbers.TryParseLong(args[numKeysAt], out var numKeys) || numKeys < 1) throw new RedisException(NumKeys);
        if (numKeys >= args.Length - numKeysAt - 1) throw new RedisException(Errors.Syntax); // no room for the end argument
        var whereAt = numKeysAt + (int)numKeys + 1;
        var end = fromEnd(args[whereAt]);
        long count = -1;
        for (var j = whereAt + 1; j < args.Length; j++)
        {
            if (count == -1 && System.Text.Ascii.EqualsIgnoreCase(args[j], "count"u8) && j < args.Length - 1)
            {
                j++;
                if (!Numbers.TryParseLong(args[j], out count) || count < 1) throw new RedisException("ERR count should be greater than 0");
            }
            else throw new RedisException(Errors.Syntax);
        }
        return new MultiPopArgs(numKeysAt + 1, (int)numKeys, end, count == -1 ? 1 : count);
    }

    /// <summary>BLMPOP/BZMPOP: the arguments after the timeout, then the timeout, which Redis checks last.</summary>
    public static MultiPopArgs ParseBlocking(byte[][] args, Func<byte[], bool> fromEnd, out long timeoutMs)
    {
        var parsed = Parse(args, 2, fromEnd);
        timeoutMs = BlockingRequest.ParseTimeout(args[1]);
        return parsed;
    }

    public byte[][] Keys(byte[][] args) => args[FirstKey..(FirstKey + KeyCount)];
}
