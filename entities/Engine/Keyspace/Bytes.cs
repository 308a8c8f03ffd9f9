using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Store.Keyspace;

/// <summary>
/// Redis strings are binary-safe byte arrays. This compares them by content (equality and the
/// memcmp order Redis uses for lex ranges) and names them for messages.
/// </summary>
public sealed class Bytes : IEqualityComparer<byte[]>, IComparer<byte[]>
{
    public static readonly Bytes Comparer = new();

    public bool Equals(byte[]? x, byte[]? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj)
    {
        var h = new HashCode();
        h.AddBytes(obj);
        return h.ToHashCode();
    }

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);

    public static byte[] From(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Lossy text for error messages and logs.</summary>
    public static string Text(byte[] b) => Encoding.UTF8.GetString(b);
}

/// <summary>
/// JSON for binary-safe strings: valid UTF-8 is written as a plain JSON string (compact and
/// readable); anything else as a one-element array holding base64, so the two never collide.
/// </summary>
public sealed class BytesJsonConverter : JsonConverter<byte[]>
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return ReadString(ref reader);
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected a string or [base64]");
        reader.Read();
        var bytes = reader.GetBytesFromBase64();
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("expected the end of [base64]");
        return bytes;
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options)
    {
        if (IsUtf8(value))
        {
            writer.WriteStringValue(value.AsSpan());
        }
        else
        {
            writer.WriteStartArray();
            writer.WriteBase64StringValue(value);
            writer.WriteEndArray();
        }
    }

    internal static byte[] ReadString(ref Utf8JsonReader reader)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped) return reader.ValueSpan.ToArray();
        return Encoding.UTF8.GetBytes(reader.GetString()!);
    }

    internal static bool IsUtf8(byte[] value)
    {
        // System.Text.Json writes lone surrogates as replacement characters, so only strict,
        // round-trippable UTF-8 goes out as a JSON string.
        try { StrictUtf8.GetCharCount(value); return true; }
        catch (DecoderFallbackException) { return false; }
    }
}
