using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// The value of a hash key: field -> value, binary-safe. Fields live in dense arrays indexed by a
/// dictionary (field -> slot), so lookups, sets and deletes are O(1) like Redis's dict and
/// HRANDFIELD picks a uniformly random field in O(1) (a plain Dictionary has no random access).
/// A delete moves the last slot into the hole, so the arrays stay dense. A field may carry an
/// absolute expiry (Redis 7.4's hash field expiration: HEXPIRE, HSETEX...), kept in a third array
/// allocated with the first one; expired fields are removed on access (<see cref="RemoveExpired"/>).
/// It also remembers Redis's encoding (listpack while small, hashtable once it ever grew past
/// hash-max-listpack-entries fields or held a field or value over hash-max-listpack-value bytes,
/// never back), because HSCAN answers differently for the two and OBJECT ENCODING tells it.
/// </summary>
[JsonConverter(typeof(HashValueJsonConverter))]
public sealed class HashValue
{
    readonly Dictionary<byte[], int> slots;
    byte[][] fields;
    byte[][] values;

    /// <summary>Each field's expiry in unix ms (0: none), allocated when a first field gets one.</summary>
    long[]? expiries;

    /// <summary>How many fields have an expiry: while 0, nothing expires and <see cref="expiries"/> may be dropped.</summary>
    int volatileFields;

    int count;
    bool hashtable;

    /// <summary>HSCAN's iteration order (slots sorted by cursor position), built on demand, dropped on add/remove.</summary>
    (ulong Position, int Slot)[]? scanOrder;

    public HashValue() : this(0) { }

    public HashValue(int capacity)
    {
        slots = new Dictionary<byte[], int>(capacity, Bytes.Comparer);
        fields = capacity == 0 ? [] : new byte[capacity][];
        values = capacity == 0 ? [] : new byte[capacity][];
    }

    public int Count => count;

    /// <summary>
    /// What OBJECT ENCODING says: "listpack" or "hashtable" (Redis 7.0's), and "listpackex" for a
    /// listpack whose fields have expiries (Redis 7.4's name for that listpack).
    /// </summary>
    public string Encoding => hashtable ? "hashtable" : volatileFields > 0 ? "listpackex" : "listpack";

    /// <summary>True while Redis would keep this hash as a listpack (HSCAN then returns it whole).</summary>
    public bool IsListpack => !hashtable;

    public byte[]? Get(byte[] field) => slots.TryGetValue(field, out var slot) ? values[slot] : null;

    public bool Contains(byte[] field) => slots.ContainsKey(field);

    /// <summary>
    /// Sets a field; true when it is new. Converts the encoding as Redis's hashTypeSet does, at
    /// <paramref name="limits"/> (commands pass the context's; default: Redis's). A new value drops
    /// the field's expiry (HSET, HSETNX) unless <paramref name="keepExpiry"/> (HINCRBY, HSETEX KEEPTTL).
    /// </summary>
    public bool Set(byte[] field, byte[] value, EncodingLimits? limits = null, bool keepExpiry = false)
    {
        limits ??= EncodingLimits.Default;
        if (field.Length > limits.HashMaxListpackValue || value.Length > limits.HashMaxListpackValue) hashtable = true;
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(slots, field, out var exists);
        if (exists)
        {
            values[slot] = value;
            if (!keepExpiry) SetExpiryAt(slot, 0);
            return false;
        }
        if (count == fields.Length) Grow();
        slot = count;
        fields[count] = field;
        values[count] = value;
        count++;
        if (count > limits.HashMaxListpackEntries) hashtable = true;
        scanOrder = null;
        return true;
    }

    public bool Remove(byte[] field)
    {
        if (!slots.Remove(field, out var slot)) return false;
        SetExpiryAt(slot, 0);
        var last = --count;
        if (slot != last)
        {
            fields[slot] = fields[last];
            values[slot] = values[last];
            if (expiries is not null) expiries[slot] = expiries[last];
            slots[fields[slot]] = slot;
        }
        fields[last] = null!;
        values[last] = null!;
        if (expiries is not null) expiries[last] = 0;
        scanOrder = null;
        if (fields.Length >= 8 && count <= fields.Length / 4) Shrink(); // give memory back, like Redis's dict resize
        return true;
    }

    /// <summary>The field in slot <paramref name="slot"/> (0..Count-1): random access for HRANDFIELD.</summary>
    public byte[] FieldAt(int slot) => fields[slot];

    public byte[] ValueAt(int slot) => values[slot];

    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries
    {
        get
        {
            for (var i = 0; i < count; i++) yield return new(fields[i], values[i]);
        }
    }

