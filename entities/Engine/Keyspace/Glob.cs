namespace Serverless.Store.Keyspace;

/// <summary>
/// Redis's glob matching (util.c stringmatchlen) for KEYS, SCAN MATCH and pattern
/// subscriptions: * ? [abc] [^a] [a-z] and backslash escapes, byte by byte. A line-by-line
/// port so that odd patterns (unterminated classes, trailing backslash) match as in Redis.
/// </summary>
public static class Glob
{
    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        var skipLongerMatches = false;
        return Match(pattern, 0, text, 0, ref skipLongerMatches);
    }

    static bool Match(ReadOnlySpan<byte> pat, int p, ReadOnlySpan<byte> str, int s, ref bool skipLongerMatches)
    {
        // At(i) mirrors C reading the terminating NUL one past the end.
        static byte At(ReadOnlySpan<byte> b, int i) => i < b.Length ? b[i] : (byte)0;

        while (p < pat.Length && s < str.Length)
        {
            switch (pat[p])
            {
                case (byte)'*':
                    while (p + 1 < pat.Length && pat[p + 1] == '*') p++;
                    if (p + 1 == pat.Length) return true;
                    while (s < str.Length)
                    {
                        if (Match(pat, p + 1, str, s, ref skipLongerMatches)) return true;
                        // A later '*' already failed on every shorter tail: longer ones fail too.
                        if (skipLongerMatches) return false;
                        s++;
                    }
                    skipLongerMatches = true;
                    return false;
                case (byte)'?':
                    s++;
                    break;
                case (byte)'[':
                {
                    p++;
                    var not = At(pat, p) == '^';
                    if (not) p++;
                    var match = false;
                    while (true)
                    {
                        if (At(pat, p) == '\\' && pat.Length - p >= 2)
                        {
                            p++;
                            if (pat[p] == str[s]) match = true;
                        }
                        else if (At(pat, p) == ']')
                        {
                            break;
                        }
                        else if (p >= pat.Length)
                        {
                            p--; // unterminated class: step back so the outer p++ ends the pattern
                            break;
                        }
                        else if (pat.Length - p >= 3 && pat[p + 1] == '-')
                        {
                            // C's char is signed on the platforms Redis ships for.
                            int start = (sbyte)pat[p], end = (sbyte)pat[p + 2], c = (sbyte)str[s];
                            if (start > end) (start, end) = (end, start);
                            p += 2;
                            if (c >= start && c <= end) match = true;
                        }
                        else if (pat[p] == str[s])
                        {
                            match = true;
                        }
                        p++;
                    }
                    if (not) match = !match;
                    if (!match) return false;
                    s++;
                    break;
                }
                case (byte)'\\':
                    if (pat.Length - p >= 2) p++;
                    if (pat[p] != str[s]) return false;
                    s++;
                    break;
                default:
                    if (pat[p] != str[s]) return false;
                    s++;
                    break;
            }
            p++;
            if (s == str.Length)
            {
                while (At(pat, p) == '*') p++;
                break;
            }
        }
        return p >= pat.Length && s == str.Length;
    }
}
