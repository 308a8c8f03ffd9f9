using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Serverless.Store.Client;

/// <summary>
/// One argument of a command: text, bytes or a number. Converts implicitly from <see cref="string"/>,
/// <see cref="byte"/>[], <see cref="ReadOnlyMemory{T}"/> of bytes, <see cref="long"/>, <see cref="int"/>
/// and <see cref="double"/>, so <c>client.SetAsync("k", 42)</c> and <c>client.SetAsync("k", bytes)</c>
/// both work. Numbers are sent as the text Redis expects (invariant culture, <c>+inf</c>/<c>-inf</c>).
/// </summary>
public readonly struct StoreValue : IEquatable<StoreValue>
{
    readonly string? text;
    readonly ReadOnlyMemory<byte> bytes;

    StoreValue(string? text, ReadOnlyMemory<byte> bytes)
    {
        this.text = text;
        this.bytes = bytes;
    }

    /// <summary>True for a value given as bytes (which may not be valid UTF-8).</summary>
    public bool IsBytes => text is null;

    /// <summary>The value as text (bytes decoded as UTF-8, invalid sequences replaced).</summary>
    public override string ToString() => text ?? Encoding.UTF8.GetString(bytes.Span);

    /// <summary>The value's bytes as sent (text as UTF-8).</summary>
    public byte[] ToArray() => text is null ? bytes.ToArray() : Encoding.UTF8.GetBytes(text);

    internal string? Text => text;
    internal ReadOnlyMemory<byte> Bytes => bytes;

    /// <summary>
    /// Whether the value can travel inside a JSON string as it is. Text always can; bytes only when
    /// they are valid UTF-8 (JSON has no way to carry other bytes, see <see cref="StoreClient"/>).
    /// </summary>
    internal bool IsJsonSafe => text is not null || Utf8.IsValid(bytes.Span);

    /// <summary>Text.</summary>
    public static implicit operator StoreValue(string value) => new(value ?? throw new ArgumentNullException(nameof(value), "a command argument cannot be null"), default);
    /// <summary>Bytes, sent exactly.</summary>
    public static implicit operator StoreValue(byte[] value) => new(null, value ?? throw new ArgumentNullException(nameof(value), "a command argument cannot be null"));
    /// <summary>Bytes, sent exactly.</summary>
    public static implicit operator StoreValue(ReadOnlyMemory<byte> value) => new(null, value);
    /// <summary>An integer as decimal text.</summary>
    public static implicit operator StoreValue(long value) => new(value.ToString(CultureInfo.InvariantCulture), default);
    /// <summary>An integer as decimal text.</summary>
    public static implicit operator StoreValue(int value) => new(value.ToString(CultureInfo.InvariantCulture), default);
    /// <summary>A double as Redis reads it: shortest round-trip text, <c>+inf</c> and <c>-inf</c>.</summary>
    public static implicit operator StoreValue(double value) => new(FormatDouble(value), default);

    internal static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+inf",
        double.NegativeInfinity => "-inf",
        _ when double.IsNaN(value) => throw new ArgumentOutOfRangeException(nameof(value), "NaN is not a number Redis accepts"),
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Equal when the bytes sent are equal.</summary>
    public bool Equals(StoreValue other) =>
        text is not null && other.text is not null ? text == other.text : ToArray().AsSpan().SequenceEqual(other.ToArray());

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StoreValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => text?.GetHashCode(StringComparison.Ordinal) ?? ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>Equal when the bytes sent are equal.</summary>
    public static bool operator ==(StoreValue left, StoreValue right) => left.Equals(right);
    /// <summary>Not equal when the bytes sent differ.</summary>
    public static bool operator !=(StoreValue left, StoreValue right) => !left.Equals(right);
}
