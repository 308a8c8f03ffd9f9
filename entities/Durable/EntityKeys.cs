using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// Redis key &lt;-&gt; durable entity key. A key without a hash tag has an entity of its own, keyed by
/// the escaped key; a key with a hash tag (Redis Cluster's rule: the bytes between the first '{' and
/// the first '}' after it, when not empty) lives in the entity of its tag, keyed by the escaped
/// "{tag}", with every other key of that tag (<see cref="EntityOf"/>). Entity instance ids
/// ("@key@&lt;escaped&gt;") become Azure Table partition keys, blob name segments and queue message
/// text, so the escaped form uses only ASCII letters, digits and <c>- _ . :</c>; every other byte
/// (including '/', '\', '#', '?', '%', '{', control characters, non-ASCII and non-UTF-8 bytes)
/// becomes <c>~XX</c> (two upper-case hex digits). The escaping works byte by byte, so it is
/// reversible and keeps prefixes: escape(a + b) = escape(a) + escape(b), and SCAN MATCH user:*
/// becomes a prefix query. Hand-written because no library escaping has both properties and this alphabet.
/// A key (or "{tag}") whose escaped form is longer than <see cref="MaxEscapedLength"/> (an Azure Table
/// key's limit) gets a long-key entity: the escaped form of its first bytes (at most
/// <see cref="LongPrefixLength"/> characters, so prefix queries still find it), <c>~~</c> (never in an
/// escaped key) and a SHA-256 digest of the whole key. Such an entity keeps its key in its state, as a
/// hash tag's entity does (<see cref="IsGroup"/>): every access checks the whole key, so keys that
/// share the prefix (or, however unlikely, the digest) stay apart.
/// </summary>
public static class EntityKeys
{
    /// <summary>The entity name every key uses (entity names are lower-cased by the engine).</summary>
    public const string EntityName = "key";

    /// <summary>"@key@": what every key entity's instance id starts with.</summary>
    public const string InstanceIdPrefix = "@" + EntityName + "@";

    /// <summary>
    /// Longest escaped key that is its entity's key as it is. An Azure Table key holds at most 1 KiB
    /// of UTF-16 (512 characters) and the instance id adds "@key@"; 500 leaves a margin. Longer keys
    /// get a long-key entity (the class summary).
    /// </summary>
    public const int MaxEscapedLength = 500;

    /// <summary>How much of a long key its entity key keeps, escaped (then "~~" and 64 hex digits: 466 in all).</summary>
    public const int LongPrefixLength = 400;

    /// <summary>Between a long key's prefix and its digest: "~" is always followed by two hex digits in an escaped key, so "~~" marks a long-key entity.</summary>
    const string LongKeyMark = "~~";

    const char EscapeChar = '~';

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
                span[i++] = EscapeChar;
                span[i++] = "0123456789ABCDEF"[b >> 4];
                span[i++] = "0123456789ABCDEF"[b & 15];
            }
        });
    }

    /// <summary>
    /// A key's hash tag: the bytes between its first '{' and the first '}' after it, when that is
    /// not empty (CLUSTER KEYSLOT's rule exactly); an empty span when the key has none.
    /// </summary>
    public static ReadOnlySpan<byte> HashTag(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open < 0) return default;
        var close = key[(open + 1)..].IndexOf((byte)'}');
        return close <= 0 ? default : key.Slice(open + 1, close);
    }

    /// <summary>
    /// The entity key that holds a Redis key: the escaped key, or for a key with a hash tag the escaped
    /// "{tag}" (the group of every key with that tag); past <see cref="MaxEscapedLength"/>, the long-key form.
    /// </summary>
    public static string EntityOf(byte[] key)
    {
        var tag = HashTag(key);
        ReadOnlySpan<byte> held = tag.IsEmpty ? key : [(byte)'{', .. tag, (byte)'}'];
        if (EscapedLength(held) <= MaxEscapedLength) return EscapeBytes(held);
        return EscapeBytes(LongPrefix(held)) + LongKeyMark + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(held));
    }

    /// <summary>The longest start of <paramref name="key"/> whose escaped form fits <see cref="LongPrefixLength"/>.</summary>
    static ReadOnlySpan<byte> LongPrefix(ReadOnlySpan<byte> key)
    {
        int n = 0, length = 0;
        while (n < key.Length && length + (Plain[key[n]] ? 1 : 3) <= LongPrefixLength) length += Plain[key[n++]] ? 1 : 3;
        return key[..n];
    }

    /// <summary>True for a long key's entity (prefix, "~~", digest): a group of its one key, not a hash tag's (no group limits).</summary>
    public static bool IsLongKey(string entityKey) => entityKey.Contains(LongKeyMark, StringComparison.Ordinal);

    /// <summary>
    /// True when the entity keeps its keys in its state: a hash tag's group ("{tag}" escaped) or a
    /// long key's entity; false for an entity of one key named by its entity key.
    /// </summary>
    public static bool IsGroup(string entityKey) =>
        IsLongKey(entityKey) ||
        entityKey.StartsWith(OpenBrace, StringComparison.Ordinal) && entityKey.EndsWith(CloseBrace, StringComparison.Ordinal)
        && entityKey.Length > OpenBrace.Length + CloseBrace.Length
        && entityKey.IndexOf(CloseBrace, OpenBrace.Length, StringComparison.Ordinal) == entityKey.Length - CloseBrace.Length;

    const string OpenBrace = "~7B", CloseBrace = "~7D";

    /// <summary>The bytes of an escaped key; throws FormatException on text we never produce.</summary>
    public static byte[] Unescape(string entityKey)
    {
        var count = 0;
        for (var i = 0; i < entityKey.Length; i++, count++)
            if (entityKey[i] == EscapeChar) i += 2;
        var bytes = new byte[count];
        var o = 0;
        for (var i = 0; i < entityKey.Length; i++)
        {
            var c = entityKey[i];
            if (c == EscapeChar)
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

    /// <summary>
    /// Every instance-id prefix a query must read to find the keys that start with
    /// <paramref name="keyPrefix"/>: the keys of their own entities under it, and the hash tags' groups
    /// that can hold such keys. A prefix starting with '{' names the groups by their tag's start; any
    /// other prefix may be matched by a key whose tag comes later ("app:{u1}:x"), so every group is read.
    /// </summary>
    public static IReadOnlyList<string> InstanceIdPrefixesFor(ReadOnlySpan<byte> keyPrefix)
    {
        var own = InstanceIdPrefixFor(keyPrefix);
        if (keyPrefix.Length > 0 && keyPrefix[0] == (byte)'{')
        {
            // "{ta" reaches "{tag}" groups; "{tag}x" only the group "{tag}": both are prefixes of the escaped key up to its '}'.
            var close = keyPrefix.IndexOf((byte)'}');
            return [close < 0 ? own : InstanceIdPrefixFor(keyPrefix[..(close + 1)])];
        }
        var groups = InstanceIdPrefix + OpenBrace;
        return groups.StartsWith(own, StringComparison.Ordinal) ? [own] : [own, groups];
    }

    /// <summary>
    /// Instance-id prefix selecting every key entity whose key starts with <paramref name="keyPrefix"/>:
    /// a prefix longer than a long key's entity keeps is cut to <see cref="LongPrefixLength"/> (the
    /// query then holds other keys too; callers match every key they read).
    /// </summary>
    public static string InstanceIdPrefixFor(ReadOnlySpan<byte> keyPrefix) =>
        InstanceIdPrefix + EscapeBytes(EscapedLength(keyPrefix) > LongPrefixLength ? LongPrefix(keyPrefix) : keyPrefix);
}
