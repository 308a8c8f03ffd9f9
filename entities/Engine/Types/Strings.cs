using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// The string commands of Redis 7.0 (t_string.c). A string value is an immutable byte[] in
/// <see cref="KeyState.String"/> (states may share it after COPY), so every change builds a new
/// array; errors are raised before anything is written.
/// </summary>
public static class Strings
{
    /// <summary>proto-max-bulk-len's default: Redis's largest string, here the bound of the bit offsets read and of LCS's memory.</summary>
    internal const long MaxStringLength = 512L * 1024 * 1024;

    internal const string StringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

    /// <summary>
    /// The largest string a command may build here (Redis: <see cref="MaxStringLength"/>, which still
    /// bounds the offsets read). A key's state is stored as JSON, and System.Text.Json writes one value
    /// of at most 125,000,000 bytes as base64 (166,666,666 as text): past that the store could not keep
    /// the key, so APPEND, SETRANGE, SETBIT and BITFIELD refuse, with Redis's error, before anything
    /// changes (tests/tools/bigvalues.sh found the writer's limit; docs/limits.md).
    /// </summary>
    public const long MaxStoredLength = 125_000_000;
    const string OffsetOutOfRange = "ERR offset is out of range";
    const string DecrementOverflow = "ERR decrement would overflow";

    static string InvalidExpire(string command) => $"ERR invalid expire time in '{command}' command";

    static readonly Reply EmptyBulk = Reply.Bulk([]);

    /// <summary>The OBJ_* flags of setGenericCommand / parseExtendedStringArgumentsOrReply.</summary>
    [Flags]
    enum Opt
    {
        None = 0,
        Nx = 1 << 0,
        Xx = 1 << 1,
        Ex = 1 << 2,
        Px = 1 << 3,
        KeepTtl = 1 << 4,
        Get = 1 << 5,
        ExAt = 1 << 6,
        PxAt = 1 << 7,
        Persist = 1 << 8,
        AnyExpire = Ex | Px | ExAt | PxAt,
    }

    // ------------------------------------------------------------------ GET / SET family

    public static Reply Get(CommandContext ctx, byte[][] args) =>
        Reply.Bulk(ctx.Lookup(args[1], RedisType.String)?.String);

    /// <summary>SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]</summary>
    public static Reply Set(CommandContext ctx, byte[][] args)
    {
        var flags = ParseOptions(args, 3, forSet: true, out var expire);
        var when = expire is null ? 0 : ExpireAt(ctx, expire, flags, "set");
        return SetGeneric(ctx, flags, args[1], args[2], expire is not null, when, Reply.Ok, Reply.Nil);
    }

    public static Reply SetNx(CommandContext ctx, byte[][] args) =>
        SetGeneric(ctx, Opt.Nx, args[1], args[2], false, 0, Reply.One, Reply.Zero);

    public static Reply SetEx(CommandContext ctx, byte[][] args)
    {
        var when = ExpireAt(ctx, args[2], Opt.Ex, "setex");
        return SetGeneric(ctx, Opt.Ex, args[1], args[3], true, when, Reply.Ok, Reply.Nil);
    }

    public static Reply PSetEx(CommandContext ctx, byte[][] args)
    {
        var when = ExpireAt(ctx, args[2], Opt.Px, "psetex");
        return SetGeneric(ctx, Opt.Px, args[1], args[3], true, when, Reply.Ok, Reply.Nil);
    }

    public static Reply GetSet(CommandContext ctx, byte[][] args)
    {
        var old = ctx.Lookup(args[1], RedisType.String);
        ctx.Replace(args[1], KeyState.OfString(args[2])); // a plain set: the TTL goes
        ctx.Notify('$', "set", args[1]);
        return Reply.Bulk(old?.String);
    }

