using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// Commands sent to an entity or an orchestration: JSON [[arg, ...], ...] with each argument a
/// string or [base64] (see <see cref="ArgsJsonConverter"/>). Sealed with its own converter so
/// it serializes the same however the Durable Task data converter is configured.
/// </summary>
[JsonConverter(typeof(CommandBatchJsonConverter))]
public sealed class CommandBatch(byte[][][] commands)
{
    public byte[][][] Commands { get; } = commands;

    public static CommandBatch Of(params byte[][][] commands) => new(commands);
}

/// <summary>Replies coming back from an entity or an orchestration: JSON [reply, ...] (see <see cref="ReplyJson"/>).</summary>
[JsonConverter(typeof(ReplyBatchJsonConverter))]
public sealed class ReplyBatch(Reply[] replies)
{
    public Reply[] Replies { get; } = replies;
}

/// <summary>Input of <see cref="WriteOrchestration"/>: the entity key and the commands for it.</summary>
public sealed class WriteRequest
{
    [JsonPropertyName("k")] public string Key { get; set; } = "";
    [JsonPropertyName("c")] public CommandBatch Commands { get; set; } = CommandBatch.Of();
}

public sealed class CommandBatchJsonConverter : JsonConverter<CommandBatch>
{
    public override CommandBatch Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of commands");
        var commands = new List<byte[][]>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            commands.Add(ArgsJsonConverter.Instance.Read(ref reader, typeof(byte[][]), options));
        return new CommandBatch(commands.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, CommandBatch value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var command in value.Commands) ArgsJsonConverter.Instance.Write(writer, command, options);
        writer.WriteEndArray();
    }
}

public sealed class ReplyBatchJsonConverter : JsonConverter<ReplyBatch>
{
    public override ReplyBatch Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of replies");
        var replies = new List<Reply>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) replies.Add(ReplyJson.Read(ref reader));
        return new ReplyBatch(replies.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, ReplyBatch value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var reply in value.Replies) ReplyJson.Write(writer, reply);
        writer.WriteEndArray();
    }
}
