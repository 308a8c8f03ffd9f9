using System.IO.Hashing;
using Serverless.Store.Protocol;

namespace Serverless.Store.Keyspace;

/// <summary>The options of SCAN, HSCAN, SSCAN and ZSCAN.</summary>
public sealed record ScanOptions(ulong Cursor, byte[]? Pattern, long Count, byte[]? Type)
{
    public bool Matches(byte[] item) => Pattern is null || Glob.Match(Pattern, item);
}

/// <summary>
/// The SCAN family's stateless cursor. Items are visited in the order of a stable 63-bit hash
/// of their name and the cursor is the hash to resume from, so (as Redis promises) an item
/// present from the first call to the last is returned, whatever changes in between, and the
/// cursor means the same thing in every process. Cursor 0 starts and ends an iteration.
/// </summary>
public static class Scan
{
    /// <summary>Parses the cursor, then the options after it (Redis's scanGenericCommand).</summary>
    public static ScanOptions Parse(byte[][] args, int cursorIndex, bool allowType)
    {
        var cursor = ParseCursor(args[cursorIndex]);
        byte[]? pattern = null, type = null;
        long count = 10;
        for (var i = cursorIndex + 1; i < args.Length; i += 2)
        {
            var option = System.Text.Encoding.ASCII.GetString(args[i]).ToLowerInvariant();
            if (i + 1 >= args.Length) throw new RedisException(Errors.Syntax);
            switch (option)
            {
                case "count":
                    count = Numbers.ParseLong(args[i + 1]);
                    if (count < 1) throw new RedisException(Errors.Syntax);
                    break;
                case "match":
                    // "*" matches everything: Redis skips matching then, and so do we.
                    pattern = args[i + 1] is [(byte)'*'] ? null : args[i + 1];
                    break;
                case "type" when allowType:
                    type = args[i + 1];
                    break;
                default:
                    throw new RedisException(Errors.Syntax);
            }
        }
        return new ScanOptions(cursor, pattern, count, type);
    }

    /// <summary>strtoul as Redis uses it for cursors: "ERR invalid cursor" otherwise.</summary>
    public static ulong ParseCursor(byte[] arg)
    {
        if (arg.Length == 0) return 0; // strtoul reads "" as 0 and Redis accepts it
        var s = System.Text.Encoding.ASCII.GetString(arg);
        var negative = s.StartsWith('-');
        var digits = s.Length > 0 && (s[0] == '+' || s[0] == '-') ? s[1..] : s;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) || !ulong.TryParse(digits, out var value))
            throw new RedisException(Errors.InvalidCursor);
        return negative ? unchecked(0 - value) : value;
    }

    /// <summary>The stable position of an item in every iteration (never 0).</summary>
    public static ulong Position(ReadOnlySpan<byte> name) => Math.Max(1, XxHash64.HashToUInt64(name) >> 1);

    /// <summary>
    /// One page: items from <paramref name="cursor"/> on, in position order, about
    /// <paramref name="count"/> of them (items sharing a position stay together), and the cursor
    /// of the next page (0 when this page ends the iteration).
    /// </summary>
    public static (ulong Next, List<T> Page) Page<T>(IEnumerable<T> items, Func<T, byte[]> name, ulong cursor, long count)
    {
        var ordered = items
            .Select(item => (Position: Position(name(item)), Item: item))
            .Where(x => x.Position >= cursor)
            .OrderBy(x => x.Position)
            .ToList();
        var page = new List<T>();
        var i = 0;
        while (i < ordered.Count && (page.Count < count || ordered[i].Position == ordered[i - 1].Position))
            page.Add(ordered[i++].Item);
        return (i < ordered.Count ? ordered[i].Position : 0, page);
    }

    /// <summary>The reply shape: [cursor, [items...]].</summary>
    public static Reply Reply(ulong next, IEnumerable<byte[]> items) => Protocol.Reply.Array(
    [
        Protocol.Reply.Bulk(next.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Protocol.Reply.BulkArray(items),
    ]);

    /// <summary>What HSCAN/SSCAN/ZSCAN answer for a missing key.</summary>
    public static Reply Empty => Reply(0, []);
}
