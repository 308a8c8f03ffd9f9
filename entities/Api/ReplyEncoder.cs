using System.Text;
using System.Text.Json;
using Serverless.Store.Protocol;

namespace Serverless.Store.Api;

/// <summary>
/// Replies as Upstash's REST API writes them: {"result": x} / {"error": "..."}; integers as
/// numbers, bulk and simple strings as strings, nil as null, arrays as arrays. With
/// `Upstash-Encoding: base64` every string except "OK" is base64 (the only way to carry bytes
/// that are not UTF-8; without it such bytes are decoded leniently).
/// </summary>
public static class ReplyEncoder
{
    public static byte[] Single(Reply reply, bool base64) => Write(w => WriteEnvelope(w, reply, base64));

    public static byte[] Many(IReadOnlyList<Reply> replies, bool base64) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var r in replies) WriteEnvelope(w, r, base64);
        w.WriteEndArray();
    });

    public static byte[] Error(string message) => Single(Reply.Error(message), base64: false);

    static void WriteEnvelope(Utf8JsonWriter w, Reply reply, bool base64)
    {
        w.WriteStartObject();
        if (reply is ErrorReply e)
        {
            w.WriteString("error", e.Message);
        }
        else
        {
            w.WritePropertyName("result");
            WriteValue(w, reply, base64);
        }
        w.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter w, Reply reply, bool base64)
    {
        switch (reply)
        {
            case SimpleReply { Value: "OK" }:
                w.WriteStringValue("OK");
                break;
            case SimpleReply s:
                if (base64) w.WriteBase64StringValue(Encoding.UTF8.GetBytes(s.Value));
                else w.WriteStringValue(s.Value);
                break;
            case IntegerReply i:
                w.WriteNumberValue(i.Value);
                break;
            case BulkReply { Value: null }:
            case ArrayReply { Items: null }:
                w.WriteNullValue();
                break;
            case BulkReply b:
                if (base64) w.WriteBase64StringValue(b.Value);
                else w.WriteStringValue(Encoding.UTF8.GetString(b.Value));
                break;
            case ArrayReply a:
                w.WriteStartArray();
                foreach (var item in a.Items!) WriteValue(w, item, base64);
                w.WriteEndArray();
                break;
            case ErrorReply e:
                w.WriteStartObject();
                w.WriteString("error", e.Message);
                w.WriteEndObject();
                break;
        }
    }

    static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) body(w);
        return stream.ToArray();
    }
}
