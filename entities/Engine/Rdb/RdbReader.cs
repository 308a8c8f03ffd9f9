using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.RdbFiles;

/// <summary>One key read from an RDB file: its database, name and state (expiry included).</summary>
public readonly record struct RdbEntry(int Db, byte[] Key, KeyState State);

/// <summary>
/// Reads Redis RDB files (rdb.c's rdbLoad) one key at a time from a stream, checking as it goes:
/// memory holds the key being read, never the file. Takes what Redis 7.0 writes: versions 1-10,
/// AUX/SELECTDB/RESIZEDB/EXPIRETIME(_MS)/IDLE/FREQ, strings (integer and LZF encodings), plain
/// lists/sets/hashes/zsets (ZSET and ZSET_2), and the compact encodings real Redis saves small
/// values in: ziplist, listpack, intset, quicklist (1 and 2); streams (STREAM_LISTPACKS and
/// STREAM_LISTPACKS_2), and function libraries (<see cref="FunctionLibraries"/>). The CRC-64 is
/// checked at EOF (a stored 0 means the writer had checksums off, as in Redis). Empty aggregates
/// are skipped, as Redis skips them. Anything else (modules, zipmaps, a bad length, a wrong
/// checksum, a truncated file) is an <see cref="RdbFormatException"/>.
/// </summary>
public sealed class RdbReader
{
    /// <summary>Longest string taken: Redis's default proto-max-bulk-len.</summary>
    public const long MaxStringLength = 512L * 1024 * 1024;

    readonly Stream input;
    readonly byte[] buffer = new byte[64 * 1024];
    int start, end; // buffer[start..end] not consumed yet
    int crcFrom; // buffer[crcFrom..start] consumed but not yet in the CRC
    long bufferOffset; // file offset of buffer[0]
    ulong crc;
    int db;
    bool done;

    /// <summary>A value alone, as in a DUMP payload (no header, no key name, no EOF): see <see cref="ReadDumpValue"/>.</summary>
    RdbReader(Stream input, int version)
    {
        this.input = input;
        Version = version;
    }

    /// <summary>
    /// The value of a DUMP payload whose footer was checked: its type byte and its encoding, read
    /// as rdbLoadObject reads a key's value (empty aggregates are refused: Redis refuses them too).
    /// Redis reads from the whole payload, so a value may run into the footer's bytes; so does this.
    /// </summary>
    public static KeyState ReadDumpValue(ReadOnlySpan<byte> value, int version, byte[] key)
    {
        var reader = new RdbReader(new MemoryStream(value.ToArray(), writable: false), version);
        var type = reader.ReadByte("type");
        if (type >= Rdb.OpFunction2) throw reader.Error($"a payload that starts with opcode {type}, not a value type");
        var state = reader.ReadValue(type, key);
        if (state is null || state.IsEmpty) throw reader.Error("an empty value");
        state.Version = 1;
        return state;
    }

    public RdbReader(Stream input)
    {
        this.input = input;
        var magic = ReadSpan(9, "header");
        if (!magic[..5].SequenceEqual("REDIS"u8))
            throw Error("not an RDB file: it does not start with REDIS");
        if (!int.TryParse(Encoding.ASCII.GetString(magic[5..]), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ||
            version < 1 || version > Rdb.MaxReadVersion)
            throw Error($"Can't handle RDB format version {Encoding.ASCII.GetString(magic[5..])} (this store reads 1 to {Rdb.MaxReadVersion}, as Redis 7.0 does)");
        Version = version;
    }

    public int Version { get; }

    /// <summary>AUX fields seen so far (redis-ver, ctime...).</summary>
    public Dictionary<string, string> Aux { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The function libraries read so far (Redis 7 writes them before the keys): each one's whole
    /// code, "#!lua name=lib\n...", as FUNCTION LOAD takes it.
    /// </summary>
    public List<byte[]> FunctionLibraries { get; } = [];

    /// <summary>Keys returned so far.</summary>
    public long Keys { get; private set; }

    /// <summary>Empty aggregates skipped so far.</summary>
    public long EmptyKeysSkipped { get; private set; }

    /// <summary>The checksum at the end, once read (0 = the file was written without one).</summary>
    public ulong Checksum { get; private set; }

    /// <summary>Bytes consumed so far.</summary>
    public long Offset => bufferOffset + start;

    /// <summary>The next key, or false at the end of the file (after its checksum matched).</summary>
    public bool TryRead(out RdbEntry entry)
    {
        entry = default;
        if (done) return false;
        long? expiresAt = null;
        while (true)
        {
            var type = ReadByte("type");
            switch (type)
            {
                case Rdb.OpExpireTimeMs:
                    expiresAt = BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8, "expire time"));
                    continue;
                case Rdb.OpExpireTime:
                    expiresAt = BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4, "expire time")) * 1000L;
                    continue;
                case Rdb.OpFreq:
                    ReadByte("LFU frequency");
                    continue;
                case Rdb.OpIdle:
                    ReadLength("LRU idle time");
                    continue;
                case Rdb.OpSelectDb:
                    var selected = ReadLength("database number");
                    if (selected > int.MaxValue) throw Error($"database number {selected} is out of range");
                    db = (int)selected;
                    continue;
                case Rdb.OpResizeDb:
                    ReadLength("RESIZEDB size");
                    ReadLength("RESIZEDB expires size");
                    continue;
                case Rdb.OpAux:
                    var name = Encoding.UTF8.GetString(ReadString("AUX name"));
                    var value = ReadString("AUX value");
                    if (name == Rdb.FieldExpiriesAux) fieldExpiries = ReadFieldExpiries(value);
                    else Aux[name] = Encoding.UTF8.GetString(value);
                    continue;
                case Rdb.OpModuleAux:
                    throw Error("the file holds module data (MODULE_AUX), which this store cannot load");
                case Rdb.OpFunction or Rdb.OpFunction2:
                    FunctionLibraries.Add(ReadFunction(type));
                    continue;
                case Rdb.OpEof:
                    ReadChecksum();
                    done = true;
                    return false;
            }

