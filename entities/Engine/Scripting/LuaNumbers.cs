using System.Globalization;

namespace Serverless.Store.Scripting;

/// <summary>
/// How Redis's Lua 5.1 turns numbers into text and integers. Lua 5.1 has only doubles and prints
/// them with "%.14g"; Lua 5.4 has an integer subtype (printed "%d") and prints floats with an
/// integral value as "5.0". Scripts here see 5.1's text wherever the engine formats a number
/// (tostring, string.format's %s, redis.call arguments, cjson); see docs/scripting.md for the one
/// place it cannot (the .. operator, inside the VM).
/// </summary>
internal static class LuaNumbers
{
    /// <summary>C's printf("%.{precision}g", d) as glibc prints it: inf, -inf, nan, -nan, e+XX exponents.</summary>
    public static string FormatG(double d, int precision)
    {
        if (double.IsNaN(d)) return double.IsNegative(d) ? "-nan" : "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0" : "0";
        var g = d.ToString("G" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var e = g.IndexOf('E');
        if (e < 0) return g;
        // .NET writes E+20 / E-05; C writes e+20 / e-05 (at least two exponent digits).
        var digits = g[(e + 2)..].TrimStart('0');
        return $"{g[..e]}e{g[e + 1]}{digits.PadLeft(2, '0')}";
    }

    /// <summary>Lua 5.1's tostring of a number ("%.14g" of its double).</summary>
    public static string ToText(double d) => FormatG(d, 14);

    /// <summary>
    /// C's (long long) cast of a double on x86-64 (cvttsd2si): truncation toward zero, and
    /// INT64_MIN for NaN and for values out of range. .NET saturates instead; Redis's
    /// number-to-integer reply is the C cast.
    /// </summary>
    public static long ToCLong(double d) =>
        double.IsNaN(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0 ? long.MinValue : (long)d;

    /// <summary>C's (int) cast of a double on x86-64: INT_MIN when out of range (luaL_checkint in 5.1).</summary>
    public static int ToCInt(double d) =>
        double.IsNaN(d) || d >= 2147483648.0 || d < -2147483648.0 ? int.MinValue : (int)d;
}
