using System.Globalization;
using System.Text;

namespace Serverless.Store.Protocol;

/// <summary>
/// STUB (double inside): the long double arithmetic of INCRBYFLOAT and HINCRBYFLOAT
/// (string2ld parsing, addition, ld2string "%.17Lf" human-friendly formatting).
/// </summary>
public readonly struct LongDouble
{
    readonly double value;

    LongDouble(double value) => this.value = value;

    public static readonly LongDouble Zero = new(0);

    public bool IsFinite => double.IsFinite(value);

    public static bool TryParse(ReadOnlySpan<byte> s, out LongDouble result)
    {
        var ok = Numbers.TryParseDouble(s, out var d);
        result = new LongDouble(d);
        return ok;
    }

    public static LongDouble operator +(LongDouble a, LongDouble b) => new(a.value + b.value);

    public byte[] Format() => Encoding.ASCII.GetBytes(value.ToString("R", CultureInfo.InvariantCulture));
}