    // ---------------------------------------------------------------- field expiry

    /// <summary>Whether any field has an expiry.</summary>
    public bool HasFieldExpiries => volatileFields > 0;

    /// <summary>A field's expiry in unix ms, or null when it has none (or does not exist).</summary>
    public long? FieldExpiry(byte[] field) =>
        expiries is not null && slots.TryGetValue(field, out var slot) && expiries[slot] != 0 ? expiries[slot] : null;

    /// <summary>Sets (or with null removes) an existing field's expiry; false when there is no such field.</summary>
    public bool SetFieldExpiry(byte[] field, long? expiresAt)
    {
        if (!slots.TryGetValue(field, out var slot)) return false;
        SetExpiryAt(slot, expiresAt ?? 0);
        return true;
    }

    void SetExpiryAt(int slot, long expiresAt)
    {
        var before = expiries?[slot] ?? 0;
        if (before == expiresAt) return;
        if (expiries is null) expiries = new long[fields.Length];
        expiries[slot] = expiresAt;
        volatileFields += (expiresAt != 0 ? 1 : 0) - (before != 0 ? 1 : 0);
        if (volatileFields == 0) expiries = null;
    }

    /// <summary>The earliest field expiry, or null when no field expires (O(n) while some do).</summary>
    public long? NextFieldExpiry
    {
        get
        {
            if (expiries is null) return null;
            long next = long.MaxValue;
            for (var i = 0; i < count; i++)
                if (expiries[i] != 0 && expiries[i] < next) next = expiries[i];
            return next;
        }
    }

    /// <summary>Removes the fields whose expiry is at or before <paramref name="nowMs"/>; how many there were.</summary>
    public int RemoveExpired(long nowMs)
    {
        if (expiries is null) return 0;
        List<byte[]>? expired = null;
        for (var i = 0; i < count; i++)
            if (expiries[i] != 0 && expiries[i] <= nowMs) (expired ??= []).Add(fields[i]);
        if (expired is null) return 0;
        foreach (var field in expired) Remove(field);
        return expired.Count;
    }

    public HashValue Clone()
    {
        var copy = new HashValue(count);
        for (var i = 0; i < count; i++) copy.Set(fields[i], values[i], EncodingLimits.Default);
        if (expiries is not null)
            for (var i = 0; i < count; i++) copy.SetExpiryAt(i, expiries[i]); // same slots: added in order
        copy.hashtable = hashtable; // COPY keeps the source's encoding in Redis too
        return copy;
    }

    /// <summary>
    /// One HSCAN page of a hashtable-encoded hash: the same cursor meaning as <see cref="Scan.Page{T}"/>
    /// (stable hash positions, ties kept together), but over a cached sorted order so a page costs
    /// O(log n + count) instead of sorting the whole hash on every call.
    /// </summary>
    internal (ulong Next, List<int> Slots) ScanPage(ulong cursor, long pageSize)
    {
        var order = scanOrder ??= BuildScanOrder();
        int lo = 0, hi = order.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (order[mid].Position < cursor) lo = mid + 1;
            else hi = mid;
        }
        var page = new List<int>((int)Math.Min(pageSize, order.Length - lo));
        var i = lo;
        while (i < order.Length && (page.Count < pageSize || order[i].Position == order[i - 1].Position))
            page.Add(order[i++].Slot);
        return (i < order.Length ? order[i].Position : 0, page);
    }

    (ulong, int)[] BuildScanOrder()
    {
        var order = new (ulong Position, int Slot)[count];
        for (var i = 0; i < count; i++) order[i] = (Scan.Position(fields[i]), i);
        Array.Sort(order, static (a, b) => a.Position.CompareTo(b.Position));
        return order;
    }

    void Shrink()
    {
        var size = fields.Length / 2;
        Array.Resize(ref fields, size);
        Array.Resize(ref values, size);
        if (expiries is not null) Array.Resize(ref expiries, size);
        slots.TrimExcess(size);
    }

    void Grow()
    {
        var size = Math.Max(4, fields.Length * 2);
        Array.Resize(ref fields, size);
        Array.Resize(ref values, size);
        if (expiries is not null) Array.Resize(ref expiries, size);
    }

    /// <summary>Sets the encoding the JSON reader found recorded.</summary>
    internal void ForceEncoding(bool asHashtable) => hashtable = asHashtable;

    /// <summary>Whether a hash with these contents, built fresh under Redis's default limits, would be a hashtable.</summary>
    internal bool DerivedHashtable()
    {
        var limits = EncodingLimits.Default;
        if (count > limits.HashMaxListpackEntries) return true;
        for (var i = 0; i < count; i++)
            if (fields[i].Length > limits.HashMaxListpackValue || values[i].Length > limits.HashMaxListpackValue) return true;
        return false;
    }
}

