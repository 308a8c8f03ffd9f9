namespace Serverless.Store.RdbFiles;

/// <summary>
/// The RDB format's numbers (Redis 7.0's rdb.h): object types, opcodes, length and string
/// encodings. One home for them; the writer and the reader both use these names.
/// </summary>
public static class Rdb
{
    /// <summary>
    /// The version we write: 10, Redis 7.0's own, because streams are written as
    /// RDB_TYPE_STREAM_LISTPACKS_2 (first ID, max deleted ID, entries added, groups' entries read),
    /// which only Redis 7.0 on loads. The other types use plain encodings any version reads.
    /// </summary>
    public const int WriteVersion = 10;

    /// <summary>Highest version the reader takes: Redis 7.0's own.</summary>
    public const int MaxReadVersion = 10;

    /// <summary>
    /// RDB 12 (Redis 7.4): the version of a DUMP payload holding a hash with field expiries, which
    /// only RDB_TYPE_HASH_METADATA can carry. Redis 7.0 refuses such a payload (its version is
    /// newer) instead of restoring the hash without them; RESTORE here reads it.
    /// </summary>
    public const int HashMetadataVersion = 12;

    /// <summary>
    /// The AUX field a snapshot writes before a hash key whose fields have expiries (key, then
    /// each field and its unix ms): RDB 10 has no place for them, Redis ignores AUX fields it does
    /// not know (so redis-server loads the hash with its fields persistent), and our reader puts
    /// them back on the hash that follows.
    /// </summary>
    public const string FieldExpiriesAux = "serverless-store-field-expiries";

    // Object types (what a key's value is stored as).
    public const byte TypeString = 0, TypeList = 1, TypeSet = 2, TypeZSet = 3, TypeHash = 4, TypeZSet2 = 5,
        TypeModule = 6, TypeModule2 = 7,
        TypeHashZipmap = 9, TypeListZiplist = 10, TypeSetIntset = 11, TypeZSetZiplist = 12, TypeHashZiplist = 13,
        TypeListQuicklist = 14, TypeStreamListpacks = 15, TypeHashListpack = 16, TypeZSetListpack = 17,
        TypeListQuicklist2 = 18, TypeStreamListpacks2 = 19,
        TypeHashMetadata = 24; // Redis 7.4: a hash with field expiries (min expiry, then per field: ttl, field, value)

    // Opcodes (special "types" that are not keys).
    public const byte OpFunction2 = 245, OpFunction = 246, OpModuleAux = 247, OpIdle = 248, OpFreq = 249, OpAux = 250,
        OpResizeDb = 251, OpExpireTimeMs = 252, OpExpireTime = 253, OpSelectDb = 254, OpEof = 255;

    // Length encodings: the top two bits of the first byte.
    public const int Len6Bit = 0, Len14Bit = 1, Len32Bit = 0x80, Len64Bit = 0x81, LenEncValue = 3;

    // Special string encodings (after LenEncValue).
    public const int EncInt8 = 0, EncInt16 = 1, EncInt32 = 2, EncLzf = 3;

    // Quicklist 2 node containers.
    public const int QuicklistNodePlain = 1, QuicklistNodePacked = 2;

    public static string TypeName(byte type) => type switch
    {
        TypeString => "string",
        TypeList => "list",
        TypeSet => "set",
        TypeZSet => "zset",
        TypeHash => "hash",
        TypeZSet2 => "zset (ZSET_2)",
        TypeModule or TypeModule2 => "module value",
        TypeHashZipmap => "hash (zipmap)",
        TypeListZiplist => "list (ziplist)",
        TypeSetIntset => "set (intset)",
        TypeZSetZiplist => "zset (ziplist)",
        TypeHashZiplist => "hash (ziplist)",
        TypeListQuicklist => "list (quicklist)",
        TypeStreamListpacks or TypeStreamListpacks2 => "stream",
        TypeHashListpack => "hash (listpack)",
        TypeZSetListpack => "zset (listpack)",
        TypeListQuicklist2 => "list (quicklist 2)",
        TypeHashMetadata => "hash (with field expiries)",
        _ => $"unknown type {type}",
    };
}

/// <summary>An RDB file the reader refuses: what is wrong and at which byte offset.</summary>
public sealed class RdbFormatException(string message, long offset = -1) : Exception(offset >= 0 ? $"{message} (at byte {offset})" : message)
{
    public long Offset { get; } = offset;
    public string Reason { get; } = message;
}