            var key = ReadString("key");
            var state = ReadValue(type, key);
            if (fieldExpiries is { } expiring && state?.Hash is { } hash && Bytes.Comparer.Equals(expiring.Key, key))
                foreach (var (field, at) in expiring.Fields) hash.SetFieldExpiry(field, at);
            fieldExpiries = null; // they belong to the key right after them
            if (state is null || state.IsEmpty)
            {
                EmptyKeysSkipped++;
                expiresAt = null;
                continue;
            }
            state.ExpiresAt = expiresAt;
            state.Version = 1;
            Keys++;
            entry = new RdbEntry(db, key, state);
            return true;
        }
    }

    /// <summary>The field expiries of the hash key that comes next (<see cref="Rdb.FieldExpiriesAux"/>).</summary>
    (byte[] Key, List<(byte[] Field, long At)> Fields)? fieldExpiries;

    static (byte[], List<(byte[], long)>) ReadFieldExpiries(byte[] value)
    {
        var record = new RdbReader(new MemoryStream(value, writable: false), Rdb.WriteVersion);
        var key = record.ReadString("field expiries' key");
        var count = record.ReadLength("field expiries' count");
        var fields = new List<(byte[], long)>();
        for (ulong i = 0; i < count; i++)
            fields.Add((record.ReadString("expiring field"), BinaryPrimitives.ReadInt64LittleEndian(record.ReadSpan(8, "field expiry"))));
        return (key, fields);
    }

    /// <summary>Reads every key to the end, keeping none: checks the whole file (checksum included).</summary>
    public long Validate(Action<RdbEntry>? check = null)
    {
        while (TryRead(out var entry)) check?.Invoke(entry);
        return Keys;
    }

    /// <summary>
    /// A function library (rdbFunctionLoad): FUNCTION2 is the code; FUNCTION (7.0 release
    /// candidates) is name, engine, an optional description and the body, made into the same code.
    /// </summary>
    byte[] ReadFunction(byte type)
    {
        if (type == Rdb.OpFunction2) return ReadString("function library");
        var name = ReadString("library name");
        var engine = ReadString("engine name");
        if (ReadLength("library description indicator") != 0) ReadString("library description");
        var body = ReadString("library body");
        return [.. Encoding.UTF8.GetBytes($"#!{Encoding.UTF8.GetString(engine)} name={Encoding.UTF8.GetString(name)}\n"), .. body];
    }

    /// <summary>The libraries of a FUNCTION DUMP payload's body (version and checksum already checked and cut off).</summary>
    public static List<byte[]> ReadFunctions(ReadOnlyMemory<byte> body)
    {
        var reader = new RdbReader(new MemoryStream(body.ToArray()), Rdb.WriteVersion);
        while (reader.Offset < body.Length)
        {
            var type = reader.ReadByte("type");
            if (type is not (Rdb.OpFunction or Rdb.OpFunction2)) throw new RdbFormatException("given type is not a function");
            reader.FunctionLibraries.Add(reader.ReadFunction(type));
        }
        return reader.FunctionLibraries;
    }

    void ReadChecksum()
    {
        UpdateCrc(); // through the EOF byte
        if (Version < 5) return; // no checksum before RDB 5
        var expected = crc;
        Checksum = BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(8, "checksum"));
        if (Checksum != 0 && Checksum != expected)
            throw Error($"Wrong RDB checksum expected: ({Checksum:x16}) got: ({expected:x16})");
    }

    // ------------------------------------------------------------------ values

    KeyState? ReadValue(byte type, byte[] key)
    {
        switch (type)
        {
            case Rdb.TypeString:
                return KeyState.OfString(ReadString("string value"));
            case Rdb.TypeList:
            {
                var count = ReadLength("list length");
                var list = new ListValue();
                for (ulong i = 0; i < count; i++) list.PushBack(ReadString("list element"));
                return new KeyState { List = list };
            }
            case Rdb.TypeSet:
            {
                var count = ReadLength("set size");
                var set = new SetValue();
                for (ulong i = 0; i < count; i++) AddMember(set, ReadString("set member"));
                return new KeyState { Set = set };
            }
            case Rdb.TypeZSet or Rdb.TypeZSet2:
            {
                var count = ReadLength("sorted set size");
                var zset = new SortedSetValue();
                for (ulong i = 0; i < count; i++)
                {
                    var member = ReadString("sorted set member");
                    var score = type == Rdb.TypeZSet2
                        ? BinaryPrimitives.ReadDoubleLittleEndian(ReadSpan(8, "score"))
                        : ReadStringScore();
                    AddScore(zset, member, score);
                }
                return SortedSet(zset);
            }
            case Rdb.TypeHash:
            {
                var count = ReadLength("hash size");
                var hash = new HashValue();
                for (ulong i = 0; i < count; i++)
                {
                    var field = ReadString("hash field");
                    AddField(hash, field, ReadString("hash value"));
                }
                return new KeyState { Hash = hash };
            }
            case Rdb.TypeListZiplist:
                return ListOf(Ziplist(ReadString("ziplist"), key));
            case Rdb.TypeListQuicklist or Rdb.TypeListQuicklist2:
            {
                var nodes = ReadLength("quicklist node count");
                var list = new ListValue();
                for (ulong i = 0; i < nodes; i++)
                {
                    var container = type == Rdb.TypeListQuicklist2 ? ReadLength("quicklist container") : Rdb.QuicklistNodePacked;
                    var blob = ReadString("quicklist node");
                    if (container == Rdb.QuicklistNodePlain)
                    {
                        list.PushBack(blob);
                        continue;
                    }
                    if (container != Rdb.QuicklistNodePacked) throw Error($"quicklist node container {container} is unknown");
                    var elements = type == Rdb.TypeListQuicklist2 ? Listpack(blob, key) : Ziplist(blob, key);
                    if (elements.Count == 0) throw Error("an empty quicklist node");
                    foreach (var element in elements) list.PushBack(element);
                }
                return new KeyState { List = list };
            }
            case Rdb.TypeSetIntset:
            {
                var set = new SetValue();
                foreach (var member in Intset(ReadString("intset"))) AddMember(set, member);
                return new KeyState { Set = set };
            }
            case Rdb.TypeZSetZiplist or Rdb.TypeZSetListpack:
            {
                var blob = ReadString("sorted set listpack");
                var elements = type == Rdb.TypeZSetListpack ? Listpack(blob, key) : Ziplist(blob, key);
                if (elements.Count % 2 != 0) throw Error("a sorted set listpack with an odd number of entries");
                var zset = new SortedSetValue();
                for (var i = 0; i < elements.Count; i += 2)
                {
                    if (!Numbers.Strtod(elements[i + 1], out var score) || elements[i + 1].Length == 0)
                        throw Error("a sorted set score that is not a number");
                    AddScore(zset, elements[i], score);
                }
                return SortedSet(zset);
            }
            case Rdb.TypeHashZiplist or Rdb.TypeHashListpack:
            {
                var blob = ReadString("hash listpack");
                var elements = type == Rdb.TypeHashListpack ? Listpack(blob, key) : Ziplist(blob, key);
                if (elements.Count % 2 != 0) throw Error("a hash listpack with an odd number of entries");
                var hash = new HashValue();
                for (var i = 0; i < elements.Count; i += 2) AddField(hash, elements[i], elements[i + 1]);
                return new KeyState { Hash = hash };
            }
            case Rdb.TypeHashMetadata:
            {
                // Redis 7.4's hash with field expiries: the earliest expiry, then per field its
                // expiry relative to it (0: none), the field and the value.
                var earliest = BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8, "earliest field expiry"));
                var count = ReadLength("hash size");
                var hash = new HashValue();
                for (ulong i = 0; i < count; i++)
                {
                    var relative = ReadLength("field expiry");
                    var field = ReadString("hash field");
                    AddField(hash, field, ReadString("hash value"));
                    if (relative != 0) hash.SetFieldExpiry(field, earliest + (long)relative - 1);
                }
                return new KeyState { Hash = hash };
            }
            case Rdb.TypeStreamListpacks or Rdb.TypeStreamListpacks2:
                return new KeyState { Stream = ReadStream(type, key) };
            case Rdb.TypeModule or Rdb.TypeModule2:
                throw Error($"key '{Show(key)}' holds a module value, which this store cannot load");
            case Rdb.TypeHashZipmap:
                throw Error($"key '{Show(key)}' is a zipmap hash (Redis before 2.6), which this store cannot load");
            default:
                throw Error($"unknown RDB type {type} (key '{Show(key)}')");
        }
    }

    /// <summary>
    /// rdbLoadObject's stream branch: nodes (16-byte master ID key, listpack value), length, last
    /// ID, then (STREAM_LISTPACKS_2, RDB 10) first ID, max deleted ID and entries added, then the
    /// groups (STREAM_LISTPACKS_2 adds each group's entries read) with their PEL and consumers.
    /// From STREAM_LISTPACKS (RDB 9) the missing counters are derived as Redis 7.0 derives them.
    /// Checked as Redis checks: node keys, node layout, length, PEL entries owned by one consumer.
    /// </summary>
    StreamValue ReadStream(byte type, byte[] key)
    {
        var stream = new StreamValue();
        var nodes = ReadLength("stream node count");
        for (ulong i = 0; i < nodes; i++)
        {
            var nodeKey = ReadString("stream node key");
            if (nodeKey.Length != 16) throw Error($"Stream node key entry is not the size of a stream ID (key '{Show(key)}')");
            var master = DecodeId(nodeKey);
            if (stream.Nodes.Count > 0 && master <= stream.Nodes[^1].Master)
                throw Error($"stream nodes out of order (key '{Show(key)}')");
            var node = StreamNodeOf(master, Listpack(ReadString("stream node listpack"), key), key);
            stream.Nodes.Add(node);
            stream.Length += node.Live;
        }
        var length = ReadLength("stream length");
        if (length != (ulong)stream.Length)
            throw Error($"a stream's length {length} does not match the {stream.Length} entries in its nodes (key '{Show(key)}')");
        stream.LastId = ReadId("stream last ID");
        var lastEntry = stream.Nodes.Count > 0 ? stream.Nodes[^1].Entries[^1].Id : StreamId.Zero;
        if (lastEntry > stream.LastId) throw Error($"a stream entry is above the stream's last ID (key '{Show(key)}')");
        var v2 = type == Rdb.TypeStreamListpacks2;
        if (v2)
        {
            stream.FirstId = ReadId("stream first ID");
            stream.MaxDeletedId = ReadId("stream max deleted ID");
            stream.EntriesAdded = (long)ReadLength("stream entries added");
        }
        else
        {
            // Redis 7.0 migrating an older stream: entries added = length, no tombstone known.
            stream.EntriesAdded = stream.Length;
            stream.RefreshFirstId();
        }

        var groups = ReadLength("stream group count");
        for (ulong g = 0; g < groups; g++)
        {
            var group = new StreamGroup(ReadString("stream group name"));
            if (stream.Groups.ContainsKey(group.Name)) throw Error($"Duplicated consumer group name '{Show(group.Name)}' (key '{Show(key)}')");
            group.LastId = ReadId("stream group last ID");
            group.EntriesRead = v2 ? unchecked((long)ReadLength("stream group entries read")) : stream.EstimateDistanceFromFirstEverEntry(group.LastId);
            var pel = ReadLength("stream group PEL size");
            for (ulong p = 0; p < pel; p++)
            {
                var pending = new PendingEntry(DecodeId(ReadSpan(16, "stream PEL ID")))
                {
                    DeliveryTime = BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8, "stream PEL delivery time")),
                };
                pending.DeliveryCount = (long)ReadLength("stream PEL delivery count");
                if (!group.Pending.Add(pending)) throw Error($"Duplicated global PEL entry loading stream consumer group (key '{Show(key)}')");
            }
            var consumers = ReadLength("stream consumer count");
            for (ulong c = 0; c < consumers; c++)
            {
                var consumer = new StreamConsumer(ReadString("stream consumer name"))
                {
                    SeenTime = BinaryPrimitives.ReadInt64LittleEndian(ReadSpan(8, "stream consumer seen time")),
                };
                if (group.Consumers.ContainsKey(consumer.Name)) throw Error($"Duplicate stream consumer detected '{Show(consumer.Name)}' (key '{Show(key)}')");
                var owned = ReadLength("stream consumer PEL size");
                for (ulong p = 0; p < owned; p++)
                {
                    var pending = group.FindPending(DecodeId(ReadSpan(16, "stream consumer PEL ID")))
                        ?? throw Error($"Consumer entry not found in group global PEL (key '{Show(key)}')");
                    if (pending.Consumer is not null) throw Error($"a pending entry owned by two consumers (key '{Show(key)}')");
                    pending.Consumer = consumer;
                    consumer.Pending.Add(pending);
                }
                group.Consumers[consumer.Name] = consumer;
            }
            if (group.Pending.Any(p => p.Consumer is null)) throw Error($"Stream CG PEL entry without consumer (key '{Show(key)}')");
            stream.Groups[group.Name] = group;
        }
        return stream;
    }

    /// <summary>
    /// One node from its listpack, checked as streamValidateListpackIntegrity does: the master
    /// entry, then exactly count + deleted entries, each with the element count it declares.
    /// </summary>
    StreamNode StreamNodeOf(StreamId master, List<byte[]> lp, byte[] key)
    {
        var at = 0;
        RdbFormatException Bad(string what) => Error($"a stream node listpack is malformed: {what} (key '{Show(key)}')");
        long Int(string what)
        {
            if (at >= lp.Count) throw Bad($"it ends before the {what}");
            return Numbers.TryParseLong(lp[at++], out var v) ? v : throw Bad($"the {what} is not an integer");
        }
        byte[] Str(string what) => at < lp.Count ? lp[at++] : throw Bad($"it ends before the {what}");

        if (lp.Count == 0) throw Error($"Empty listpack inside stream (key '{Show(key)}')");
        var live = Int("entry count");
        var deleted = Int("deleted count");
        var masterCount = Int("master field count");
        if (live < 0 || deleted < 0 || masterCount < 0 || masterCount > lp.Count) throw Bad("negative or impossible counts");
        var masterFields = new byte[masterCount][];
        for (var i = 0; i < masterCount; i++) masterFields[i] = Str("master field");
        if (Int("master terminator") != 0) throw Bad("the master entry does not end with 0");
        if (live == 0) throw Error($"a stream node without live entries (key '{Show(key)}')");

        var node = new StreamNode(master, masterFields);
        var previous = (StreamId?)null;
        for (long e = 0; e < live + deleted; e++)
        {
            var start = at;
            var flags = Int("entry flags");
            var id = new StreamId(unchecked(master.Ms + (ulong)Int("ms delta")), unchecked(master.Seq + (ulong)Int("seq delta")));
            if (id < master || previous is { } p && id <= p) throw Bad("entry IDs out of order");
            previous = id;
            var same = (flags & 2) != 0;
            var numFields = same ? masterCount : Int("field count");
            if (numFields <= 0 || numFields > lp.Count) throw Bad("an entry without fields");
            var fields = new byte[2 * numFields][];
            for (var i = 0; i < numFields; i++)
            {
                fields[2 * i] = same ? masterFields[i] : Str("field");
                fields[2 * i + 1] = Str("value");
            }
            var elements = at - start;
            if (Int("lp-count") != elements) throw Bad("an entry's lp-count does not match its elements");
            node.Add(new StreamEntry(id, fields));
            if ((flags & 1) != 0) node.MarkDeleted(node.Entries.Count - 1);
        }
        if (at != lp.Count) throw Bad("elements after the last entry");
        if (node.Live != live || node.Deleted != deleted) throw Bad("the master entry's counts do not match the entries");
        return node;
    }

    /// <summary>streamDecodeID: 16 bytes big-endian.</summary>
    static StreamId DecodeId(ReadOnlySpan<byte> raw) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(raw), BinaryPrimitives.ReadUInt64BigEndian(raw[8..]));

    StreamId ReadId(string what) => new(ReadLength(what), ReadLength(what));

    static KeyState ListOf(List<byte[]> elements) => new() { List = new ListValue(elements) };

    void AddMember(SetValue set, byte[] member)
    {
        if (!set.Add(member, EncodingLimits.Default)) throw Error($"duplicate set member '{Show(member)}'");
    }

    void AddField(HashValue hash, byte[] field, byte[] value)
    {
        if (!hash.Set(field, value, EncodingLimits.Default)) throw Error($"duplicate hash field '{Show(field)}'");
    }

    void AddScore(SortedSetValue zset, byte[] member, double score)
    {
        if (double.IsNaN(score)) throw Error("a sorted set score is NaN");
        if (zset.Contains(member)) throw Error($"duplicate sorted set member '{Show(member)}'");
        zset.AddNew(member, score);
    }

    /// <summary>As Redis after loading a sorted set: a small one becomes a listpack, where -0 is stored as 0.</summary>
    static KeyState SortedSet(SortedSetValue zset)
    {
        zset.ForceEncoding(asSkiplist: true);
        zset.ConvertToListpackIfNeeded(EncodingLimits.Default);
        return new KeyState { SortedSet = zset };
    }

    /// <summary>RDB_TYPE_ZSET's scores: a length byte, 253/254/255 for nan/+inf/-inf, else ASCII.</summary>
    double ReadStringScore()
    {
        var length = ReadByte("score length");
        switch (length)
        {
            case 253: return double.NaN;
            case 254: return double.PositiveInfinity;
            case 255: return double.NegativeInfinity;
        }
        var text = ReadSpan(length, "score").ToArray();
        if (!Numbers.Strtod(text, out var score)) throw Error("a sorted set score that is not a number");
        return score;
    }

    // ------------------------------------------------------------------ compact encodings

    /// <summary>ziplist.c: zlbytes, zltail, zllen, entries (prevlen, encoding, data), 0xFF.</summary>
    List<byte[]> Ziplist(byte[] zl, byte[] key)
    {
        if (zl.Length < 11) throw Error($"a ziplist of {zl.Length} bytes is too short (key '{Show(key)}')");
        if (BinaryPrimitives.ReadUInt32LittleEndian(zl) != zl.Length) throw Error($"a ziplist's length does not match its header (key '{Show(key)}')");
        int declared = BinaryPrimitives.ReadUInt16LittleEndian(zl.AsSpan(8));
        var elements = new List<byte[]>();
        var p = 10;
        while (true)
        {
            if (p >= zl.Length) throw Error($"a ziplist has no end marker (key '{Show(key)}')");
            if (zl[p] == 0xFF) break;
            p += zl[p] == 0xFE ? 5 : 1; // previous entry length
            Need(zl, p, 1, key);
            var enc = zl[p++];
            switch (enc >> 6)
            {
                case 0:
                    elements.Add(Slice(zl, ref p, enc & 0x3F, key));
                    continue;
                case 1:
                    Need(zl, p, 1, key);
                    elements.Add(Slice(zl, ref p, ((enc & 0x3F) << 8) | zl[p++], key));
                    continue;
                case 2:
                    Need(zl, p, 4, key);
                    var length = BinaryPrimitives.ReadUInt32BigEndian(zl.AsSpan(p));
                    p += 4;
                    if (length > int.MaxValue) throw Error($"a ziplist entry is too long (key '{Show(key)}')");
                    elements.Add(Slice(zl, ref p, (int)length, key));
                    continue;
            }
            long value;
            switch (enc)
            {
                case 0xC0: Need(zl, p, 2, key); value = BinaryPrimitives.ReadInt16LittleEndian(zl.AsSpan(p)); p += 2; break;
                case 0xD0: Need(zl, p, 4, key); value = BinaryPrimitives.ReadInt32LittleEndian(zl.AsSpan(p)); p += 4; break;
                case 0xE0: Need(zl, p, 8, key); value = BinaryPrimitives.ReadInt64LittleEndian(zl.AsSpan(p)); p += 8; break;
                case 0xF0: Need(zl, p, 3, key); value = (zl[p] | (zl[p + 1] << 8) | ((sbyte)zl[p + 2] << 16)); p += 3; break;
                case 0xFE: Need(zl, p, 1, key); value = (sbyte)zl[p]; p += 1; break;
                case >= 0xF1 and <= 0xFD: value = (enc & 0x0F) - 1; break;
                default: throw Error($"a ziplist entry has an unknown encoding 0x{enc:x2} (key '{Show(key)}')");
            }
            elements.Add(Numbers.ToBytes(value));
        }
        if (p != zl.Length - 1) throw Error($"a ziplist has bytes after its end marker (key '{Show(key)}')");
        if (declared != ushort.MaxValue && declared != elements.Count)
            throw Error($"a ziplist declares {declared} entries but holds {elements.Count} (key '{Show(key)}')");
        return elements;
    }

    /// <summary>listpack.c: total bytes, element count, entries (encoding, data, backlen), 0xFF.</summary>
    List<byte[]> Listpack(byte[] lp, byte[] key)
    {
        if (lp.Length < 7) throw Error($"a listpack of {lp.Length} bytes is too short (key '{Show(key)}')");
        if (BinaryPrimitives.ReadUInt32LittleEndian(lp) != lp.Length) throw Error($"a listpack's length does not match its header (key '{Show(key)}')");
        int declared = BinaryPrimitives.ReadUInt16LittleEndian(lp.AsSpan(4));
        var elements = new List<byte[]>();
        var p = 6;
        while (true)
        {
            Need(lp, p, 1, key);
            var enc = lp[p];
            if (enc == 0xFF) break;
            var entryStart = p++;
            if ((enc & 0x80) == 0)
            {
                elements.Add(Numbers.ToBytes(enc & 0x7F));
            }
            else if ((enc & 0xC0) == 0x80)
            {
                elements.Add(Slice(lp, ref p, enc & 0x3F, key));
            }
            else if ((enc & 0xE0) == 0xC0)
            {
                Need(lp, p, 1, key);
                var v = ((enc & 0x1F) << 8) | lp[p++];
                elements.Add(Numbers.ToBytes(v >= 1 << 12 ? v - (1 << 13) : v)); // 13-bit two's complement
            }
            else if ((enc & 0xF0) == 0xE0)
            {
                Need(lp, p, 1, key);
                elements.Add(Slice(lp, ref p, ((enc & 0x0F) << 8) | lp[p++], key));
            }
            else
            {
                long value;
                switch (enc)
                {
                    case 0xF0:
                        Need(lp, p, 4, key);
                        var length = BinaryPrimitives.ReadUInt32LittleEndian(lp.AsSpan(p));
                        p += 4;
                        if (length > int.MaxValue) throw Error($"a listpack entry is too long (key '{Show(key)}')");
                        elements.Add(Slice(lp, ref p, (int)length, key));
                        goto backlen;
                    case 0xF1: Need(lp, p, 2, key); value = BinaryPrimitives.ReadInt16LittleEndian(lp.AsSpan(p)); p += 2; break;
                    case 0xF2: Need(lp, p, 3, key); value = lp[p] | (lp[p + 1] << 8) | ((sbyte)lp[p + 2] << 16); p += 3; break;
                    case 0xF3: Need(lp, p, 4, key); value = BinaryPrimitives.ReadInt32LittleEndian(lp.AsSpan(p)); p += 4; break;
                    case 0xF4: Need(lp, p, 8, key); value = BinaryPrimitives.ReadInt64LittleEndian(lp.AsSpan(p)); p += 8; break;
                    default: throw Error($"a listpack entry has an unknown encoding 0x{enc:x2} (key '{Show(key)}')");
                }
                elements.Add(Numbers.ToBytes(value));
            }
            backlen:
            var entryLength = p - entryStart;
            var backlenSize = Types.Listpack.BacklenSize(entryLength);
            Need(lp, p, backlenSize, key);
            p += backlenSize;
        }
        if (p != lp.Length - 1) throw Error($"a listpack has bytes after its end marker (key '{Show(key)}')");
        if (declared != ushort.MaxValue && declared != elements.Count)
            throw Error($"a listpack declares {declared} entries but holds {elements.Count} (key '{Show(key)}')");
        return elements;
    }

    /// <summary>intset.c: encoding (2, 4 or 8 bytes), count, sorted little-endian integers.</summary>
    List<byte[]> Intset(byte[] blob)
    {
        if (blob.Length < 8) throw Error("an intset is too short");
        var width = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        var count = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4));
        if (width is not (2 or 4 or 8)) throw Error($"an intset has an unknown encoding {width}");
        if (8 + (long)count * width != blob.Length) throw Error("an intset's length does not match its count");
        var members = new List<byte[]>((int)count);
        for (var i = 0; i < count; i++)
        {
            var at = blob.AsSpan(8 + i * (int)width);
            long v = width switch
            {
                2 => BinaryPrimitives.ReadInt16LittleEndian(at),
                4 => BinaryPrimitives.ReadInt32LittleEndian(at),
                _ => BinaryPrimitives.ReadInt64LittleEndian(at),
            };
            members.Add(Numbers.ToBytes(v));
        }
        return members;
    }

    void Need(byte[] blob, int at, int count, byte[] key)
    {
        if (at + (long)count > blob.Length) throw Error($"an entry runs past the end of its listpack/ziplist (key '{Show(key)}')");
    }

    byte[] Slice(byte[] blob, ref int at, int count, byte[] key)
    {
        Need(blob, at, count, key);
        var slice = blob.AsSpan(at, count).ToArray();
        at += count;
        return slice;
    }

    // ------------------------------------------------------------------ lengths and strings

    ulong ReadLength(string what) => ReadLength(what, out var encoded) is var n && !encoded
        ? n
        : throw Error($"an encoded value where a length ({what}) was expected");

    /// <summary>rdbLoadLenByRef: a length, or (encoded = true) a special string encoding number.</summary>
    ulong ReadLength(string what, out bool encoded)
    {
        encoded = false;
        var first = ReadByte(what);
        switch (first >> 6)
        {
            case Rdb.Len6Bit: return (ulong)(first & 0x3F);
            case Rdb.Len14Bit: return (ulong)(((first & 0x3F) << 8) | ReadByte(what));
            case Rdb.LenEncValue:
                encoded = true;
                return (ulong)(first & 0x3F);
        }
        return first switch
        {
            Rdb.Len32Bit => BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4, what)),
            Rdb.Len64Bit => BinaryPrimitives.ReadUInt64BigEndian(ReadSpan(8, what)),
            _ => throw Error($"unknown length encoding 0x{first:x2} ({what})"),
        };
    }

    /// <summary>rdbGenericLoadStringObject: integer encodings, LZF, or length + bytes.</summary>
    byte[] ReadString(string what)
    {
        var length = ReadLength(what, out var encoded);
        if (!encoded) return ReadBytes(length, what);
        switch ((int)length)
        {
            case Rdb.EncInt8: return Numbers.ToBytes((sbyte)ReadByte(what));
            case Rdb.EncInt16: return Numbers.ToBytes(BinaryPrimitives.ReadInt16LittleEndian(ReadSpan(2, what)));
            case Rdb.EncInt32: return Numbers.ToBytes(BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4, what)));
            case Rdb.EncLzf:
                var compressedLength = ReadLength(what);
                var length2 = ReadLength(what);
                if (length2 > MaxStringLength) throw Error($"a string of {length2} bytes ({what}) is over the {MaxStringLength}-byte limit");
                if (compressedLength > length2 + 64) throw Error($"an LZF string ({what}) is longer compressed than its declared length");
                var compressed = ReadBytes(compressedLength, what);
                return Lzf.Decompress(compressed, (int)length2) ?? throw Error($"an LZF string ({what}) does not decompress to its declared length");
            default:
                throw Error($"unknown string encoding {length} ({what})");
        }
    }

    byte[] ReadBytes(ulong length, string what)
    {
        if (length > MaxStringLength) throw Error($"a string of {length} bytes ({what}) is over the {MaxStringLength}-byte limit");
        if (input.CanSeek && (long)length > input.Length - input.Position + (end - start))
            throw Error($"the file ends inside a string ({what}): it is truncated");
        var result = new byte[length];
        // A length the file does not back fails at its end, without allocating past what it holds
        // when the stream cannot tell its length (checked above when it can).
        var filled = 0;
        while (filled < result.Length)
        {
            if (start == end && !Fill()) throw Error($"the file ends inside a string ({what}): it is truncated");
            var take = Math.Min(end - start, result.Length - filled);
            buffer.AsSpan(start, take).CopyTo(result.AsSpan(filled));
            start += take;
            filled += take;
        }
        return result;
    }

    // ------------------------------------------------------------------ buffer

    byte ReadByte(string what)
    {
        if (start == end && !Fill()) throw Error($"the file ends early (reading {what}): it is truncated");
        return buffer[start++];
    }

    /// <summary>The next <paramref name="count"/> bytes (at most the buffer's size), valid until the next read.</summary>
    ReadOnlySpan<byte> ReadSpan(int count, string what)
    {
        while (end - start < count)
            if (!Fill()) throw Error($"the file ends early (reading {what}): it is truncated");
        var span = buffer.AsSpan(start, count);
        start += count;
        return span;
    }

    /// <summary>Moves what is left to the front and reads more; false at the end of the stream.</summary>
    bool Fill()
    {
        UpdateCrc();
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            bufferOffset += start;
            end -= start;
            start = 0;
            crcFrom = 0;
        }
        var read = input.Read(buffer, end, buffer.Length - end);
        end += read;
        return read > 0;
    }

    void UpdateCrc()
    {
        crc = Crc64Jones.Update(crc, buffer.AsSpan(crcFrom, start - crcFrom));
        crcFrom = start;
    }

    RdbFormatException Error(string message) => new(message, Offset);

    static string Show(byte[] bytes) => Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 64));
}

/// <summary>
/// LZF decompression (lzf_d.c), for the compressed strings Redis writes with rdbcompression on.
/// Hand-written: it is 30 lines and no maintained .NET package decodes raw LZF blocks.
/// </summary>
public static class Lzf
{
    /// <summary>The decompressed bytes, or null when the input is malformed or not exactly <paramref name="length"/> long.</summary>
    public static byte[]? Decompress(ReadOnlySpan<byte> input, int length)
    {
        var output = new byte[length];
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                var run = ctrl + 1; // literal run
                if (op + run > length || ip + run > input.Length) return null;
                input.Slice(ip, run).CopyTo(output.AsSpan(op));
                ip += run;
                op += run;
                continue;
            }
            var len = ctrl >> 5; // back reference
            var back = op - ((ctrl & 0x1F) << 8) - 1;
            if (len == 7)
            {
                if (ip >= input.Length) return null;
                len += input[ip++];
            }
            if (ip >= input.Length) return null;
            back -= input[ip++];
            len += 2;
            if (back < 0 || op + len > length) return null;
            for (var i = 0; i < len; i++) output[op++] = output[back++]; // may overlap: byte by byte
        }
        return op == length ? output : null;
    }
}
