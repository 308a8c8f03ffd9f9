using System.Globalization;
using System.Text;

namespace Serverless.Store.Protocol;

/// <summary>
/// Redis's number rules (util.c): strict 64-bit integer parsing (string2ll), strtod-style
/// doubles with inf/-inf, and "%.17g" formatting of doubles in replies.
/// </summary>
public static class Numbers
{
    /// <summary>string2ll: optional '-', no '+', no leading zeros, no spaces, fits in 64 bits.</summary>
    public static bool TryParseLong(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 20) return false;
        if (s.Length == 1 && s[0] == '0') return true;
        var negative = s[0] == '-';
        var p = negative ? s[1..] : s;
        if (p.Length == 0 || p[0] < '1' || p[0] > '9') return false;
        ulong v = 0;
        foreach (var c in p)
        {
            if (c < '0' || c > '9') return false;
            if (v > (ulong.MaxValue - (ulong)(c - '0')) / 10) return false;
            v = v * 10 + (ulong)(c - '0');
        }
        if (negative)
        {
            if (v > (ulong)long.MaxValue + 1) return false;
            value = unchecked(-(long)v);
        }
        else
        {
            if (v > long.MaxValue) return false;
            value = (long)v;
        }
        return true;
    }

    public static long ParseLong(byte[] s, string error = Errors.NotInteger) =>
        TryParseLong(s, out var v) ? v : throw new RedisException(error);

    /// <summary>
    /// getDoubleFromObject: strtod over the whole argument, but no empty input, no leading
    /// space, no NaN, and no overflow or underflow to zero (strtod's ERANGE).
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length == 0 || IsSpace(s[0]) || s.IndexOf((byte)0) >= 0) return false;
        return StrtodInRange(s, out value) && !double.IsNaN(value);
    }

    /// <summary>
    /// <see cref="Strtod"/> that also fails where strtod sets ERANGE: a finite number too large
    /// (it became infinite) or too small (it became zero).
    /// </summary>
    public static bool StrtodInRange(ReadOnlySpan<byte> s, out double value)
    {
        if (!Strtod(s, out value)) return false;
        var nul = s.IndexOf((byte)0);
        var body = (nul >= 0 ? s[..nul] : s).TrimStart(" \t\n\v\f\r"u8);
        if (body.Length > 0 && body[0] is (byte)'+' or (byte)'-') body = body[1..];
        if (double.IsInfinity(value) && !EqualsIgnoreCase(body, "inf") && !EqualsIgnoreCase(body, "infinity")) return false;
        return value != 0 || !HasNonZeroMantissa(body);
    }

    public static double ParseDouble(byte[] s, string error = Errors.NotFloat) =>
        TryParseDouble(s, out var v) ? v : throw new RedisException(error);

    /// <summary>
    /// C's strtod as zslParseRange uses it: leading white space, decimal or hex, inf/infinity
    /// and nan, overflow to infinity, and the whole (NUL-terminated) string consumed. An empty
    /// string converts nothing and so is 0, as in Redis.
    /// </summary>
    public static bool Strtod(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        var nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        if (s.Length == 0) return true;
        var i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        var negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-') negative = s[i++] == '-';
        var body = s[i..];
        if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity"))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (body.Length >= 3 && EqualsIgnoreCase(body[..3], "nan"))
        {
            // "nan" and "nan(chars)" convert; isnan rejects them afterwards.
            if (body.Length == 3 || (body[3] == '(' && body[^1] == ')' && AllAlnum(body[4..^1])))
            {
                value = double.NaN;
                return true;
            }
            return false;
        }
        if (body.Length > 2 && body[0] == '0' && body[1] is (byte)'x' or (byte)'X' && TryHex(body[2..], out value))
        {
            if (negative) value = -value;
            return true;
        }
        // decimal: digits [. digits] [e [sign] digits], at least one mantissa digit
        var j = 0;
        var digits = 0;
        while (j < body.Length && char.IsAsciiDigit((char)body[j])) { j++; digits++; }
        if (j < body.Length && body[j] == '.')
        {
            j++;
            while (j < body.Length && char.IsAsciiDigit((char)body[j])) { j++; digits++; }
        }
        if (digits == 0) return false;
        if (j < body.Length && body[j] is (byte)'e' or (byte)'E')
        {
            j++;
            if (j < body.Length && body[j] is (byte)'+' or (byte)'-') j++;
            var expDigits = 0;
            while (j < body.Length && char.IsAsciiDigit((char)body[j])) { j++; expDigits++; }
            if (expDigits == 0) return false;
        }
        if (j != body.Length) return false;
        // .NET parses correctly rounded, overflowing to infinity as strtod does.
        value = double.Parse(System.Text.Encoding.ASCII.GetString(body), System.Globalization.NumberStyles.AllowDecimalPoint |
            System.Globalization.NumberStyles.AllowExponent, System.Globalization.CultureInfo.InvariantCulture);
        if (negative) value = -value;
        return true;
    }

    static bool TryHex(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        var j = 0;
        var digits = 0;
        var fraction = 0;
        var seenPoint = false;
        for (; j < s.Length; j++)
        {
            var c = s[j];
            if (c == '.' && !seenPoint) { seenPoint = true; continue; }
            var d = HexDigit(c);
            if (d < 0) break;
            value = value * 16 + d;
            digits++;
            if (seenPoint) fraction++;
        }
        if (digits == 0) return false;
        var exponent = 0;
        if (j < s.Length && s[j] is (byte)'p' or (byte)'P')
        {
            j++;
            var neg = false;
            if (j < s.Length && s[j] is (byte)'+' or (byte)'-') neg = s[j++] == '-';
            var expDigits = 0;
            while (j < s.Length && char.IsAsciiDigit((char)s[j]))
            {
                exponent = Math.Min(exponent * 10 + (s[j] - '0'), 100000);
                j++;
                expDigits++;
            }
            if (expDigits == 0) return false;
            if (neg) exponent = -exponent;
        }
        if (j != s.Length) return false;
        value = Math.ScaleB(value, exponent - 4 * fraction);
        return true;
    }

    static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    static bool AllAlnum(ReadOnlySpan<byte> s)
    {
        foreach (var c in s)
            if (!char.IsAsciiLetterOrDigit((char)c) && c != '_') return false;
        return true;
    }

    static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, string lower)
    {
        if (s.Length != lower.Length) return false;
        for (var i = 0; i < s.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }

    /// <summary>The "%.17g" of addReplyDouble, with inf/-inf spelled as Redis spells them.</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        var g = d.ToString("G17", CultureInfo.InvariantCulture);
        var e = g.IndexOf('E');
        if (e < 0) return g;
        // .NET writes E+20 / E-05; C writes e+20 / e-05 (at least two exponent digits).
        var mantissa = g[..e];
        var sign = g[e + 1];
        var digits = g[(e + 2)..].TrimStart('0');
        if (digits.Length < 2) digits = digits.PadLeft(2, '0');
        return $"{mantissa}e{sign}{digits}";
    }

    public static byte[] ToBytes(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    static bool HasNonZeroMantissa(ReadOnlySpan<byte> body)
    {
        var hex = body.Length > 2 && body[0] == '0' && (body[1] | 0x20) == 'x';
        foreach (var c in hex ? body[2..] : body)
        {
            if (hex ? (c | 0x20) == 'p' : (c | 0x20) == 'e') break;
            if (c is >= (byte)'1' and <= (byte)'9' || hex && (c | 0x20) is >= 'a' and <= 'f') return true;
        }
        return false;
    }
}
