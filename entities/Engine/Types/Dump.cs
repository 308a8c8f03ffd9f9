using System.Buffers.Binary;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.RdbFiles;

namespace Serverless.Store.Types;

/// <summary>
/// DUMP and RESTORE (cluster.c): a key's value as Redis's payload (the RDB encoding of the value,
/// the RDB version, a CRC-64), so values move both ways between this store and redis-server. The
/// RDB writer and reader (entities/Engine/Rdb) do the encoding; this is the commands' part.
/// </summary>
public static class Dump
{
    const string BadPayload = "ERR DUMP payload version or checksum are wrong";
    const string BadFormat = "ERR Bad data format";
    const string BusyKey = "BUSYKEY Target key name already exists.";

    /// <summary>
    /// The newest RDB version whose payloads RESTORE reads: Redis 7.4's (RDB 12), so our own hashes
    /// with field expiries come back, and payloads of newer servers restore when their value is
    /// in an encoding this store reads (Redis 7.0 refuses any version past 10).
    /// </summary>
    const int MaxPayloadVersion = Rdb.HashMetadataVersion;

    public static Reply DumpCommand(CommandContext ctx, byte[][] args) =>
        ctx.Lookup(args[1]) is { } state ? Reply.Bulk(RdbWriter.DumpPayload(state)) : Reply.Nil;

    /// <summary>
    /// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency], checked in
    /// restoreCommand's order: options, an existing key, the TTL, the payload's footer, its value.
    /// A TTL already past answers OK and leaves no key (deleting a replaced one). IDLETIME and FREQ
    /// are checked as Redis checks them; this store keeps no access times to set.
    /// </summary>
    public static Reply Restore(CommandContext ctx, byte[][] args)
    {
        bool replace = false, absoluteTtl = false, idleTime = false, frequency = false;
        for (var j = 4; j < args.Length; j++)
        {
            var more = args.Length - j - 1;
            if (Is(args[j], "replace")) replace = true;
            else if (Is(args[j], "absttl")) absoluteTtl = true;
            else if (Is(args[j], "idletime") && more >= 1 && !frequency)
            {
                if (Numbers.ParseLong(args[++j]) < 0) throw new RedisException("ERR Invalid IDLETIME value, must be >= 0");
                idleTime = true;
            }
            else if (Is(args[j], "freq") && more >= 1 && !idleTime)
            {
                if (Numbers.ParseLong(args[++j]) is < 0 or > 255) throw new RedisException("ERR Invalid FREQ value, must be >= 0 and <= 255");
                frequency = true;
            }
            else throw new RedisException(Errors.Syntax);
        }

        var key = args[1];
        if (!replace && ctx.Lookup(key) is not null) throw new RedisException(BusyKey);
        var ttl = Numbers.ParseLong(args[2]);
        if (ttl < 0) throw new RedisException("ERR Invalid TTL value, must be >= 0");
        var state = ReadPayload(args[3], key);

        var deleted = replace && ctx.Delete(key);
        if (ttl != 0 && !absoluteTtl) ttl = unchecked(ttl + ctx.NowMs); // Redis's sum overflows too, into the past
        if (ttl != 0 && ttl <= ctx.NowMs)
        {
            if (deleted) ctx.Notify('g', "del", key);
            return Reply.Ok;
        }
        state.ExpiresAt = ttl == 0 ? null : ttl;
        ctx.Replace(key, state);
        ctx.Notify('g', "restore", key);
        return Reply.Ok;
    }

    /// <summary>verifyDumpPayload, then the value: the version must be one this store reads, the CRC-64 must match.</summary>
    static KeyState ReadPayload(byte[] payload, byte[] key)
    {
        if (payload.Length < 10) throw new RedisException(BadPayload);
        var footer = payload.AsSpan(payload.Length - 10);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(footer);
        if (version > MaxPayloadVersion) throw new RedisException(BadPayload);
        if (Crc64Jones.Compute(payload.AsSpan(0, payload.Length - 8)) != BinaryPrimitives.ReadUInt64LittleEndian(footer[2..]))
            throw new RedisException(BadPayload);
        try
        {
            // The whole payload, footer included, as Redis reads it: a value may run into the footer.
            return RdbReader.ReadDumpValue(payload, version, key);
        }
        catch (RdbFormatException)
        {
            throw new RedisException(BadFormat);
        }
    }

    static bool Is(byte[] arg, string lower) => System.Text.Ascii.EqualsIgnoreCase(arg, lower);
}