    public static Reply GetDel(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.String);
        if (state is null) return Reply.Nil;
        ctx.Delete(args[1]);
        ctx.Notify('g', "del", args[1]);
        return Reply.Bulk(state.String);
    }

    /// <summary>GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]</summary>
    public static Reply GetEx(CommandContext ctx, byte[][] args)
    {
        var flags = ParseOptions(args, 2, forSet: false, out var expire);
        var key = args[1];
        var state = ctx.Lookup(key, RedisType.String);
        if (state is null) return Reply.Nil; // a missing key never looks at the expire value
        var when = expire is null ? 0 : ExpireAt(ctx, expire, flags, "getex");
        var reply = Reply.Bulk(state.String);
        if ((flags & (Opt.ExAt | Opt.PxAt)) != 0 && when <= ctx.NowMs)
        {
            ctx.Delete(key); // an absolute time already past deletes the key
            ctx.Notify('g', "del", key);
        }
        else if (expire is not null)
        {
            state.ExpiresAt = when;
            ctx.Modified(key, state);
            ctx.Notify('g', "expire", key);
        }
        else if ((flags & Opt.Persist) != 0 && state.ExpiresAt is not null)
        {
            state.ExpiresAt = null;
            ctx.Modified(key, state);
            ctx.Notify('g', "persist", key);
        }
        return reply;
    }

    static Reply SetGeneric(CommandContext ctx, Opt flags, byte[] key, byte[] value, bool hasExpire, long when,
        Reply okReply, Reply abortReply)
    {
        var get = (flags & Opt.Get) != 0;
        // With GET the old value is read (and type-checked) first; SET alone overwrites any type.
        var current = get ? ctx.Lookup(key, RedisType.String) : ctx.Lookup(key);
        var found = current is not null;
        if (((flags & Opt.Nx) != 0 && found) || ((flags & Opt.Xx) != 0 && !found))
            return get ? Reply.Bulk(current?.String) : abortReply;
        var state = KeyState.OfString(value);
        if ((flags & Opt.KeepTtl) != 0) state.ExpiresAt = current?.ExpiresAt;
        if (hasExpire) state.ExpiresAt = when; // may already be past (EXAT/PXAT): then the key reads as gone
        ctx.Replace(key, state);
        ctx.Notify('$', "set", key);
        if (hasExpire) ctx.Notify('g', "expire", key);
        return get ? Reply.Bulk(current?.String) : okReply;
    }

    /// <summary>
    /// parseExtendedStringArgumentsOrReply: SET takes NX XX GET KEEPTTL, GETEX takes PERSIST, both
    /// take EX PX EXAT PXAT; an option that conflicts with one already seen is a syntax error
    /// (repeating the same one is not), as is an expire option with no value after it.
    /// </summary>
    static Opt ParseOptions(byte[][] args, int first, bool forSet, out byte[]? expire)
    {
        var flags = Opt.None;
        expire = null;
        for (var j = first; j < args.Length; j++)
        {
            var opt = args[j];
            var hasNext = j < args.Length - 1;
            if (forSet && Is(opt, "NX") && (flags & Opt.Xx) == 0) flags |= Opt.Nx;
            else if (forSet && Is(opt, "XX") && (flags & Opt.Nx) == 0) flags |= Opt.Xx;
            else if (forSet && Is(opt, "GET")) flags |= Opt.Get;
            else if (forSet && Is(opt, "KEEPTTL") && (flags & (Opt.Persist | Opt.AnyExpire)) == 0) flags |= Opt.KeepTtl;
            else if (!forSet && Is(opt, "PERSIST") && (flags & (Opt.AnyExpire | Opt.KeepTtl)) == 0) flags |= Opt.Persist;
            else if (hasNext && (flags & (Opt.KeepTtl | Opt.Persist)) == 0 && ExpireOption(opt) is var unit and not Opt.None
                     && (flags & Opt.AnyExpire & ~unit) == 0)
            {
                flags |= unit;
                expire = args[++j];
            }
            else throw new RedisException(Errors.Syntax);
        }
        return flags;
    }

    static Opt ExpireOption(byte[] opt) =>
        Is(opt, "EX") ? Opt.Ex : Is(opt, "PX") ? Opt.Px : Is(opt, "EXAT") ? Opt.ExAt : Is(opt, "PXAT") ? Opt.PxAt : Opt.None;

    /// <summary>
    /// Case-insensitive option match with C-string semantics: Redis compares the NUL-terminated
    /// argument, so "nx\0anything" still reads as NX.
    /// </summary>
    static bool Is(byte[] arg, string upper)
    {
        if (arg.Length < upper.Length) return false;
        for (var i = 0; i < upper.Length; i++)
            if ((arg[i] & 0xDF) != upper[i]) return false; // upper is letters only
        return arg.Length == upper.Length || arg[upper.Length] == 0;
    }

    /// <summary>getExpireMillisecondsOrReply: the absolute expiry in unix ms, or Redis's errors.</summary>
    static long ExpireAt(CommandContext ctx, byte[] arg, Opt flags, string command)
    {
        if (!Numbers.TryParseLong(arg, out var ms)) throw new RedisException(Errors.NotInteger);
        var seconds = (flags & (Opt.Ex | Opt.ExAt)) != 0;
        if (ms <= 0 || (seconds && ms > long.MaxValue / 1000)) throw new RedisException(InvalidExpire(command));
        if (seconds) ms *= 1000;
        if ((flags & (Opt.Ex | Opt.Px)) != 0) ms = unchecked(ms + ctx.NowMs); // wraps negative on overflow, as in C
        if (ms <= 0) throw new RedisException(InvalidExpire(command));
        return ms;
    }

    // ------------------------------------------------------------------ multi-key

    public static Reply MGet(CommandContext ctx, byte[][] args)
    {
        var items = new Reply[args.Length - 1];
        for (var j = 1; j < args.Length; j++)
        {
            var state = ctx.Lookup(args[j]);
            items[j - 1] = state?.String is { } s ? Reply.Bulk(s) : Reply.Nil; // other types read as nil
        }
        return Reply.Array(items);
    }

    public static Reply MSet(CommandContext ctx, byte[][] args)
    {
        if (args.Length % 2 == 0) throw new RedisException(Errors.WrongArity("mset"));
        for (var j = 1; j < args.Length; j += 2)
        {
            ctx.Replace(args[j], KeyState.OfString(args[j + 1]));
            ctx.Notify('$', "set", args[j]);
        }
        return Reply.Ok;
    }

    public static Reply MSetNx(CommandContext ctx, byte[][] args)
    {
        if (args.Length % 2 == 0) throw new RedisException(Errors.WrongArity("msetnx"));
        for (var j = 1; j < args.Length; j += 2)
            if (ctx.Lookup(args[j]) is not null) return Reply.Zero;
        for (var j = 1; j < args.Length; j += 2)
        {
            ctx.Replace(args[j], KeyState.OfString(args[j + 1]));
            ctx.Notify('$', "set", args[j]);
        }
        return Reply.One;
    }

    // ------------------------------------------------------------------ counters

    public static Reply Incr(CommandContext ctx, byte[][] args) => IncrDecr(ctx, args[1], 1);

    public static Reply Decr(CommandContext ctx, byte[][] args) => IncrDecr(ctx, args[1], -1);

    public static Reply IncrBy(CommandContext ctx, byte[][] args) => IncrDecr(ctx, args[1], Numbers.ParseLong(args[2]));

    public static Reply DecrBy(CommandContext ctx, byte[][] args)
    {
        var by = Numbers.ParseLong(args[2]);
        if (by == long.MinValue) throw new RedisException(DecrementOverflow); // -LLONG_MIN overflows
        return IncrDecr(ctx, args[1], -by);
    }

    static Reply IncrDecr(CommandContext ctx, byte[] key, long incr)
    {
        var state = ctx.Lookup(key, RedisType.String);
        long value = 0;
        if (state is not null && !Numbers.TryParseLong(state.String, out value)) throw new RedisException(Errors.NotInteger);
        if ((incr < 0 && value < 0 && incr < long.MinValue - value) ||
            (incr > 0 && value > 0 && incr > long.MaxValue - value))
            throw new RedisException(Errors.Overflow);
        value += incr;
        Store(ctx, key, state, FormatLong(value));
        ctx.Notify('$', "incrby", key);
        return Reply.Integer(value);
    }

    public static Reply IncrByFloat(CommandContext ctx, byte[][] args)
    {
        var key = args[1];
        var state = ctx.Lookup(key, RedisType.String); // the type is checked before either number
        var value = LongDouble.Zero;
        if (state is not null && !LongDouble.TryParse(state.String, out value)) throw new RedisException(Errors.NotFloat);
        if (!LongDouble.TryParse(args[2], out var incr)) throw new RedisException(Errors.NotFloat);
        var sum = value + incr;
        if (!sum.IsFinite) throw new RedisException(Errors.NanOrInfinity);
        var text = sum.Format();
        Store(ctx, key, state, text, Objects.StringObjectEncoding(text)); // Redis creates a string object, never an int
        ctx.Notify('$', "incrbyfloat", key);
        return Reply.Bulk(text);
    }

    /// <summary>
    /// Writes a new value into an existing string (keeping its TTL) or creates the key; held as
    /// <paramref name="encoding"/> when given (OBJECT ENCODING), else as its bytes imply.
    /// </summary>
    internal static void Store(CommandContext ctx, byte[] key, KeyState? state, byte[] value, string? encoding = null)
    {
        var stored = state ?? KeyState.OfString(value);
        stored.String = value;
        stored.StringEncoding = null;
        if (encoding is not null) Objects.HoldString(stored, encoding);
        if (state is null) ctx.Replace(key, stored);
        else ctx.Modified(key, stored);
    }

    static byte[] FormatLong(long value)
    {
        Span<byte> buf = stackalloc byte[20];
        value.TryFormat(buf, out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        return buf[..n].ToArray();
    }

    // ------------------------------------------------------------------ byte ranges

    public static Reply Append(CommandContext ctx, byte[][] args)
    {
        var key = args[1];
        var tail = args[2];
        var state = ctx.Lookup(key, RedisType.String);
        if (state is null)
        {
            ctx.Replace(key, KeyState.OfString(tail));
            ctx.Notify('$', "append", key);
            return Reply.Integer(tail.Length);
        }
        var old = state.String!;
        if ((long)old.Length + tail.Length > MaxStoredLength) throw new RedisException(StringTooLong);
        // A new array: the old one may be shared (COPY), and the whole state is rewritten anyway.
        var value = new byte[old.Length + tail.Length];
        old.CopyTo(value, 0);
        tail.CopyTo(value, old.Length);
        Store(ctx, key, state, value, "raw"); // appended to in place
        ctx.Notify('$', "append", key);
        return Reply.Integer(value.Length);
    }

    public static Reply StrLen(CommandContext ctx, byte[][] args) =>
        Reply.Integer(ctx.Lookup(args[1], RedisType.String)?.String!.Length ?? 0);

    public static Reply GetRange(CommandContext ctx, byte[][] args)
    {
        var start = Numbers.ParseLong(args[2]);
        var end = Numbers.ParseLong(args[3]);
        var state = ctx.Lookup(args[1], RedisType.String);
        if (state is null) return EmptyBulk;
        var s = state.String!;
        long len = s.Length;
        if (start < 0 && end < 0 && start > end) return EmptyBulk;
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= len) end = len - 1;
        if (start > end || len == 0) return EmptyBulk;
        return Reply.Bulk(s.AsSpan((int)start, (int)(end - start + 1)).ToArray());
    }

    public static Reply SetRange(CommandContext ctx, byte[][] args)
    {
        var key = args[1];
        var offset = Numbers.ParseLong(args[2]);
        var patch = args[3];
        if (offset < 0) throw new RedisException(OffsetOutOfRange);
        var state = ctx.Lookup(key, RedisType.String);
        if (state is null)
        {
            if (patch.Length == 0) return Reply.Zero; // nothing set on a missing key
            CheckLength(offset, patch.Length);
            var created = new byte[offset + patch.Length];
            patch.CopyTo(created, offset);
            Store(ctx, key, null, created, "raw"); // Redis creates it raw, to be changed in place
            ctx.Notify('$', "setrange", key);
            return Reply.Integer(created.Length);
        }
        var old = state.String!;
        if (patch.Length == 0) return Reply.Integer(old.Length);
        CheckLength(offset, patch.Length);
        var value = new byte[Math.Max(old.Length, offset + patch.Length)];
        old.CopyTo(value, 0);
        patch.CopyTo(value, offset);
        Store(ctx, key, state, value, "raw");
        ctx.Notify('$', "setrange", key);
        return Reply.Integer(value.Length);
    }

    static void CheckLength(long offset, int append)
    {
        if (offset > MaxStoredLength - append) throw new RedisException(StringTooLong);
    }

    // ------------------------------------------------------------------ LCS

    const string LcsNotStrings = "ERR The specified keys must contain string values";
    const string LcsLenAndIdx = "ERR If you want both the length and indexes, please just use IDX.";
    const string LcsTooBig = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";

    /// <summary>
    /// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] (lcsCommand): the longest
    /// common subsequence by the textbook dynamic programme, walked back from the end as Redis
    /// walks it, so that among several LCSs the same one (and the same IDX ranges, last match
    /// first) comes out. Missing keys are empty strings.
    /// </summary>
    public static Reply Lcs(CommandContext ctx, byte[][] args)
    {
        var stateA = ctx.Lookup(args[1]);
        var stateB = ctx.Lookup(args[2]);
        if (stateA is { Type: not RedisType.String } || stateB is { Type: not RedisType.String })
            throw new RedisException(LcsNotStrings);
        var a = stateA?.String ?? [];
        var b = stateB?.String ?? [];

        bool getLen = false, getIdx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (var j = 3; j < args.Length; j++)
        {
            var moreArgs = args.Length - 1 - j;
            if (Is(args[j], "IDX")) getIdx = true;
            else if (Is(args[j], "LEN")) getLen = true;
            else if (Is(args[j], "WITHMATCHLEN")) withMatchLen = true;
            else if (Is(args[j], "MINMATCHLEN") && moreArgs > 0)
            {
                minMatchLen = Math.Max(0, Numbers.ParseLong(args[++j]));
            }
            else throw new RedisException(Errors.Syntax);
        }
        if (getLen && getIdx) throw new RedisException(LcsLenAndIdx);

        // The table of LCS lengths of every pair of prefixes, as large as Redis allows it.
        int aLen = a.Length, bLen = b.Length, width = bLen + 1;
        if ((long)(aLen + 1) * width * sizeof(uint) > MaxStringLength) throw new RedisException(LcsTooBig);
        var lcs = new uint[(aLen + 1) * width];
        for (var i = 1; i <= aLen; i++)
        for (var j = 1; j <= bLen; j++)
            lcs[i * width + j] = a[i - 1] == b[j - 1]
                ? lcs[(i - 1) * width + j - 1] + 1
                : Math.Max(lcs[(i - 1) * width + j], lcs[i * width + j - 1]);
        var length = lcs[aLen * width + bLen];
        if (getLen) return Reply.Integer(length);

        var result = new byte[length];
        var matches = new List<Reply>();
        var idx = (int)length;
        // A range is "unset" while aStart == aLen, as in Redis.
        int aStart = aLen, aEnd = 0, bStart = 0, bEnd = 0;
        for (int i = aLen, j = bLen; i > 0 && j > 0;)
        {
            var emit = false;
            if (a[i - 1] == b[j - 1])
            {
                result[idx - 1] = a[i - 1];
                if (aStart == aLen)
                {
                    aStart = aEnd = i - 1;
                    bStart = bEnd = j - 1;
                }
                else if (aStart == i && bStart == j)
                {
                    aStart--; // the match continues the current range backwards
                    bStart--;
                }
                else emit = true;
                if (aStart == 0 || bStart == 0) emit = true;
                idx--;
                i--;
                j--;
            }
            else
            {
                if (lcs[(i - 1) * width + j] > lcs[i * width + j - 1]) i--;
                else j--;
                if (aStart != aLen) emit = true;
            }
            if (!emit) continue;
            var matchLen = aEnd - aStart + 1;
            if (getIdx && (minMatchLen == 0 || matchLen >= minMatchLen))
            {
                var range = new List<Reply>(3)
                {
                    Reply.Array([Reply.Integer(aStart), Reply.Integer(aEnd)]),
                    Reply.Array([Reply.Integer(bStart), Reply.Integer(bEnd)]),
                };
                if (withMatchLen) range.Add(Reply.Integer(matchLen));
                matches.Add(Reply.Array(range));
            }
            aStart = aLen; // the next match starts a new range
        }
        if (!getIdx) return Reply.Bulk(result);
        return Reply.Array([Reply.Bulk("matches"), Reply.Array(matches), Reply.Bulk("len"), Reply.Integer(length)]);
    }
}
