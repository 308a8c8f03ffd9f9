using System.Text;
using Google.Protobuf;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker.Grpc;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using P = Microsoft.DurableTask.Protobuf;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// The key entity through the SDK's own entity dispatch, as the Functions worker runs an
/// [EntityTrigger]: the host sends a base64-encoded protobuf EntityBatchRequest,
/// TaskEntityDispatcher.DispatchAsync hands it to GrpcEntityRunner with the entity class, and
/// the encoded EntityBatchResult goes back. Built and decoded here byte for byte.
/// </summary>
public class EntityRunnerTests
{
    static readonly DataConverter Converter = JsonDataConverter.Default;

    static string Id(string key) => "@" + KeyEntity.Name + "@" + EntityKeys.ToEntityKey(Encoding.UTF8.GetBytes(key));

    static P.OperationRequest Operation(string name, object? input) => new()
    {
        Operation = name,
        RequestId = Guid.NewGuid().ToString(),
        Input = input is null ? null : Converter.Serialize(input),
    };

    static async Task<P.EntityBatchResult> RunAsync(string instanceId, string? state, params P.OperationRequest[] operations)
    {
        var request = new P.EntityBatchRequest { InstanceId = instanceId, EntityState = state };
        request.Operations.AddRange(operations);
        var encoded = Convert.ToBase64String(request.ToByteArray());
        var result = await GrpcEntityRunner.LoadAndRunAsync(encoded, new KeyEntity());
        return P.EntityBatchResult.Parser.ParseFrom(Convert.FromBase64String(result));
    }

    static byte[][] Command(params string[] args) => args.Select(Encoding.UTF8.GetBytes).ToArray();

    static Reply[] Replies(P.OperationResult result)
    {
        Assert.True(result.ResultTypeCase == P.OperationResult.ResultTypeOneofCase.Success, result.Failure?.FailureDetails?.ErrorMessage);
        return Converter.Deserialize<ReplyBatch>(result.Success.Result)!.Replies;
    }

    [Fact]
    public async Task A_batch_of_run_operations_applies_in_order_and_stores_the_new_state()
    {
        var result = await RunAsync(Id("counter"), null,
            Operation("run", new CommandBatch([Command("SET", "counter", "10")])),
            Operation("run", new CommandBatch([Command("INCR", "counter"), Command("INCRBY", "counter", "5")])),
            Operation("run", new CommandBatch([Command("GET", "counter")])));

        Assert.Null(result.FailureDetails);
        Assert.Equal(3, result.Results.Count);
        Assert.Equal([Reply.Ok], Replies(result.Results[0]));
        Assert.Equal([Reply.Integer(11), Reply.Integer(16)], Replies(result.Results[1]));
        Assert.Equal(Encoding.UTF8.GetBytes("16"), Assert.IsType<BulkReply>(Assert.Single(Replies(result.Results[2]))).Value);
        var state = Converter.Deserialize<KeyState>(result.EntityState);
        Assert.Equal(Encoding.UTF8.GetBytes("16"), state!.String);
    }

    [Fact]
    public async Task The_entity_starts_from_the_state_the_host_sends_and_a_wrong_type_is_an_error_reply()
    {
        var stored = Converter.Serialize(KeyState.OfString(Encoding.UTF8.GetBytes("text")));
        var result = await RunAsync(Id("k"), stored,
            Operation("run", new CommandBatch([Command("APPEND", "k", "!")])),
            Operation("run", new CommandBatch([Command("LPUSH", "k", "x")])),
            Operation("get", null));

        Assert.Equal([Reply.Integer(5)], Replies(result.Results[0]));
        var error = Assert.IsType<ErrorReply>(Assert.Single(Replies(result.Results[1])));
        Assert.StartsWith("WRONGTYPE", error.Message);
        var got = Converter.Deserialize<KeyState>(result.Results[2].Success.Result);
        Assert.Equal(Encoding.UTF8.GetBytes("text!"), got!.String);
    }

    [Fact]
    public async Task A_key_with_a_ttl_schedules_its_own_expire_signal()
    {
        var result = await RunAsync(Id("session"), null,
            Operation("run", new CommandBatch([Command("SET", "session", "x", "EX", "100")])));

        var signal = Assert.Single(result.Actions, a => a.OperationActionTypeCase == P.OperationAction.OperationActionTypeOneofCase.SendSignal).SendSignal;
        Assert.Equal("expire", signal.Name);
        Assert.Equal(Id("session"), signal.InstanceId);
        Assert.NotNull(signal.ScheduledTime);
    }

    [Fact]
    public async Task Delete_removes_the_state()
    {
        var stored = Converter.Serialize(KeyState.OfString(Encoding.UTF8.GetBytes("v")));
        var result = await RunAsync(Id("gone"), stored, Operation("delete", null));

        Assert.Equal(P.OperationResult.ResultTypeOneofCase.Success, result.Results[0].ResultTypeCase);
        Assert.Null(result.EntityState);
    }

    [Fact]
    public void Messages_serialize_the_same_under_the_functions_workers_json_options()
    {
        // The worker's serializer may name properties camelCase and read them case-insensitively;
        // the store's messages pin their names and converters, so both hosts write the same JSON.
        var workerOptions = new System.Text.Json.JsonSerializerOptions
        {
            PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
        };
        var worker = new JsonDataConverter(workerOptions);
        object[] messages =
        [
            new WriteRequest { Key = "k", Commands = new CommandBatch([Command("SET", "k", "v")]) },
            new CommandBatch([Command("MSET", "a", "1", "b", "2")]),
            new ReplyBatch([Reply.Ok, Reply.Integer(3)], [new WriteStamp("k", 1, 2)]),
            KeyState.OfString(Encoding.UTF8.GetBytes("v")),
        ];
        foreach (var message in messages)
            Assert.Equal(Converter.Serialize(message), worker.Serialize(message));
        var stamps = worker.Deserialize<ReplyBatch>(Converter.Serialize(messages[2]))!.Writes;
        Assert.Equal([new WriteStamp("k", 1, 2)], stamps);
    }
}
