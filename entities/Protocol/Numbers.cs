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

    /// <summary>strtod as Redis uses it: no leading space, whole input consumed, no NaN, no overflow.</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 5000 || IsSpace(s[0])) return false;
        var text = Encoding.ASCII.GetString(s);
        var body = text.Length > 0 && (text[0] == '+' || text[0] == '-') ? text[1..] : text;
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        foreach (var c in body)
            if (!(c is >= '0' and <= '9' || c is '.' or 'e' or 'E' or '+' or '-')) return false;
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out value)) return false;
        if (double.IsInfinity(value)) return false; // strtod reports ERANGE on overflow
        if (value == 0 && HasNonZeroMantissa(body)) return false; // and on underflow to zero
        return true;
    }

    public static double ParseDouble(byte[] s, string error = Errors.NotFloat) =>
        TryParseDouble(s, out var v) ? v : throw new RedisException(error);

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

    static bool HasNonZeroMantissa(string body)
    {
        foreach (var c in body)
        {
            if (c is 'e' or 'E') break;
            if (c is >= '1' and <= '9') return true;
        }
        return false;
    }
}
