using System.Globalization;
using System.Text;

namespace Serverless.Store.Client;

/// <summary>What kind of reply a <see cref="StoreResult"/> holds.</summary>
public enum StoreResultKind
{
    /// <summary>Redis's nil (JSON <c>null</c>).</summary>
    Null,
    /// <summary>An integer reply.</summary>
    Integer,
    /// <summary>A string reply (bulk or status), as bytes.</summary>
    Bytes,
    /// <summary>An array reply.</summary>
    Array,
    /// <summary>An error inside an array reply (a failed command of a transaction or pipeline).</summary>
    Error,
}

/// <summary>
/// One reply of the store, as Redis shapes it: nil, integer, string (bytes), array or error. The
/// client asks for base64 replies and decodes them, so strings are exact bytes.
/// <see cref="StoreCommands.ExecuteAsync(StoreValue[])"/> answers with it; the typed methods convert it.
/// </summary>
public sealed class StoreResult
{
    static readonly byte[] OkBytes = "OK"u8.ToArray();

    /// <summary>Redis's nil.</summary>
    public static readonly StoreResult Null = new(StoreResultKind.Null, 0, null, null, null);
    /// <summary>The status reply <c>OK</c>.</summary>
    public static readonly StoreResult Ok = new(StoreResultKind.Bytes, 0, OkBytes, null, null);

    readonly long integer;
    readonly byte[]? bytes;
    readonly StoreResult[]? items;
    readonly string? error;

    StoreResult(StoreResultKind kind, long integer, byte[]? bytes, StoreResult[]? items, string? error)
    {
        Kind = kind;
        this.integer = integer;
        this.bytes = bytes;
        this.items = items;
        this.error = error;
    }

    /// <summary>An integer reply.</summary>
    public static StoreResult FromInteger(long value) => new(StoreResultKind.Integer, value, null, null, null);
    /// <summary>A string reply.</summary>
    public static StoreResult FromBytes(byte[] value) => new(StoreResultKind.Bytes, 0, value, null, null);
    /// <summary>A string reply from text (UTF-8).</summary>
    public static StoreResult FromString(string value) => FromBytes(Encoding.UTF8.GetBytes(value));
    /// <summary>An array reply.</summary>
    public static StoreResult FromArray(StoreResult[] items) => new(StoreResultKind.Array, 0, null, items, null);
    /// <summary>An error reply inside an array.</summary>
    public static StoreResult FromError(string message) => new(StoreResultKind.Error, 0, null, null, message);

    /// <summary>The kind of reply.</summary>
    public StoreResultKind Kind { get; }

    /// <summary>True for nil.</summary>
    public bool IsNull => Kind == StoreResultKind.Null;

    /// <summary>The error's text when <see cref="Kind"/> is <see cref="StoreResultKind.Error"/>.</summary>
    public string? ErrorMessage => error;

    /// <summary>The reply as text: a string as UTF-8 (invalid bytes replaced), an integer in decimal; null for nil.</summary>
    public string? AsString() => Kind switch
    {
        StoreResultKind.Null => null,
        StoreResultKind.Integer => integer.ToString(CultureInfo.InvariantCulture),
        StoreResultKind.Bytes => Encoding.UTF8.GetString(bytes!),
        _ => throw Mismatch("a string"),
    };

    /// <summary>The reply's exact bytes (an integer as its decimal text); null for nil.</summary>
    public byte[]? AsBytes() => Kind switch
    {
        StoreResultKind.Null => null,
        StoreResultKind.Bytes => bytes,
        StoreResultKind.Integer => Encoding.ASCII.GetBytes(integer.ToString(CultureInfo.InvariantCulture)),
        _ => throw Mismatch("bytes"),
    };

    /// <summary>An integer reply, or a string holding an integer.</summary>
    public long AsInt64() => Kind switch
    {
        StoreResultKind.Integer => integer,
        StoreResultKind.Bytes when long.TryParse(bytes, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw Mismatch("an integer"),
    };

    /// <summary>A number: an integer reply, or a string holding a number (<c>inf</c>, <c>-inf</c> included).</summary>
    public double AsDouble() => Kind switch
    {
        StoreResultKind.Integer => integer,
        StoreResultKind.Bytes => ParseDouble(bytes!) ?? throw Mismatch("a number"),
        _ => throw Mismatch("a number"),
    };

    /// <summary>A number, or null for nil.</summary>
    public double? AsNullableDouble() => IsNull ? null : AsDouble();

    /// <summary>A number, or null for nil.</summary>
    public long? AsNullableInt64() => IsNull ? null : AsInt64();

    /// <summary>The items of an array reply (nil answers an empty array).</summary>
    public IReadOnlyList<StoreResult> AsArray() => Kind switch
    {
        StoreResultKind.Array => items!,
        StoreResultKind.Null => [],
        _ => throw Mismatch("an array"),
    };

    /// <summary>The items of an array reply as text (nil items as null).</summary>
    public string?[] AsStringArray()
    {
        var list = AsArray();
        var result = new string?[list.Count];
        for (var i = 0; i < result.Length; i++) result[i] = list[i].AsString();
        return result;
    }

    /// <summary>Integer 1 or the status <c>OK</c> as true; 0 and nil as false.</summary>
    public bool AsBoolean() => Kind switch
    {
        StoreResultKind.Integer => integer != 0,
        StoreResultKind.Null => false,
        StoreResultKind.Bytes => true,
        _ => throw Mismatch("a boolean"),
    };

    /// <summary>True when the reply is the status <c>OK</c>.</summary>
    public bool IsOk => Kind == StoreResultKind.Bytes && bytes.AsSpan().SequenceEqual(OkBytes);

    /// <summary>Throws the <see cref="StoreException"/> an error reply stands for; returns this reply otherwise.</summary>
    public StoreResult ThrowIfError() => Kind == StoreResultKind.Error ? throw new StoreException(error!) : this;

    /// <summary>A readable form: text, integers, <c>(nil)</c>, <c>[a, b]</c>, <c>(error) ...</c>.</summary>
    public override string ToString() => Kind switch
    {
        StoreResultKind.Null => "(nil)",
        StoreResultKind.Array => "[" + string.Join(", ", items!.Select(i => i.ToString())) + "]",
        StoreResultKind.Error => "(error) " + error,
        _ => AsString()!,
    };

    internal static double? ParseDouble(ReadOnlySpan<byte> text)
    {
        if (text.SequenceEqual("inf"u8) || text.SequenceEqual("+inf"u8)) return double.PositiveInfinity;
        if (text.SequenceEqual("-inf"u8)) return double.NegativeInfinity;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    Exception Mismatch(string wanted) => Kind == StoreResultKind.Error
        ? new StoreException(error!)
        : new InvalidCastException($"the reply is {Describe()}, not {wanted}: read it with the matching StoreResult method");

    string Describe() => Kind switch
    {
        StoreResultKind.Null => "nil",
        StoreResultKind.Integer => $"the integer {integer}",
        StoreResultKind.Bytes => $"a string ({bytes!.Length} bytes)",
        StoreResultKind.Array => $"an array of {items!.Length}",
        _ => "an error",
    };
}
