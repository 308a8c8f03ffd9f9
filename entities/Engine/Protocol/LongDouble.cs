using System.Numerics;
using System.Text;

namespace Serverless.Store.Protocol;

/// <summary>
/// The x87 80-bit long double that Redis's INCRBYFLOAT and HINCRBYFLOAT compute in (64-bit
/// mantissa with an explicit integer bit, 15-bit exponent), emulated exactly: string2ld parsing
/// (glibc strtold: correctly rounded decimal and hex input, inf/infinity), addition rounded to
/// nearest-even, and ld2string's human-friendly "%.17Lf" output with trailing zeros removed.
/// .NET has no 80-bit float and no library offers one, so the value is kept as
/// <c>±mantissa × 2^exponent</c> and every operation computes the exact result with
/// BigInteger (or UInt128 on the fast paths) and rounds once, as the FPU does.
/// </summary>
public readonly struct LongDouble : IEquatable<LongDouble>
{
    /// <summary>Largest binary exponent of a finite value: (2^64 - 1) × 2^16320 is the maximum.</summary>
    const int MaxExponent = 16383 - 63;

    /// <summary>Exponent of the smallest subnormal, 2^-16445 (= 2^(1 - 16383 - 63)).</summary>
    const int MinExponent = 1 - 16383 - 63;

    /// <summary>string2ld refuses inputs of MAX_LONG_DOUBLE_CHARS (5 * 1024) bytes or more.</summary>
    const int MaxChars = 5 * 1024;

    /// <summary>"%.17Lf": the fixed 17 digits after the point.</summary>
    const int FractionDigits = 17;

    enum Kind : byte { Finite, Infinity, NaN }

    readonly ulong mantissa;
    readonly int exponent;
    readonly bool negative;
    readonly Kind kind;

    LongDouble(bool negative, ulong mantissa, int exponent, Kind kind = Kind.Finite)
    {
        this.negative = negative;
        this.mantissa = mantissa;
        this.exponent = exponent;
        this.kind = kind;
    }

    public static readonly LongDouble Zero = default;
    public static readonly LongDouble PositiveInfinity = new(false, 0, 0, Kind.Infinity);
    public static readonly LongDouble NegativeInfinity = new(true, 0, 0, Kind.Infinity);
    public static readonly LongDouble NaN = new(false, 0, 0, Kind.NaN);

    public bool IsFinite => kind == Kind.Finite;
    public bool IsNaN => kind == Kind.NaN;
    public bool IsInfinity => kind == Kind.Infinity;
    public bool IsZero => kind == Kind.Finite && mantissa == 0;
    public bool IsNegative => negative;

    /// <summary>The value as the exact integer it is, when it is one (tests and conversions).</summary>
    public static LongDouble FromLong(long value) =>
        value == 0 ? Zero : Round(value < 0, BigInteger.Abs(value), BigInteger.One, 0);

    /// <summary>
    /// A double as the long double C converts it to (exactly): what addReplyHumanLongDouble
    /// receives for GEOPOS's and WITHCOORD's coordinates.
    /// </summary>
    public static LongDouble FromDouble(double value)
    {
        if (double.IsNaN(value)) return NaN;
        if (double.IsInfinity(value)) return value > 0 ? PositiveInfinity : NegativeInfinity;
        if (value == 0) return new LongDouble(double.IsNegative(value), 0, 0);
        var bits = BitConverter.DoubleToInt64Bits(value);
        var biased = (int)((bits >> 52) & 0x7FF);
        var fraction = bits & 0xF_FFFF_FFFF_FFFFL;
        var mantissa = biased == 0 ? fraction : fraction | (1L << 52);
        return Round(value < 0, mantissa, BigInteger.One, (biased == 0 ? 1 : biased) - 1075);
    }

    /// <summary>Nearest double (for callers that need one; not used by INCRBYFLOAT itself).</summary>
    public double ToDouble()
    {
        if (kind == Kind.NaN) return double.NaN;
        if (kind == Kind.Infinity) return negative ? double.NegativeInfinity : double.PositiveInfinity;
        if (mantissa == 0) return negative ? -0.0 : 0.0;
        // Parse our own exact text through .NET's correctly rounded double parser.
        return double.Parse(ExactText(), System.Globalization.CultureInfo.InvariantCulture);
    }

    // ---------------------------------------------------------------- parsing (string2ld)

    /// <summary>
    /// string2ld: the whole input must be one strtold number (no leading space, no trailing
    /// bytes, shorter than 5120 bytes), not NaN, and not out of range (overflow to infinity or
    /// underflow to zero). "inf"/"infinity" are accepted, as are hex floats.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out LongDouble result)
    {
        result = Zero;
        if (s.Length == 0 || s.Length >= MaxChars) return false;
        var i = 0;
        var neg = false;
        if (s[0] is (byte)'+' or (byte)'-')
        {
            neg = s[0] == '-';
            i = 1;
        }
        var body = s[i..];
        if (body.Length > 0 && (body[0] | 0x20) == 'i')
        {
            if (!EqualsIgnoreCase(body, "inf"u8) && !EqualsIgnoreCase(body, "infinity"u8)) return false;
            result = neg ? NegativeInfinity : PositiveInfinity;
            return true;
        }
        if (body.Length > 1 && body[0] == '0' && (body[1] | 0x20) == 'x')
        {
            // "0x" without hex digits is strtold's "0" followed by garbage: rejected either way.
            return TryParseHex(neg, body[2..], out result);
        }
        return TryParseDecimal(neg, body, out result);
    }

    static bool TryParseDecimal(bool neg, ReadOnlySpan<byte> s, out LongDouble result)
    {
        result = Zero;
        var i = 0;
        var digits = new DigitAccumulator();
        var anyDigit = false;
        var fractionDigits = 0;
        for (; i < s.Length && IsDigit(s[i]); i++)
        {
            anyDigit = true;
            digits.Add(s[i]);
        }
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length && IsDigit(s[i]); i++)
            {
                anyDigit = true;
                fractionDigits++;
                digits.Add(s[i]);
            }
        }
        if (!anyDigit) return false;
        long exp10 = 0;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            if (!TryParseExponent(s[(i + 1)..], out exp10)) return false;
            i = s.Length;
        }
        if (i != s.Length) return false;
        var d = digits.Value;
        if (d.IsZero)
        {
            result = neg ? new LongDouble(true, 0, 0) : Zero;
            return true;
        }
        // value = D × 10^x with 1 <= D < 10^5120: beyond these bounds it is surely inf or 0.
        var x = exp10 - fractionDigits;
        if (x > 5000) return false;   // overflow: strtold's ERANGE with HUGE_VAL
        if (x < -11000) return false; // underflow to zero: ERANGE with 0
        result = x >= 0
            ? Round(neg, d * BigInteger.Pow(10, (int)x), BigInteger.One, 0)
            : Round(neg, d, BigInteger.Pow(10, (int)-x), 0);
        return result.kind == Kind.Finite && result.mantissa != 0;
    }

    /// <summary>Decimal digits into an integer, 19 at a time in a ulong before touching BigInteger.</summary>
    struct DigitAccumulator
    {
        BigInteger big;
        ulong chunk;
        int chunkDigits;
        bool hasBig;

        public void Add(byte digit)
        {
            if (chunkDigits == 19)
            {
                big = hasBig ? big * 10_000_000_000_000_000_000UL + chunk : chunk;
                hasBig = true;
                chunk = 0;
                chunkDigits = 0;
            }
            chunk = chunk * 10 + (ulong)(digit - '0');
            chunkDigits++;
        }

        public readonly BigInteger Value =>
            hasBig ? big * BigInteger.Pow(10, chunkDigits) + chunk : chunk;
    }

    static bool TryParseHex(bool neg, ReadOnlySpan<byte> s, out LongDouble result)
    {
        result = Zero;
        var i = 0;
        var m = BigInteger.Zero;
        var anyDigit = false;
        long exp2 = 0;
        for (; i < s.Length && HexValue(s[i]) >= 0; i++)
        {
            anyDigit = true;
            m = (m << 4) + HexValue(s[i]);
        }
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length && HexValue(s[i]) >= 0; i++)
            {
                anyDigit = true;
                m = (m << 4) + HexValue(s[i]);
                exp2 -= 4;
            }
        }
        if (!anyDigit) return false;
        if (i < s.Length && (s[i] | 0x20) == 'p')
        {
            if (!TryParseExponent(s[(i + 1)..], out var e)) return false;
            exp2 += e;
            i = s.Length;
        }
        if (i != s.Length) return false;
        if (m.IsZero)
        {
            result = neg ? new LongDouble(true, 0, 0) : Zero;
            return true;
        }
        var bits = (long)m.GetBitLength();
        if (exp2 + bits > 16400) return false;     // overflow
        if (exp2 + bits < -16500) return false;    // underflow to zero
        result = Round(neg, m, BigInteger.One, (int)exp2);
        return result.kind == Kind.Finite && result.mantissa != 0;
    }

    /// <summary>[sign] digits, all of the rest of the input; saturates (a huge exponent is just huge).</summary>
    static bool TryParseExponent(ReadOnlySpan<byte> s, out long exp)
    {
        exp = 0;
        var i = 0;
        var neg = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
        {
            neg = s[i] == '-';
            i++;
        }
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
        {
            if (!IsDigit(s[i])) return false;
            if (exp < 1_000_000_000) exp = exp * 10 + (s[i] - '0');
        }
        if (neg) exp = -exp;
        return true;
    }

    // ---------------------------------------------------------------- arithmetic

    /// <summary>The FPU's addition: exact sum, rounded once to nearest-even.</summary>
    public static LongDouble operator +(LongDouble a, LongDouble b)
    {
        if (a.kind == Kind.NaN || b.kind == Kind.NaN) return NaN;
        if (a.kind == Kind.Infinity)
            return b.kind == Kind.Infinity && b.negative != a.negative ? NaN : a;
        if (b.kind == Kind.Infinity) return b;
        if (a.mantissa == 0)
            return b.mantissa == 0 ? new LongDouble(a.negative && b.negative, 0, 0) : b;
        if (b.mantissa == 0) return a;

        var e = Math.Min(a.exponent, b.exponent);
        var x = new BigInteger(a.mantissa) << (a.exponent - e);
        var y = new BigInteger(b.mantissa) << (b.exponent - e);
        if (a.negative) x = -x;
        if (b.negative) y = -y;
        var sum = x + y;
        if (sum.IsZero) return Zero; // x + (-x) is +0 when rounding to nearest
        return Round(sum.Sign < 0, BigInteger.Abs(sum), BigInteger.One, e);
    }

    /// <summary>The FPU's multiplication: exact product, rounded once to nearest-even.</summary>
    public static LongDouble operator *(LongDouble a, LongDouble b)
    {
        if (a.kind == Kind.NaN || b.kind == Kind.NaN) return NaN;
        var negative = a.negative != b.negative;
        if (a.kind == Kind.Infinity || b.kind == Kind.Infinity)
        {
            if ((a.kind == Kind.Finite && a.mantissa == 0) || (b.kind == Kind.Finite && b.mantissa == 0)) return NaN;
            return negative ? NegativeInfinity : PositiveInfinity;
        }
        if (a.mantissa == 0 || b.mantissa == 0) return new LongDouble(negative, 0, 0);
        return Round(negative, new BigInteger(a.mantissa) * b.mantissa, BigInteger.One, a.exponent + b.exponent);
    }

    /// <summary>
    /// <c>(long long) ceill(x)</c> on x86-64: the smallest integer not below the value, and for a
    /// value that does not fit (or is infinite or NaN) the "integer indefinite" long.MinValue,
    /// which is what the conversion instruction yields there.
    /// </summary>
    public long CeilingToLong()
    {
        if (kind != Kind.Finite) return long.MinValue;
        if (mantissa == 0) return 0;
        BigInteger magnitude;
        if (exponent >= 0)
        {
            if (exponent > 63) return long.MinValue;
            magnitude = new BigInteger(mantissa) << exponent;
        }
        else
        {
            var shift = -exponent;
            magnitude = shift >= 64 ? BigInteger.Zero : new BigInteger(mantissa >> shift);
            var fraction = shift >= 64 || (mantissa & ((1UL << shift) - 1)) != 0;
            if (fraction && !negative) magnitude += 1; // ceil rounds a positive fraction up, a negative one towards zero
        }
        var result = negative ? -magnitude : magnitude;
        return result >= long.MinValue && result <= long.MaxValue ? (long)result : long.MinValue;
    }

    public static LongDouble operator -(LongDouble a) =>
        a.kind == Kind.NaN ? a : new LongDouble(!a.negative, a.mantissa, a.exponent, a.kind);

    /// <summary>
    /// Rounds the exact positive value num / den × 2^binExp to the nearest long double (ties to
    /// even), with the x87 extended format's gradual underflow and overflow to infinity.
    /// </summary>
    static LongDouble Round(bool neg, BigInteger num, BigInteger den, int binExp)
    {
        // q = num / den / 2^s must land in [2^63, 2^64); the bit lengths get s within one.
        var s = (long)num.GetBitLength() - (long)den.GetBitLength() - 64;
        var (q, rem, div) = Scale(num, den, s);
        if (q.GetBitLength() > 64)
        {
            s++;
            (q, rem, div) = Scale(num, den, s);
        }
        else if (q.GetBitLength() < 64)
        {
            s--;
            (q, rem, div) = Scale(num, den, s);
        }
        var e = binExp + s;
        if (e < MinExponent)
        {
            // Subnormal: the quantum is fixed at 2^MinExponent, the mantissa loses bits.
            s += MinExponent - e;
            e = MinExponent;
            (q, rem, div) = Scale(num, den, s);
        }
        var twice = rem << 1;
        var cmp = twice.CompareTo(div);
        if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        if (q.GetBitLength() > 64)
        {
            q >>= 1;
            e++;
        }
        if (e > MaxExponent) return neg ? NegativeInfinity : PositiveInfinity;
        if (q.IsZero) return new LongDouble(neg, 0, 0);
        return new LongDouble(neg, (ulong)q, (int)e);
    }

    /// <summary>floor(num / den / 2^s) with its remainder over the divisor it was taken against.</summary>
    static (BigInteger Q, BigInteger Rem, BigInteger Div) Scale(BigInteger num, BigInteger den, long s)
    {
        BigInteger n = num, d = den;
        if (s >= 0) d <<= (int)s;
        else n <<= (int)-s;
        var q = BigInteger.DivRem(n, d, out var r);
        return (q, r, d);
    }

    // ---------------------------------------------------------------- formatting (ld2string)

    /// <summary>
    /// ld2string in LD_STR_HUMAN mode: "%.17Lf" (glibc rounds exactly, ties to even), trailing
    /// zeros and a bare '.' removed, "-0" turned into "0"; infinities as "inf"/"-inf".
    /// </summary>
    public byte[] Format() => Encoding.ASCII.GetBytes(FormatString());

    public string FormatString() => FormatFixed(FractionDigits, trim: true);

    /// <summary>
    /// printf's "%.<paramref name="fractionDigits"/>Lf" (at most 17 digits), exact with ties to
    /// even as glibc rounds; with <paramref name="trim"/>, ld2string's human form as above.
    /// </summary>
    public string FormatFixed(int fractionDigits, bool trim)
    {
        if (fractionDigits is < 0 or > FractionDigits) throw new ArgumentOutOfRangeException(nameof(fractionDigits));
        if (kind == Kind.Infinity) return negative ? "-inf" : "inf";
        if (kind == Kind.NaN) return "nan";
        var scale = UInt128.One;
        for (var i = 0; i < fractionDigits; i++) scale *= 10;
        string integerText;
        ulong fraction;
        if (exponent >= 0)
        {
            // An integer: printed whole, with a zero fraction.
            integerText = exponent <= 64
                ? ((UInt128)mantissa << exponent).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : (new BigInteger(mantissa) << exponent).ToString(System.Globalization.CultureInfo.InvariantCulture);
            fraction = 0;
        }
        else
        {
            // R = round(m × 10^d / 2^-e): m × 10^17 < 2^121, so it fits in 128 bits and any
            // shift of 122 or more leaves less than a half, which rounds to zero.
            var shift = -exponent;
            UInt128 r;
            if (shift >= 122) r = 0;
            else
            {
                var n = (UInt128)mantissa * scale;
                r = n >> shift;
                var rem = n - (r << shift);
                var half = (UInt128)1 << (shift - 1);
                if (rem > half || (rem == half && (r & 1) == 1)) r++;
            }
            integerText = (r / scale).ToString(System.Globalization.CultureInfo.InvariantCulture);
            fraction = (ulong)(r % scale);
        }
        var fractionText = fractionDigits == 0 ? "" : fraction.ToString("D" + fractionDigits, System.Globalization.CultureInfo.InvariantCulture);
        if (trim) fractionText = fractionText.TrimEnd('0');
        var text = fractionText.Length == 0 ? integerText : integerText + "." + fractionText;
        // printf keeps the sign of a negative value that rounds to zero; the human form drops "-0".
        if (negative && !(trim && text == "0")) text = "-" + text;
        return text;
    }

    public override string ToString() => FormatString();

    /// <summary>The exact decimal expansion of a finite value (every binary fraction has one).</summary>
    string ExactText()
    {
        if (exponent >= 0) return (negative ? "-" : "") + (new BigInteger(mantissa) << exponent);
        // m / 2^k = m × 5^k / 10^k
        var k = -exponent;
        var digits = (new BigInteger(mantissa) * BigInteger.Pow(5, k)).ToString().PadLeft(k + 1, '0');
        return (negative ? "-" : "") + digits[..^k] + "." + digits[^k..];
    }

    /// <summary>Value equality (both zeros are equal; NaN equals NaN so the struct stays a value).</summary>
    public bool Equals(LongDouble other)
    {
        if (kind != other.kind) return false;
        if (kind == Kind.NaN) return true;
        if (kind == Kind.Infinity) return negative == other.negative;
        if (mantissa == 0) return other.mantissa == 0;
        return mantissa == other.mantissa && exponent == other.exponent && negative == other.negative;
    }

    public override bool Equals(object? obj) => obj is LongDouble o && Equals(o);

    public override int GetHashCode() => IsZero ? 0 : HashCode.Combine(mantissa, exponent, negative, kind);

    public static bool operator ==(LongDouble a, LongDouble b) => a.Equals(b);
    public static bool operator !=(LongDouble a, LongDouble b) => !a.Equals(b);

    static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        if (s.Length != lower.Length) return false;
        for (var i = 0; i < s.Length; i++)
            if ((s[i] | 0x20) != lower[i]) return false;
        return true;
    }
}
