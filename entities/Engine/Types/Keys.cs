using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// The generic key commands of Redis's db.c and expire.c: existence, type, expiry, renaming,
/// copying, and the whole-keyspace commands (KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHALL/FLUSHDB).
/// </summary>
public static class Keys
{
    const string SameObject = "ERR source and destination objects are the same";
    const string DbOutOfRange = "ERR DB index is out of range";
    const string DbNotInt32 = "ERR value is out of range, value must between -2147483648 and 2147483647";

    /// <summary>Redis's dbnum default: DB indexes outside 0..15 are rejected while parsing.</summary>
    const int RedisDatabases = 16;

    // DEL and UNLINK: the number of keys removed (a key named twice counts once).
    public static Reply Del(CommandContext ctx, byte[][] args)
    {
        long deleted = 0;
        for (var i = 1; i < args.Length; i++)
            if (ctx.Delete(args[i]))
            {
                deleted++;
                ctx.Notify('g', "del", args[i]);
            }
        return Reply.Integer(deleted);
    }

    // EXISTS counts every argument that names a live key, duplicates included.
    public static Reply Exists(CommandContext ctx, byte[][] args)
    {
        long found = 0;
        for (var i = 1; i < args.Length; i++)
            if (ctx.Lookup(args[i]) is not null) found++;
        return Reply.Integer(found);
    }

    static readonly Reply[] TypeReplies =
        Enum.GetValues<RedisType>().Select(t => Reply.Simple(KeyState.TypeName(t))).ToArray();

    public static Reply Type(CommandContext ctx, byte[][] args) =>
        TypeReplies[(int)(ctx.Lookup(args[1])?.Type ?? RedisType.None)];

    public static Reply Expire(CommandContext ctx, byte[][] args) => ExpireGeneric(ctx, args, ctx.NowMs, seconds: true);
    public static Reply PExpire(CommandContext ctx, byte[][] args) => ExpireGeneric(ctx, args, ctx.NowMs, seconds: false);
    public static Reply ExpireAt(CommandContext ctx, byte[][] args) => ExpireGeneric(ctx, args, 0, seconds: true);
    public static Reply PExpireAt(CommandContext ctx, byte[][] args) => ExpireGeneric(ctx, args, 0, seconds: false);

    [Flags]
    enum ExpireFlags { None = 0, Nx = 1, Xx = 2, Gt = 4, Lt = 8 }

    /// <summary>expire.c expireGenericCommand: options, then the time, then overflow, then the key.</summary>
    static Reply ExpireGeneric(CommandContext ctx, byte[][] args, long basetime, bool seconds)
    {
        var flags = ParseExpireFlags(args);
        var when = Numbers.ParseLong(args[2]);
        if (seconds)
        {
            if (when > long.MaxValue / 1000 || when < long.MinValue / 1000) throw InvalidExpireTime(args);
            when *= 1000;
        }
        if (when > long.MaxValue - basetime) throw InvalidExpireTime(args);
        when += basetime;

        var key = args[1];
        var state = ctx.Lookup(key);
        if (state is null) return Reply.Zero;

        if (flags != ExpireFlags.None)
        {
            var current = state.ExpiresAt;
            if (flags.HasFlag(ExpireFlags.Nx) && current is not null) return Reply.Zero;
            if (flags.HasFlag(ExpireFlags.Xx) && current is null) return Reply.Zero;
            // No TTL counts as an infinite one: GT never beats it, LT always does.
            if (flags.HasFlag(ExpireFlags.Gt) && (current is null || when <= current)) return Reply.Zero;
            if (flags.HasFlag(ExpireFlags.Lt) && current is not null && when >= current) return Reply.Zero;
        }

        if (when <= ctx.NowMs)
        {
            // A time already past deletes the key, as Redis does.
            ctx.Keyspace.Remove(key);
            ctx.Notify('g', "del", key);
            return Reply.One;
        }
        state.ExpiresAt = when;
        ctx.Modified(key, state);
        ctx.Notify('g', "expire", key);
        return Reply.One;
    }

    static ExpireFlags ParseExpireFlags(byte[][] args)
    {
        var flags = ExpireFlags.None;
        for (var i = 3; i < args.Length; i++)
        {
            flags |= Option(args[i]) switch
            {
                "nx" => ExpireFlags.Nx,
                "xx" => ExpireFlags.Xx,
                "gt" => ExpireFlags.Gt,
                "lt" => ExpireFlags.Lt,
                _ => throw new RedisException("ERR Unsupported option " + Bytes.Text(args[i])),
            };
        }
        if (flags.HasFlag(ExpireFlags.Nx) && (flags & (ExpireFlags.Xx | ExpireFlags.Gt | ExpireFlags.Lt)) != 0)
            throw new RedisException("ERR NX and XX, GT or LT options at the same time are not compatible");
        if (flags.HasFlag(ExpireFlags.Gt) && flags.HasFlag(ExpireFlags.Lt))
            throw new RedisException("ERR GT and LT options at the same time are not compatible");
        return flags;
    }

