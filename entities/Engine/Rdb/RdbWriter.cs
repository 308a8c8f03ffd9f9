using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.RdbFiles;

/// <summary>
/// Writes Redis RDB (rdb.c's rdbSave*) to a stream, one key at a time, computing the CRC-64 as it
/// goes: nothing but the key being written is held. Plain encodings only (strings with Redis's
/// integer encoding, RDB_TYPE_LIST/SET/HASH, ZSET_2 with binary scores), which Redis 7.0 loads and
/// converts to its compact encodings itself; streams as Redis 7.0 writes them (STREAM_LISTPACKS_2,
/// listpack nodes: Redis has no plain stream encoding). A type the writer does not know is refused
/// (<see cref="NotSupportedException"/>): a new type is one more case in <see cref="WriteKey"/>.
/// </summary>
public sealed class RdbWriter(Stream output)
{
    readonly byte[] scratch = new byte[16];

    /// <summary>CRC-64/Jones of every byte written so far.</summary>
    public ulong Crc { get; private set; }

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    /// <summary>"REDIS000N" and the AUX fields (name, value) Redis writes: redis-ver, redis-bits, ctime...</summary>
    public void WriteHeader(int version, IEnumerable<(string Name, string Value)> aux)
    {
        Write(Encoding.ASCII.GetBytes("REDIS" + version.ToString("D4", CultureInfo.InvariantCulture)));
        foreach (var (name, value) in aux)
        {
            WriteByte(Rdb.OpAux);
            WriteString(Encoding.UTF8.GetBytes(name));
            WriteString(Encoding.UTF8.GetBytes(value));
        }
    }

    /// <summary>The AUX fields of a snapshot taken at <paramref name="nowMs"/>.</summary>
    public static (string, string)[] DefaultAux(long nowMs) =>
    [
        ("redis-ver", Types.Server.RedisVersion),
        ("redis-bits", "64"),
        ("ctime", (nowMs / 1000).ToString(CultureInfo.InvariantCulture)),
        ("used-mem", "0"),
        ("aof-base", "0"),
    ];

    /// <summary>
    /// One function library as Redis 7.0 writes it (rdbSaveFunctions): RDB_OPCODE_FUNCTION2 and its
    /// whole code. Redis writes the libraries after the AUX fields, before the first database.
    /// </summary>
    public void WriteFunction(byte[] code)
    {
        WriteByte(Rdb.OpFunction2);
        WriteString(code);
    }

    /// <summary>SELECTDB, then RESIZEDB with the key counts (a sizing hint for the loader).</summary>
    public void WriteDbStart(int db, long keys, long expires)
    {
        WriteByte(Rdb.OpSelectDb);
        WriteLength((ulong)db);
        WriteByte(Rdb.OpResizeDb);
        WriteLength((ulong)keys);
        WriteLength((ulong)expires);
    }

    /// <summary>One key: EXPIRETIME_MS when it expires, then its type, name and value.</summary>
    public void WriteKey(byte[] key, KeyState state)
    {
        var type = TypeOf(state, key);
        if (state.Hash is { HasFieldExpiries: true } hash) WriteFieldExpiries(key, hash);
        if (state.ExpiresAt is { } at)
        {
            WriteByte(Rdb.OpExpireTimeMs);
            BinaryPrimitives.WriteInt64LittleEndian(scratch, at);
            Write(scratch.AsSpan(0, 8));
        }
        WriteByte(type);
        WriteString(key);
        WriteValue(type, state);
    }

    /// <summary>
    /// <see cref="Rdb.FieldExpiriesAux"/>: the key, the number of fields with an expiry, then each
    /// field and its expiry (unix ms, 8 bytes little-endian), in the RDB's own string encoding.
    /// </summary>
    void WriteFieldExpiries(byte[] key, HashValue hash)
    {
        using var value = new MemoryStream();
        var record = new RdbWriter(value);
        record.WriteString(key);
        var expiring = hash.Entries.Where(e => hash.FieldExpiry(e.Key) is not null).ToList();
        record.WriteLength((ulong)expiring.Count);
        foreach (var (field, _) in expiring)
        {
            record.WriteString(field);
            record.WriteMilliseconds(hash.FieldExpiry(field)!.Value);
        }
        WriteByte(Rdb.OpAux);
        WriteString(Encoding.ASCII.GetBytes(Rdb.FieldExpiriesAux));
        WriteString(value.ToArray());
    }

