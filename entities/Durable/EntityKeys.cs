using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// Redis key &lt;-&gt; durable entity key. Entity instance ids ("@key@&lt;escaped&gt;") become Azure
/// Table partition keys, blob name segments and queue message text, so the escaped form uses only
/// ASCII letters, digits and <c>- _ . :</c>; every other byte (including '/', '\', '#', '?', '%',
/// control characters, non-ASCII and non-UTF-8 bytes) becomes <c>~XX</c> (two upper-case hex
/// digits). The escaping works byte by byte, so it is reversible and keeps prefixes:
/// escape(a + b) = escape(a) + escape(b), and SCAN MATCH user:* becomes a prefix query.
/// Hand-written because no library escaping has both properties and this alphabet.
/// </summary>
public static class EntityKeys
{
    /// <summary>The entity name every key uses (entity names are lower-cased by the engine).</summary>
    public const string EntityName = "key";

    /// <summary>"@key@": what every key entity's instance id starts with.</summary>
    public const string InstanceIdPrefix = "@" + EntityName + "@";

    /// <summary>
    /// Longest escaped key accepted. An Azure Table key holds at most 1 KiB of UTF-16 (512
    /// characters) and the instance id adds "@key@"; 500 leaves a margin. A key of plain
    /// letters/digits/-_.: may thus be 500 bytes long, a fully binary one 166 bytes.
    /// </summary>
    public const int MaxEscapedLength = 500;

    public const string TooLongError =
        "ERR key is too long for this store (at most 500 characters once escaped: letters, digits and -_.: count 1, other bytes 3)";

    const char Escape = '~';

    static readonly bool[] Plain = BuildPlain();

    static bool[] BuildPlain()
    {
        var plain = new bool[256];
        for (var c = 'a'; c <= 'z'; c++) plain[c] = true;
        for (var c = 'A'; c <= 'Z'; c++) plain[c] = true;
        for (var c = '0'; c <= '9'; c++) plain[c] = true;
        foreach (var c in "-_.:") plain[c] = true;
        return plain;
    }

    /// <summary>Length of the escaped form, without building it.</summary>
    public static int EscapedLength(ReadOnlySpan<byte> key)
    {
        var n = 0;
        foreach (var b in key) n += Plain[b] ? 1 : 3;
        return n;
    }

    /// <summary>The escaped form of any byte string (no length check: prefixes use this too).</summary>
    public static string EscapeBytes(ReadOnlySpan<byte> key)
    {
        return string.Create(EscapedLength(key), key.ToArray(), static (span, bytes) =>
        {
            var i = 0;
            foreach (var b in bytes)
            {
                if (Plain[b]) { span[i++] = (char)b; continue; }
                span[i++] = Escape;
                span[i++] = "0123456789ABCDEF"[b >> 4];
                span[i++] = "0123456789ABCDEF"[b & 15];
            }
        });
    }

    /// <summary>The entity key of a Redis key; a key too long for the backend is refused.</summary>
    public static string ToEntityKey(byte[] key)
    {
        if (EscapedLength(key) > MaxEscapedLength) throw new RedisException(TooLongError);
        return EscapeBytes(key);
    }

    public static bool TryToEntityKey(byte[] key, out string entityKey)
    {
        entityKey = "";
        if (EscapedLength(key) > MaxEscapedLength) return false;
        entityKey = EscapeBytes(key);
        return true;
    }

    /// <summary>The Redis key of an entity key; throws FormatException on text we never produce.</summary>
    public static byte[] FromEntityKey(string entityKey)
    {
        var count = 0;
        for (var i = 0; i < entityKey.Length; i++, count++)
            if (entityKey[i] == Escape) i += 2;
        var bytes = new byte[count];
        var o = 0;
        for (var i = 0; i < entityKey.Length; i++)
        {
            var c = entityKey[i];
            if (c == Escape)
            {
                if (i + 2 >= entityKey.Length) throw new FormatException("truncated escape in entity key");
                bytes[o++] = (byte)(Hex(entityKey[i + 1]) << 4 | Hex(entityKey[i + 2]));
                i += 2;
            }
            else
            {
                if (c > 255 || !Plain[c]) throw new FormatException($"unexpected character '{c}' in entity key");
                bytes[o++] = (byte)c;
            }
        }
        return bytes;
    }

    static int Hex(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => throw new FormatException($"bad hex digit '{c}' in entity key"),
    };

    /// <summary>
    /// The literal prefix of a Redis glob pattern: every key the pattern matches starts with it
    /// (bytes before the first * ? [ or \). Used to turn SCAN/KEYS into a prefix query.
    /// </summary>
    public static byte[] LiteralPrefix(ReadOnlySpan<byte> pattern)
    {
        var n = 0;
        while (n < pattern.Length && pattern[n] is not ((byte)'*' or (byte)'?' or (byte)'[' or (byte)'\\')) n++;
        return pattern[..n].ToArray();
    }

    /// <summary>True for the instance id of a key entity ("@key@...").</summary>
    public static bool IsKeyInstanceId(string instanceId) => instanceId.StartsWith(InstanceIdPrefix, StringComparison.Ordinal);

    /// <summary>Instance-id prefix selecting every key entity whose key starts with <paramref name="keyPrefix"/>.</summary>

    public static string InstanceIdPrefixFor(ReadOnlySpan<byte> keyPrefix) => InstanceIdPrefix + EscapeBytes(keyPrefix);
}