    static RedisException InvalidExpireTime(byte[][] args) =>
        new($"ERR invalid expire time in '{Option(args[0])}' command");

    public static Reply Ttl(CommandContext ctx, byte[][] args) => TtlGeneric(ctx, args, milliseconds: false, absolute: false);
    public static Reply PTtl(CommandContext ctx, byte[][] args) => TtlGeneric(ctx, args, milliseconds: true, absolute: false);
    public static Reply ExpireTime(CommandContext ctx, byte[][] args) => TtlGeneric(ctx, args, milliseconds: false, absolute: true);
    public static Reply PExpireTime(CommandContext ctx, byte[][] args) => TtlGeneric(ctx, args, milliseconds: true, absolute: true);

    /// <summary>expire.c ttlGenericCommand: -2 missing, -1 persistent; seconds are rounded.</summary>
    static Reply TtlGeneric(CommandContext ctx, byte[][] args, bool milliseconds, bool absolute)
    {
        var state = ctx.Lookup(args[1]);
        if (state is null) return Reply.Integer(-2);
        if (state.ExpiresAt is not { } at) return Reply.Integer(-1);
        var ttl = Math.Max(0, absolute ? at : at - ctx.NowMs);
        // Rounded in unsigned arithmetic: ttl + 500 may pass long.MaxValue (Redis answers as if it did not overflow).
        return Reply.Integer(milliseconds ? ttl : (long)(((ulong)ttl + 500) / 1000));
    }