/// <summary>
/// A hash as a flat JSON array [field, value, field, value, ...] (each a string, or [base64] when
/// not UTF-8, as <see cref="BytesJsonConverter"/> writes them). When the encoding is not the one
/// its contents would get under Redis's default limits, a leading number records it (1: a
/// hashtable that shrank; 0: a listpack kept under raised limits), so HSCAN and OBJECT ENCODING
/// answer the same way after the entity's state is reloaded. Field expiries follow the pairs as
/// one object, <c>{"x": [pair index, unix ms, ...]}</c>.
/// </summary>
public sealed class HashValueJsonConverter : JsonConverter<HashValue>
{
    static readonly BytesJsonConverter BytesConverter = new();

    public override HashValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected a hash array");
        var hash = new HashValue();
        bool? recorded = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number)
        {
            recorded = reader.GetInt32() == 1;
            reader.Read();
        }
        while (reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                ReadExpiries(ref reader, hash);
                reader.Read();
                continue;
            }
            var field = BytesConverter.Read(ref reader, typeof(byte[]), options);
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray) throw new JsonException("a hash field without a value");
            var value = BytesConverter.Read(ref reader, typeof(byte[]), options);
            reader.Read();
            hash.Set(field, value, EncodingLimits.Default);
        }
        if (recorded is { } asHashtable) hash.ForceEncoding(asHashtable);
        return hash;
    }

    static void ReadExpiries(ref Utf8JsonReader reader, HashValue hash)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("x")) throw new JsonException("expected the field expiries {\"x\": [...]}");
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected [pair index, unix ms, ...]");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var index = reader.GetInt32();
            reader.Read();
            if (index < 0 || index >= hash.Count) throw new JsonException($"a field expiry for pair {index}, which the hash does not have");
            hash.SetFieldExpiry(hash.FieldAt(index), reader.GetInt64());
        }
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("expected the end of the field expiries");
    }

    public override void Write(Utf8JsonWriter writer, HashValue value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        if (value.IsListpack == value.DerivedHashtable()) writer.WriteNumberValue(value.IsListpack ? 0 : 1);
        for (var i = 0; i < value.Count; i++)
        {
            BytesConverter.Write(writer, value.FieldAt(i), options);
            BytesConverter.Write(writer, value.ValueAt(i), options);
        }
        if (value.HasFieldExpiries)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("x");
            for (var i = 0; i < value.Count; i++)
            {
                if (value.FieldExpiry(value.FieldAt(i)) is not { } at) continue;
                writer.WriteNumberValue(i);
                writer.WriteNumberValue(at);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}

/// <summary>The hash commands of Redis 7.0 (t_hash.c), argument checks in Redis's order.</summary>
public static class Hashes
{
    const string IncrNotFinite = "ERR value is NaN or Infinity";
    const string RandCountOutOfRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
    const string OutOfRange = "ERR value is out of range";

    static HashValue? Find(CommandContext ctx, byte[] key) => ctx.Lookup(key, RedisType.Hash)?.Hash;

    /// <summary>The key's state, or a new empty hash state (stored by ctx.Modified once it has a field).</summary>
    static KeyState FindOrCreate(CommandContext ctx, byte[] key) =>
        ctx.Lookup(key, RedisType.Hash) ?? new KeyState { Hash = new HashValue() };

    public static Reply HSet(CommandContext ctx, byte[][] args)
    {
        SetPairs(ctx, args, "hset", out var added);
        return Reply.Integer(added);
    }

    public static Reply HMSet(CommandContext ctx, byte[][] args)
    {
        SetPairs(ctx, args, "hmset", out _);
        return Reply.Ok;
    }

    static void SetPairs(CommandContext ctx, byte[][] args, string name, out int added)
    {
        if (args.Length % 2 == 1) throw new RedisException(Errors.WrongArity(name));
        var state = FindOrCreate(ctx, args[1]);
        var hash = state.Hash!;
        added = 0;
        for (var i = 2; i < args.Length; i += 2)
            if (hash.Set(args[i], args[i + 1], ctx.Limits)) added++;
        ctx.Modified(args[1], state);
        ctx.Notify('h', "hset", args[1]);
    }

    public static Reply HSetNx(CommandContext ctx, byte[][] args)
    {
        var state = FindOrCreate(ctx, args[1]);
        var hash = state.Hash!;
        if (hash.Contains(args[2])) return Reply.Zero;
        hash.Set(args[2], args[3], ctx.Limits);
        ctx.Modified(args[1], state);
        ctx.Notify('h', "hset", args[1]);
        return Reply.One;
    }

    public static Reply HGet(CommandContext ctx, byte[][] args) => Reply.Bulk(Find(ctx, args[1])?.Get(args[2]));

    public static Reply HMGet(CommandContext ctx, byte[][] args)
    {
        var hash = Find(ctx, args[1]);
        var items = new Reply[args.Length - 2];
        for (var i = 2; i < args.Length; i++) items[i - 2] = Reply.Bulk(hash?.Get(args[i]));
        return Reply.Array(items);
    }

    public static Reply HGetAll(CommandContext ctx, byte[][] args)
    {
        var hash = Find(ctx, args[1]);
        if (hash is null) return Reply.EmptyArray;
        var items = new Reply[hash.Count * 2];
        for (var i = 0; i < hash.Count; i++)
        {
            items[2 * i] = Reply.Bulk(hash.FieldAt(i));
            items[2 * i + 1] = Reply.Bulk(hash.ValueAt(i));
        }
        return Reply.Array(items);
    }

    public static Reply HKeys(CommandContext ctx, byte[][] args) => Column(ctx, args, values: false);

    public static Reply HVals(CommandContext ctx, byte[][] args) => Column(ctx, args, values: true);

    static Reply Column(CommandContext ctx, byte[][] args, bool values)
    {
        var hash = Find(ctx, args[1]);
        if (hash is null) return Reply.EmptyArray;
        var items = new Reply[hash.Count];
        for (var i = 0; i < items.Length; i++) items[i] = Reply.Bulk(values ? hash.ValueAt(i) : hash.FieldAt(i));
        return Reply.Array(items);
    }

    public static Reply HDel(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Hash);
        if (state is null) return Reply.Zero;
        var deleted = 0;
        for (var i = 2; i < args.Length; i++)
            if (state.Hash!.Remove(args[i])) deleted++;
        if (deleted > 0)
        {
            ctx.Modified(args[1], state); // deletes the key when it emptied
            ctx.Notify('h', "hdel", args[1]);
            if (state.IsEmpty) ctx.Notify('g', "del", args[1]);
        }
        return Reply.Integer(deleted);
    }

    public static Reply HExists(CommandContext ctx, byte[][] args) => Reply.Integer(Find(ctx, args[1])?.Contains(args[2]) ?? false);

    public static Reply HLen(CommandContext ctx, byte[][] args) => Reply.Integer(Find(ctx, args[1])?.Count ?? 0);

    public static Reply HStrLen(CommandContext ctx, byte[][] args) => Reply.Integer(Find(ctx, args[1])?.Get(args[2])?.Length ?? 0);

    public static Reply HIncrBy(CommandContext ctx, byte[][] args)
    {
        // hincrbyCommand: the increment, then the key's type, then the stored value.
        var increment = Numbers.ParseLong(args[3]);
        var state = FindOrCreate(ctx, args[1]);
        long current = 0;
        if (state.Hash!.Get(args[2]) is { } stored && !Numbers.TryParseLong(stored, out current))
            throw new RedisException(Errors.HashValueNotInteger);
        if ((increment < 0 && current < 0 && increment < long.MinValue - current) ||
            (increment > 0 && current > 0 && increment > long.MaxValue - current))
            throw new RedisException(Errors.Overflow);
        var result = current + increment;
        state.Hash.Set(args[2], Numbers.ToBytes(result), ctx.Limits, keepExpiry: true);
        ctx.Modified(args[1], state);
        ctx.Notify('h', "hincrby", args[1]);
        return Reply.Integer(result);
    }

    public static Reply HIncrByFloat(CommandContext ctx, byte[][] args)
    {
        // hincrbyfloatCommand: the increment (parsed, then refused if inf), the key's type, the stored value, the sum.
        if (!LongDouble.TryParse(args[3], out var increment)) throw new RedisException(Errors.NotFloat);
        if (!increment.IsFinite) throw new RedisException(IncrNotFinite);
        var state = FindOrCreate(ctx, args[1]);
        var current = LongDouble.Zero;
        if (state.Hash!.Get(args[2]) is { } stored && !LongDouble.TryParse(stored, out current))
            throw new RedisException(Errors.HashValueNotFloat);
        var sum = current + increment;
        if (!sum.IsFinite) throw new RedisException(Errors.NanOrInfinity);
        var formatted = sum.Format();
        state.Hash.Set(args[2], formatted, ctx.Limits, keepExpiry: true);
        ctx.Modified(args[1], state);
        ctx.Notify('h', "hincrbyfloat", args[1]);
        return Reply.Bulk(formatted);
    }

    public static Reply HRandField(CommandContext ctx, byte[][] args)
    {
        if (args.Length == 2)
        {
            var single = Find(ctx, args[1]);
            return single is null ? Reply.Nil : Reply.Bulk(single.FieldAt(ctx.Random.Next(single.Count)));
        }

        // hrandfieldCommand: the count (range -LONG_MAX..LONG_MAX), the syntax, the WITHVALUES range, then the key.
        var requested = Numbers.ParseLong(args[2]);
        if (requested == long.MinValue) throw new RedisException(RandCountOutOfRange);
        if (args.Length > 4 || (args.Length == 4 && !IsWithValues(args[3]))) throw new RedisException(Errors.Syntax);
        var withValues = args.Length == 4;
        if (withValues && (requested < -long.MaxValue / 2 || requested > long.MaxValue / 2))
            throw new RedisException(OutOfRange);

        var hash = Find(ctx, args[1]);
        if (hash is null || requested == 0) return Reply.EmptyArray;
        var width = withValues ? 2 : 1;
        var size = hash.Count;

        if (requested < 0)
        {
            // Fields may repeat: -count independent O(1) picks. Redis would stream a reply of any
            // length; one that cannot fit in an array here is refused (Redis would run out of memory).
            var picks = -requested;
            if (picks > Array.MaxLength / width) throw new RedisException(OutOfRange);
            var repeated = new Reply[picks * width];
            for (long i = 0; i < picks; i++) Put(repeated, (int)i, hash, ctx.Random.Next(size), withValues);
            return Reply.Array(repeated);
        }

        var distinct = (int)Math.Min(requested, size);
        var items = new Reply[distinct * width];
        if (distinct == size)
        {
            for (var i = 0; i < size; i++) Put(items, i, hash, i, withValues);
        }
        else if (distinct * 3L > size)
        {
            // Many of the fields: a partial Fisher-Yates shuffle of the slots, O(size) = O(count) here.
            var order = new int[size];
            for (var i = 0; i < size; i++) order[i] = i;
            for (var i = 0; i < distinct; i++)
            {
                var j = ctx.Random.Next(i, size);
                (order[i], order[j]) = (order[j], order[i]);
                Put(items, i, hash, order[i], withValues);
            }
        }
        else
        {
            // Few of the fields: random slots, retried on repeats (expected O(count), as Redis's case 4).
            var chosen = new HashSet<int>(distinct);
            var n = 0;
            while (n < distinct)
            {
                var slot = ctx.Random.Next(size);
                if (chosen.Add(slot)) Put(items, n++, hash, slot, withValues);
            }
        }
        return Reply.Array(items);
    }

    static void Put(Reply[] items, int index, HashValue hash, int slot, bool withValues)
    {
        if (withValues)
        {
            items[2 * index] = Reply.Bulk(hash.FieldAt(slot));
            items[2 * index + 1] = Reply.Bulk(hash.ValueAt(slot));
        }
        else
        {
            items[index] = Reply.Bulk(hash.FieldAt(slot));
        }
    }

    static bool IsWithValues(byte[] arg) => System.Text.Ascii.EqualsIgnoreCase(arg, "withvalues"u8);

    public static Reply HScan(CommandContext ctx, byte[][] args)
    {
        // hscanCommand: the cursor, then the key (a missing key ignores the options), then the options.
        Scan.ParseCursor(args[2]);
        var hash = Find(ctx, args[1]);
        if (hash is null) return Scan.Empty;
        var options = Scan.Parse(args, 2, allowType: false);

        var items = new List<byte[]>();
        if (hash.IsListpack)
        {
            // Redis answers a listpack-encoded hash whole, whatever the cursor and COUNT, with cursor 0.
            for (var i = 0; i < hash.Count; i++)
                if (options.Matches(hash.FieldAt(i)))
                {
                    items.Add(hash.FieldAt(i));
                    items.Add(hash.ValueAt(i));
                }
            return Scan.Reply(0, items);
        }

        var (next, page) = hash.ScanPage(options.Cursor, options.Count);
        foreach (var slot in page)
            if (options.Matches(hash.FieldAt(slot)))
            {
                items.Add(hash.FieldAt(slot));
                items.Add(hash.ValueAt(slot));
            }
        return Scan.Reply(next, items);
    }

    // ------------------------------------------------------------------ field expiry (Redis 7.4) and
    // HGETDEL, HGETEX, HSETEX (Redis 8.0). No redis-server newer than 7.0 runs here: the replies, the
    // errors and their order follow redis.io's pages and Redis's t_hash.c. Expired fields are removed
    // whenever the hash is looked up (CommandContext.Lookup), so these commands never see one.

    /// <summary>HFE_MAX_ABS_TIME_MSEC: the latest field expiry Redis takes (EB_EXPIRE_TIME_MAX &gt;&gt; 2).</summary>
    const long MaxFieldExpiry = 0xFFFF_FFFF_FFFFL >> 2;

    const string FieldsMissing = "ERR Mandatory argument FIELDS is missing or not at the right position";
    const string FieldsMismatch = "ERR The `numfields` parameter must match the number of arguments";
    const string NumFieldsNotPositive = "ERR Number of fields must be a positive integer";

    /// <summary>HEXPIRE's per-field answers (SetExRes / GetExpireTimeRes / SetPersistRes).</summary>
    const long NoField = -2, NoTtl = -1, ConditionNotMet = 0, Set = 1, DeletedNow = 2;

    public static Reply HExpire(CommandContext ctx, byte[][] args) => ExpireFields(ctx, args, ctx.NowMs, seconds: true);
    public static Reply HPExpire(CommandContext ctx, byte[][] args) => ExpireFields(ctx, args, ctx.NowMs, seconds: false);
    public static Reply HExpireAt(CommandContext ctx, byte[][] args) => ExpireFields(ctx, args, 0, seconds: true);
    public static Reply HPExpireAt(CommandContext ctx, byte[][] args) => ExpireFields(ctx, args, 0, seconds: false);

    /// <summary>
    /// H[P]EXPIRE[AT] key time [NX|XX|GT|LT] FIELDS numfields field...: per field -2 (no such
    /// field), 0 (condition not met), 1 (set), 2 (deleted: the time is not in the future). A
    /// field without expiry counts as an infinite one for GT and LT.
    /// </summary>
    static Reply ExpireFields(CommandContext ctx, byte[][] args, long basetime, bool seconds)
    {
        var state = ctx.Lookup(args[1], RedisType.Hash);
        var at = ParseFieldExpiry(args[2], seconds, basetime, args[0]);
        var condition = Lower(args[3]) is "nx" or "xx" or "gt" or "lt" ? Lower(args[3]) : null;
        var fields = FieldsBlock(args, condition is null ? 3 : 4, "ERR Parameter `numFields` should be greater than 0");
        var replies = new Reply[fields.Count];
        if (state is null)
        {
            Array.Fill(replies, Reply.Integer(NoField));
            return Reply.Array(replies);
        }
        var hash = state.Hash!;
        int updated = 0, deleted = 0;
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            long result;
            if (!hash.Contains(field)) result = NoField;
            else if (hash.FieldExpiry(field) is not { } current ? condition is "xx" or "gt"
                     : condition == "nx" || (condition == "gt" && current >= at) || (condition == "lt" && current <= at))
                result = ConditionNotMet;
            else if (at <= ctx.NowMs)
            {
                hash.Remove(field);
                result = DeletedNow;
                deleted++;
            }
            else
            {
                hash.SetFieldExpiry(field, at);
                result = Set;
                updated++;
            }
            replies[i] = Reply.Integer(result);
        }
        if (updated + deleted > 0)
        {
            ctx.Modified(args[1], state);
            ctx.Notify('h', deleted > 0 ? "hdel" : "hexpire", args[1]);
            if (state.IsEmpty) ctx.Notify('g', "del", args[1]);
        }
        return Reply.Array(replies);
    }

    public static Reply HTtl(CommandContext ctx, byte[][] args) => FieldTtls(ctx, args, ctx.NowMs, seconds: true);
    public static Reply HPTtl(CommandContext ctx, byte[][] args) => FieldTtls(ctx, args, ctx.NowMs, seconds: false);
    public static Reply HExpireTime(CommandContext ctx, byte[][] args) => FieldTtls(ctx, args, 0, seconds: true);
    public static Reply HPExpireTime(CommandContext ctx, byte[][] args) => FieldTtls(ctx, args, 0, seconds: false);

    /// <summary>HTTL/HPTTL/HEXPIRETIME/HPEXPIRETIME key FIELDS numfields field...: -2 no field, -1 no expiry, else the time (seconds rounded up).</summary>
    static Reply FieldTtls(CommandContext ctx, byte[][] args, long basetime, bool seconds)
    {
        var hash = ctx.Lookup(args[1], RedisType.Hash)?.Hash;
        var fields = FieldsBlock(args, 2, NumFieldsNotPositive);
        return Reply.Array(fields.Select(field =>
        {
            if (hash is null || !hash.Contains(field)) return Reply.Integer(NoField);
            if (hash.FieldExpiry(field) is not { } at) return Reply.Integer(NoTtl);
            return Reply.Integer(seconds ? (at + 999 - basetime) / 1000 : at - basetime);
        }).ToArray());
    }

    /// <summary>HPERSIST key FIELDS numfields field...: per field -2 (no such field), -1 (no expiry), 1 (expiry removed).</summary>
    public static Reply HPersist(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Hash);
        var fields = FieldsBlock(args, 2, NumFieldsNotPositive);
        var hash = state?.Hash;
        var persisted = 0;
        var replies = fields.Select(field =>
        {
            if (hash is null || !hash.Contains(field)) return Reply.Integer(NoField);
            if (hash.FieldExpiry(field) is null) return Reply.Integer(NoTtl);
            hash.SetFieldExpiry(field, null);
            persisted++;
            return Reply.Integer(Set);
        }).ToArray();
        if (persisted > 0)
        {
            ctx.Modified(args[1], state!);
            ctx.Notify('h', "hpersist", args[1]);
        }
        return Reply.Array(replies);
    }

    /// <summary>HGETDEL key FIELDS numfields field...: the fields' values (nil where missing), the existing ones deleted.</summary>
    public static Reply HGetDel(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Hash);
        var fields = FieldsBlock(args, 2, NumFieldsNotPositive);
        var hash = state?.Hash;
        var deleted = 0;
        var replies = fields.Select(field =>
        {
            var value = hash?.Get(field);
            if (value is not null && hash!.Remove(field)) deleted++;
            return Reply.Bulk(value);
        }).ToArray();
        if (deleted > 0)
        {
            ctx.Modified(args[1], state!);
            ctx.Notify('h', "hdel", args[1]);
            if (state!.IsEmpty) ctx.Notify('g', "del", args[1]);
        }
        return Reply.Array(replies);
    }

    /// <summary>
    /// HGETEX key [EX s | PX ms | EXAT unix-s | PXAT unix-ms | PERSIST] FIELDS numfields field...:
    /// the fields' values, and each existing field's expiry set (deleted when the time is not in the
    /// future) or removed (PERSIST).
    /// </summary>
    public static Reply HGetEx(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Hash);
        var option = Lower(args[2]);
        long? at = null;
        var fieldsAt = 2;
        if (option is "ex" or "px" or "exat" or "pxat")
        {
            at = ParseFieldExpiry(args[3], option is "ex" or "exat", option is "ex" or "px" ? ctx.NowMs : 0, args[0]);
            fieldsAt = 4;
        }
        else if (option == "persist")
        {
            fieldsAt = 3;
        }
        var fields = FieldsBlock(args, fieldsAt, NumFieldsNotPositive);
        var hash = state?.Hash;
        int updated = 0, deleted = 0;
        var replies = fields.Select(field =>
        {
            var value = hash?.Get(field);
            if (value is null || fieldsAt == 2) return Reply.Bulk(value);
            if (at is null)
            {
                if (hash!.FieldExpiry(field) is not null && hash.SetFieldExpiry(field, null)) updated++;
            }
            else if (at <= ctx.NowMs)
            {
                hash!.Remove(field);
                deleted++;
            }
            else
            {
                hash!.SetFieldExpiry(field, at);
                updated++;
            }
            return Reply.Bulk(value);
        }).ToArray();
        if (updated + deleted > 0)
        {
            ctx.Modified(args[1], state!);
            ctx.Notify('h', updated > 0 ? (at is null ? "hpersist" : "hexpire") : "hdel", args[1]);
            if (state!.IsEmpty) ctx.Notify('g', "del", args[1]);
        }
        return Reply.Array(replies);
    }

    /// <summary>
    /// HSETEX key [FNX | FXX] [EX s | PX ms | EXAT unix-s | PXAT unix-ms | KEEPTTL] FIELDS numfields
    /// field value ...: 1 when every field was set, 0 when FNX/FXX refused them all. Without an
    /// expiry option a field loses its expiry, as with HSET; KEEPTTL keeps it.
    /// </summary>
    public static Reply HSetEx(CommandContext ctx, byte[][] args)
    {
        string? condition = null, expiry = null;
        long? at = null;
        var fieldsAt = -1;
        long count = 0;
        for (var i = 2; fieldsAt < 0; i++)
        {
            if (i >= args.Length) throw new RedisException(Errors.WrongArity("hsetex")); // no FIELDS (Redis asserts it cannot happen)
            var option = Lower(args[i]);
            switch (option)
            {
                case "fields":
                    if (i >= args.Length - 3) throw new RedisException(Errors.WrongArity("hsetex"));
                    if (!Numbers.TryParseLong(args[i + 1], out count) || count is < 1 or > int.MaxValue)
                        throw new RedisException("ERR invalid number of fields");
                    var remaining = args.Length - i - 2;
                    if (remaining % 2 != 0 || count != remaining / 2) throw new RedisException(Errors.WrongArity("hsetex"));
                    fieldsAt = i + 2;
                    break;
                case "ex" or "px" or "exat" or "pxat" or "keepttl":
                    if (expiry is not null) throw new RedisException("ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified");
                    expiry = option;
                    if (option == "keepttl") break;
                    if (i >= args.Length - 1) throw new RedisException("ERR missing expire time");
                    at = ParseFieldExpiry(args[++i], option is "ex" or "exat", option is "ex" or "px" ? ctx.NowMs : 0, args[0]);
                    break;
                case "fnx" or "fxx":
                    if (condition is not null) throw new RedisException("ERR Only one of FXX or FNX arguments can be specified");
                    condition = option;
                    break;
                default:
                    throw new RedisException("ERR unknown argument: " + Bytes.Text(args[i]));
            }
        }

        var state = ctx.Lookup(args[1], RedisType.Hash);
        if (state is null && condition == "fxx") return Reply.Zero;
        state ??= new KeyState { Hash = new HashValue() };
        var hash = state.Hash!;
        if (condition is not null)
        {
            var existing = 0;
            for (var j = 0; j < count; j++)
                if (hash.Contains(args[fieldsAt + 2 * j])) existing++;
            if (condition == "fnx" ? existing > 0 : existing < count) return Reply.Zero;
        }

        var deleted = 0;
        for (var j = 0; j < count; j++)
        {
            var field = args[fieldsAt + 2 * j];
            hash.Set(field, args[fieldsAt + 2 * j + 1], ctx.Limits, keepExpiry: expiry is not null);
            if (at is null) continue;
            if (at <= ctx.NowMs)
            {
                hash.Remove(field);
                deleted++;
            }
            else hash.SetFieldExpiry(field, at);
        }
        ctx.Modified(args[1], state);
        ctx.Notify('h', "hset", args[1]);
        if (at is not null) ctx.Notify('h', deleted > 0 ? "hdel" : "hexpire", args[1]);
        if (state.IsEmpty) ctx.Notify('g', "del", args[1]);
        return Reply.One;
    }

    /// <summary>
    /// parseExpireTime: a non-negative integer, in seconds or ms, plus <paramref name="basetime"/>
    /// (now for relative times), not past <see cref="MaxFieldExpiry"/>; answers unix ms.
    /// </summary>
    static long ParseFieldExpiry(byte[] arg, bool seconds, long basetime, byte[] command)
    {
        var value = Numbers.ParseLong(arg);
        if (value < 0) throw new RedisException("ERR invalid expire time, must be >= 0");
        var invalid = $"ERR invalid expire time in '{Lower(command)}' command";
        if (seconds)
        {
            if (value > MaxFieldExpiry / 1000) throw new RedisException(invalid);
            value *= 1000;
        }
        if (value > MaxFieldExpiry - basetime) throw new RedisException(invalid);
        return value + basetime;
    }

    /// <summary>The fields after "FIELDS numfields" at <paramref name="at"/>, checked as Redis checks them, in its order.</summary>
    static List<byte[]> FieldsBlock(byte[][] args, int at, string notPositive)
    {
        if (at >= args.Length || Lower(args[at]) != "fields") throw new RedisException(FieldsMissing);
        if (at + 1 >= args.Length || !Numbers.TryParseLong(args[at + 1], out var count) || count < 1) throw new RedisException(notPositive);
        if (count != args.Length - at - 2) throw new RedisException(FieldsMismatch);
        return args[(at + 2)..].ToList();
    }

    static string Lower(byte[] arg) => arg.Length > 32 ? "" : System.Text.Encoding.ASCII.GetString(arg).ToLowerInvariant();
}