    /// <summary>
    /// A DUMP payload (cluster.c createDumpPayload): the value's type and encoding as a key's in an
    /// RDB file, then the RDB version (2 bytes) and the CRC-64 of everything before it (8 bytes),
    /// both little-endian. A hash with field expiries is written as Redis 7.4 writes it
    /// (RDB_TYPE_HASH_METADATA, RDB 12); everything else as in a snapshot (RDB 10).
    /// </summary>
    public static byte[] DumpPayload(KeyState state)
    {
        using var payload = new MemoryStream();
        var writer = new RdbWriter(payload);
        ushort version = Rdb.WriteVersion;
        if (state.Hash is { HasFieldExpiries: true } hash)
        {
            writer.WriteByte(Rdb.TypeHashMetadata);
            writer.WriteHashMetadata(hash);
            version = Rdb.HashMetadataVersion;
        }
        else
        {
            var type = TypeOf(state, key: null);
            writer.WriteByte(type);
            writer.WriteValue(type, state);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(writer.scratch, version);
        writer.Write(writer.scratch.AsSpan(0, 2));
        BinaryPrimitives.WriteUInt64LittleEndian(writer.scratch, writer.Crc);
        payload.Write(writer.scratch, 0, 8); // the checksum is not part of what it sums
        return payload.ToArray();
    }

    /// <summary>
    /// RDB_TYPE_HASH_METADATA (Redis 7.4's rdbSaveObject): the earliest field expiry (ms, 8 bytes),
    /// the field count, then per field its expiry as a length (0: none, else expiry - earliest + 1),
    /// the field and the value.
    /// </summary>
    void WriteHashMetadata(HashValue hash)
    {
        var earliest = hash.NextFieldExpiry!.Value;
        WriteMilliseconds(earliest);
        WriteLength((ulong)hash.Count);
        foreach (var (field, value) in hash.Entries)
        {
            WriteLength(hash.FieldExpiry(field) is { } at ? (ulong)(at - earliest + 1) : 0);
            WriteString(field);
            WriteString(value);
        }
    }

    /// <summary>The RDB object type a state is written as; a type the writer does not know is refused.</summary>
    static byte TypeOf(KeyState state, byte[]? key) => state.Type switch
    {
        RedisType.String => Rdb.TypeString,
        RedisType.List => Rdb.TypeList,
        RedisType.Set => Rdb.TypeSet,
        RedisType.ZSet => Rdb.TypeZSet2,
        RedisType.Hash => Rdb.TypeHash,
        RedisType.Stream => Rdb.TypeStreamListpacks2,
        var other => throw new NotSupportedException($"the RDB writer does not know the type '{KeyState.TypeName(other)}'" +
            (key is null ? "" : $" (key '{Encoding.UTF8.GetString(key)}')")),
    };

    /// <summary>A value in its type's encoding (rdbSaveObject).</summary>
    void WriteValue(byte type, KeyState state)
    {
        switch (type)
        {
            case Rdb.TypeString:
                WriteString(state.String!);
                break;
            case Rdb.TypeList:
                var list = state.List!;
                WriteLength((ulong)list.Count);
                foreach (var element in list) WriteString(element);
                break;
            case Rdb.TypeSet:
                var members = state.Set!.Members;
                WriteLength((ulong)members.Count);
                foreach (var member in members) WriteString(member);
                break;
            case Rdb.TypeZSet2:
                var zset = state.SortedSet!;
                WriteLength((ulong)zset.Count);
                foreach (var (member, score) in zset.Entries)
                {
                    WriteString(member);
                    BinaryPrimitives.WriteDoubleLittleEndian(scratch, score);
                    Write(scratch.AsSpan(0, 8));
                }
                break;
            case Rdb.TypeHash:
                var hash = state.Hash!;
                WriteLength((ulong)hash.Count);
                foreach (var (field, value) in hash.Entries)
                {
                    WriteString(field);
                    WriteString(value);
                }
                break;
            case Rdb.TypeStreamListpacks2:
                WriteStream(state.Stream!);
                break;
        }
    }

    /// <summary>
    /// RDB_TYPE_STREAM_LISTPACKS_2 as Redis 7.0's rdbSaveObject writes it: the rax of nodes (key:
    /// master ID as 16 bytes big-endian; value: the node's listpack), length, last ID, first ID,
    /// max deleted ID, entries added, then the groups: name, last ID, entries read, the global PEL
    /// (ID, delivery time, delivery count), and the consumers (name, seen time, their PEL's IDs).
    /// </summary>
    void WriteStream(StreamValue stream)
    {
        WriteLength((ulong)stream.Nodes.Count);
        foreach (var node in stream.Nodes)
        {
            WriteString(RawId(node.Master));
            WriteString(NodeListpack(node));
        }
        WriteLength((ulong)stream.Length);
        WriteId(stream.LastId);
        WriteId(stream.FirstId);
        WriteId(stream.MaxDeletedId);
        WriteLength((ulong)stream.EntriesAdded);
        WriteLength((ulong)stream.Groups.Count);
        foreach (var group in stream.Groups.Values)
        {
            WriteString(group.Name);
            WriteId(group.LastId);
            WriteLength(unchecked((ulong)group.EntriesRead)); // -1 (unknown) as Redis writes it: 2^64-1
            WriteLength((ulong)group.Pending.Count);
            foreach (var pending in group.Pending)
            {
                Write(RawId(pending.Id));
                WriteMilliseconds(pending.DeliveryTime);
                WriteLength((ulong)pending.DeliveryCount);
            }
            WriteLength((ulong)group.Consumers.Count);
            foreach (var consumer in group.Consumers.Values)
            {
                WriteString(consumer.Name);
                WriteMilliseconds(consumer.SeenTime);
                WriteLength((ulong)consumer.Pending.Count);
                foreach (var pending in consumer.Pending) Write(RawId(pending.Id));
            }
        }
    }

    /// <summary>
    /// A node as t_stream.c's streamAppendItem lays it out: the master entry (live count, deleted
    /// count, field count, the master fields, 0), then per entry: flags, ms and seq deltas from the
    /// master ID, the values alone when the fields are the master's (SAMEFIELDS) else the field
    /// count and the pairs, and lp-count (elements in the entry, to walk backwards). The engine
    /// keeps a deleted entry as a tombstone without its values, so one is written as a SAMEFIELDS
    /// entry with empty values and the DELETED flag: Redis skips it as it skips its own.
    /// </summary>
    internal static byte[] NodeListpack(StreamNode node)
    {
        const int flagDeleted = 1, flagSameFields = 2;
        var lp = new Types.Listpack.Builder()
            .Add(node.Live).Add(node.Deleted).Add(node.MasterFields.Length);
        foreach (var field in node.MasterFields) lp.Add(field);
        lp.Add(0);
        foreach (var entry in node.Entries)
        {
            var fields = entry.Fields;
            var same = fields is null || node.SameFields(fields);
            lp.Add((fields is null ? flagDeleted : 0) | (same ? flagSameFields : 0))
                .Add(unchecked((long)(entry.Id.Ms - node.Master.Ms)))
                .Add(unchecked((long)(entry.Id.Seq - node.Master.Seq)));
            var numFields = fields is null ? node.MasterFields.Length : fields.Length / 2;
            if (!same) lp.Add(numFields);
            for (var i = 0; i < numFields; i++)
            {
                if (fields is null) { lp.Add([]); continue; }
                if (!same) lp.Add(fields[2 * i]);
                lp.Add(fields[2 * i + 1]);
            }
            lp.Add(numFields + 3 + (same ? 0 : numFields + 1));
        }
        return lp.ToArray();
    }

    /// <summary>streamEncodeID: ms then seq, 64 bits each, big-endian (so byte order is ID order).</summary>
    static byte[] RawId(StreamId id)
    {
        var raw = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(raw, id.Ms);
        BinaryPrimitives.WriteUInt64BigEndian(raw.AsSpan(8), id.Seq);
        return raw;
    }

    void WriteId(StreamId id)
    {
        WriteLength(id.Ms);
        WriteLength(id.Seq);
    }

    /// <summary>rdbSaveMillisecondTime: 8 bytes little-endian.</summary>
    void WriteMilliseconds(long ms)
    {
        BinaryPrimitives.WriteInt64LittleEndian(scratch, ms);
        Write(scratch.AsSpan(0, 8));
    }

    /// <summary>EOF and the checksum: the file is complete.</summary>
    public void WriteEnd()
    {
        WriteByte(Rdb.OpEof);
        BinaryPrimitives.WriteUInt64LittleEndian(scratch, Crc);
        output.Write(scratch, 0, 8); // the checksum is not part of what it sums
        Length += 8;
    }

    /// <summary>
    /// The end of a file whose bytes before it have CRC <paramref name="crcBefore"/> (for a file
    /// written in parts, see <see cref="Crc64Jones.Combine"/>): EOF and the checksum.
    /// </summary>
    public static byte[] Trailer(ulong crcBefore)
    {
        var trailer = new byte[9];
        trailer[0] = Rdb.OpEof;
        BinaryPrimitives.WriteUInt64LittleEndian(trailer.AsSpan(1), Crc64Jones.Update(crcBefore, trailer.AsSpan(0, 1)));
        return trailer;
    }

    /// <summary>
    /// A whole file from keys in memory (tests, small exports): header, function libraries, db 0,
    /// every key not expired at <paramref name="nowMs"/>, EOF. Keys of other types than the writer knows throw.
    /// </summary>
    public static void WriteFile(Stream output, IReadOnlyCollection<KeyValuePair<byte[], KeyState>> keys, long nowMs,
        IEnumerable<byte[]>? functionLibraries = null)
    {
        var live = keys.Where(k => !k.Value.IsExpired(nowMs) && !k.Value.IsEmpty).ToList();
        var writer = new RdbWriter(output);
        writer.WriteHeader(Rdb.WriteVersion, DefaultAux(nowMs));
        foreach (var code in functionLibraries ?? []) writer.WriteFunction(code);
        writer.WriteDbStart(0, live.Count, live.Count(k => k.Value.ExpiresAt is not null));
        foreach (var (key, state) in live) writer.WriteKey(key, state);
        writer.WriteEnd();
    }

    /// <summary>
    /// rdbSaveLen: 6 bits in one byte, 14 bits in two (big-endian), else a marker byte and 32 or
    /// 64 bits big-endian.
    /// </summary>
    public void WriteLength(ulong length)
    {
        if (length < 1 << 6)
        {
            WriteByte((byte)length);
        }
        else if (length < 1 << 14)
        {
            scratch[0] = (byte)((Rdb.Len14Bit << 6) | (int)(length >> 8));
            scratch[1] = (byte)length;
            Write(scratch.AsSpan(0, 2));
        }
        else if (length <= uint.MaxValue)
        {
            scratch[0] = Rdb.Len32Bit;
            BinaryPrimitives.WriteUInt32BigEndian(scratch.AsSpan(1), (uint)length);
            Write(scratch.AsSpan(0, 5));
        }
        else
        {
            scratch[0] = Rdb.Len64Bit;
            BinaryPrimitives.WriteUInt64BigEndian(scratch.AsSpan(1), length);
            Write(scratch.AsSpan(0, 9));
        }
    }

    /// <summary>
    /// rdbSaveRawString: a string that is a canonical integer in 32-bit range is stored as an
    /// 8/16/32-bit integer (rdbTryIntegerEncoding), anything else as length + bytes.
    /// </summary>
    public void WriteString(byte[] value)
    {
        if (value.Length <= 11 && Numbers.TryParseLong(value, out var n) && n is >= int.MinValue and <= int.MaxValue &&
            Canonical(value, n))
        {
            if (n is >= sbyte.MinValue and <= sbyte.MaxValue)
            {
                scratch[0] = (Rdb.LenEncValue << 6) | Rdb.EncInt8;
                scratch[1] = (byte)(sbyte)n;
                Write(scratch.AsSpan(0, 2));
            }
            else if (n is >= short.MinValue and <= short.MaxValue)
            {
                scratch[0] = (Rdb.LenEncValue << 6) | Rdb.EncInt16;
                BinaryPrimitives.WriteInt16LittleEndian(scratch.AsSpan(1), (short)n);
                Write(scratch.AsSpan(0, 3));
            }
            else
            {
                scratch[0] = (Rdb.LenEncValue << 6) | Rdb.EncInt32;
                BinaryPrimitives.WriteInt32LittleEndian(scratch.AsSpan(1), (int)n);
                Write(scratch.AsSpan(0, 5));
            }
            return;
        }
        WriteLength((ulong)value.Length);
        Write(value);
    }

    /// <summary>The integer prints back as exactly these bytes (no "+1", "01", "-0").</summary>
    static bool Canonical(byte[] value, long n)
    {
        Span<byte> text = stackalloc byte[20];
        return n.TryFormat(text, out var written, provider: CultureInfo.InvariantCulture) && text[..written].SequenceEqual(value);
    }

    void WriteByte(byte b)
    {
        scratch[0] = b;
        Write(scratch.AsSpan(0, 1));
    }

    void Write(ReadOnlySpan<byte> bytes)
    {
        Crc = Crc64Jones.Update(Crc, bytes);
        Length += bytes.Length;
        output.Write(bytes);
    }
}