    public static Reply Persist(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1]);
        if (state?.ExpiresAt is null) return Reply.Zero;
        state.ExpiresAt = null;
        ctx.Modified(args[1], state);
        ctx.Notify('g', "persist", args[1]);
        return Reply.One;
    }

    public static Reply Rename(CommandContext ctx, byte[][] args) => RenameGeneric(ctx, args, nx: false);
    public static Reply RenameNx(CommandContext ctx, byte[][] args) => RenameGeneric(ctx, args, nx: true);

    /// <summary>db.c renameGenericCommand: the value moves with its TTL.</summary>
    static Reply RenameGeneric(CommandContext ctx, byte[][] args, bool nx)
    {
        byte[] source = args[1], destination = args[2];
        var state = ctx.Lookup(source) ?? throw new RedisException(Errors.NoSuchKey);
        if (Bytes.Comparer.Equals(source, destination)) return nx ? Reply.Zero : Reply.Ok;
        if (nx && ctx.Lookup(destination) is not null) return Reply.Zero;
        ctx.Keyspace.Remove(source);
        ctx.Replace(destination, state);
        ctx.Notify('g', "rename_from", source);
        ctx.Notify('g', "rename_to", destination);
        return nx ? Reply.One : Reply.Ok;
    }

    /// <summary>
    /// COPY source destination [DB index] [REPLACE]. This store has one database, db 0: another
    /// index that Redis would accept (1..15) is refused with Redis's out-of-range error.
    /// </summary>
    public static Reply Copy(CommandContext ctx, byte[][] args)
    {
        var replace = false;
        long db = 0;
        for (var i = 3; i < args.Length; i++)
        {
            var option = Option(args[i]);
            if (option == "replace")
            {
                replace = true;
            }
            else if (option == "db" && i + 1 < args.Length)
            {
                db = DbIndex(args[++i], null);
                if (db is < 0 or >= RedisDatabases) throw new RedisException(DbOutOfRange);
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }
        if (db != 0) throw new RedisException(DbOutOfRange);

        byte[] source = args[1], destination = args[2];
        if (Bytes.Comparer.Equals(source, destination)) throw new RedisException(SameObject);
        var state = ctx.Lookup(source);
        if (state is null) return Reply.Zero;
        if (!replace && ctx.Lookup(destination) is not null) return Reply.Zero;
        var copy = state.Clone();
        Objects.Unshare(copy);
        ctx.Replace(destination, copy);
        ctx.Notify('g', "copy_to", destination);
        return Reply.One;
    }

    /// <summary>
    /// MOVE key db: this store has one database, so it answers as redis-server with "databases 1"
    /// does: db 0 is the key's own ("the same"), any other index is out of range.
    /// </summary>
    public static Reply Move(CommandContext ctx, byte[][] args)
    {
        var db = DbIndex(args[2], null);
        if (db != 0) throw new RedisException(DbOutOfRange);
        throw new RedisException(SameObject);
    }

    /// <summary>SWAPDB index1 index2: with one database, only 0 and 0 can be swapped (a no-op), as in redis-server with "databases 1".</summary>
    public static Reply SwapDb(CommandContext ctx, byte[][] args)
    {
        var first = DbIndex(args[1], "ERR invalid first DB index");
        var second = DbIndex(args[2], "ERR invalid second DB index");
        if (first != 0 || second != 0) throw new RedisException(DbOutOfRange);
        return Reply.Ok;
    }

    /// <summary>getIntFromObjectOrReply: an int, with Redis's texts (one <paramref name="message"/> for both failures when given).</summary>
    static long DbIndex(byte[] arg, string? message)
    {
        if (!Numbers.TryParseLong(arg, out var db)) throw new RedisException(message ?? Errors.NotInteger);
        if (db is < int.MinValue or > int.MaxValue) throw new RedisException(message ?? DbNotInt32);
        return db;
    }

    // TOUCH: like EXISTS, every argument naming a live key counts (we keep no access times).
    public static Reply Touch(CommandContext ctx, byte[][] args) => Exists(ctx, args);

    public static Reply KeysCommand(CommandContext ctx, byte[][] args)
    {
        var pattern = args[1];
        var all = pattern is [(byte)'*'];
        var found = new List<Reply>();
        ForEachLive(ctx, (key, _) =>
        {
            if (all || Glob.Match(pattern, key)) found.Add(Reply.Bulk(key));
        });
        return Reply.Array(found);
    }

    /// <summary>
    /// SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]. As in Redis, COUNT bounds the keys
    /// visited and MATCH/TYPE filter a page afterwards, so a page may come back empty.
    /// </summary>
    public static Reply Scan(CommandContext ctx, byte[][] args)
    {
        var options = Keyspace.Scan.Parse(args, 1, allowType: true);
        var live = new List<KeyValuePair<byte[], KeyState>>();
        ForEachLive(ctx, (key, state) => live.Add(new(key, state)));
        var (next, page) = Keyspace.Scan.Page(live, e => e.Key, options.Cursor, options.Count);
        var keys = new List<byte[]>(page.Count);
        foreach (var (key, state) in page)
        {
            if (!options.Matches(key)) continue;
            if (options.Type is { } type && !Encoding.ASCII.GetString(type).Equals(KeyState.TypeName(state.Type), StringComparison.OrdinalIgnoreCase))
                continue;
            keys.Add(key);
        }
        return Keyspace.Scan.Reply(next, keys);
    }

    /// <summary>
    /// A uniformly random live key (reservoir sampling): the keyspace interface offers no random
    /// access, so this is O(n) where Redis's dictGetFairRandomKey is O(1).
    /// </summary>
    public static Reply RandomKey(CommandContext ctx, byte[][] args)
    {
        byte[]? chosen = null;
        long seen = 0;
        ForEachLive(ctx, (key, _) =>
        {
            if (ctx.Random.NextInt64(++seen) == 0) chosen = key;
        });
        return Reply.Bulk(chosen);
    }

    public static Reply DbSize(CommandContext ctx, byte[][] args)
    {
        long count = 0;
        ForEachLive(ctx, (_, _) => count++);
        return Reply.Integer(count);
    }

    /// <summary>FLUSHALL and FLUSHDB [ASYNC|SYNC]: both empty the one database.</summary>
    public static Reply FlushAll(CommandContext ctx, byte[][] args)
    {
        if (args.Length > 2 || (args.Length == 2 && Option(args[1]) is not ("sync" or "async")))
            throw new RedisException(Errors.Syntax);
        ctx.EnumerableKeyspace.Clear();
        return Reply.Ok;
    }

    /// <summary>
    /// Visits every live key of the whole keyspace. Expired keys are never shown and are dropped
    /// afterwards (lazy expiry; not during the walk, which must not change the collection).
    /// </summary>
    internal static void ForEachLive(CommandContext ctx, Action<byte[], KeyState> visit)
    {
        List<byte[]>? expired = null;
        foreach (var (key, state) in ctx.EnumerableKeyspace.Entries)
        {
            if (state.IsExpired(ctx.NowMs)) (expired ??= []).Add(key);
            else visit(key, state);
        }
        if (expired is null) return;
        foreach (var key in expired) ctx.Lookup(key); // removes it and counts it as expired
    }

    /// <summary>An option word, lower-cased for case-insensitive comparison.</summary>
    static string Option(byte[] arg) => arg.Length > 32 ? "" : Encoding.ASCII.GetString(arg).ToLowerInvariant();
}
