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

    static SubmitRequest Request(string id, params byte[][][] commands) => new() { Id = id, Commands = new CommandBatch(commands) };

    /// <summary>A signalled <c>submit</c>: as the worker sees it, an operation whose result nobody reads.</summary>
    static P.OperationRequest Submit(params SubmitRequest[] requests) => Operation(KeyEntity.Submit, requests);

    static void Succeeded(P.EntityBatchResult result)
    {
        Assert.Null(result.FailureDetails);
        foreach (var r in result.Results)
            Assert.True(r.ResultTypeCase == P.OperationResult.ResultTypeOneofCase.Success, r.Failure?.FailureDetails?.ErrorMessage);
    }

    static KeyRecord Record(P.EntityBatchResult result) =>
        Assert.IsType<KeyRecord>(Converter.Deserialize<KeyRecord>(result.EntityState));

    static Reply[] RepliesTo(KeyRecord record, string requestId) =>
        Assert.IsType<StoredReply>(record.FindReply(requestId)).Replies;

    [Fact]
    public async Task A_batch_of_submit_signals_applies_in_order_and_stores_the_key_with_each_requests_replies()
    {
        var result = await RunAsync(Id("counter"), null,
            Submit(Request("a", Command("SET", "counter", "10"))),
            Submit(Request("b", Command("INCR", "counter"), Command("INCRBY", "counter", "5")), Request("c", Command("GET", "counter"))),
            Submit(Request("b", Command("INCR", "counter")))); // a redelivered request id: already applied, not run again

        Succeeded(result);
        Assert.Equal(3, result.Results.Count);
        var record = Record(result);
        Assert.Equal(Encoding.UTF8.GetBytes("16"), record.Key!.String);
        Assert.Equal(["a", "b", "c"], record.Replies!.Select(r => r.Id));
        Assert.Equal([Reply.Ok], RepliesTo(record, "a"));
        Assert.Equal([Reply.Integer(11), Reply.Integer(16)], RepliesTo(record, "b"));
        Assert.Equal(Encoding.UTF8.GetBytes("16"), Assert.IsType<BulkReply>(Assert.Single(RepliesTo(record, "c"))).Value);
    }

    [Fact]
    public async Task The_entity_starts_from_the_record_the_host_sends_and_a_wrong_type_is_an_error_reply()
    {
        var stored = Converter.Serialize(new KeyRecord
        {
            Key = KeyState.OfString(Encoding.UTF8.GetBytes("text")),
            Replies = [new StoredReply("earlier", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), [Reply.Ok])],
        });
        var result = await RunAsync(Id("k"), stored,
            Submit(Request("append", Command("APPEND", "k", "!"))),
            Submit(Request("push", Command("LPUSH", "k", "x"))),
            Submit(Request("earlier", Command("APPEND", "k", "again"))), // its reply is in the record: not run
            Operation("get", null));

        Succeeded(result);
        var record = Record(result);
        Assert.Equal([Reply.Integer(5)], RepliesTo(record, "append"));
        var error = Assert.IsType<ErrorReply>(Assert.Single(RepliesTo(record, "push")));
        Assert.StartsWith("WRONGTYPE", error.Message);
        Assert.Equal([Reply.Ok], RepliesTo(record, "earlier"));
        Assert.Equal(Encoding.UTF8.GetBytes("text!"), record.Key!.String);
        var got = Converter.Deserialize<KeyState>(result.Results[3].Success.Result);
        Assert.Equal(Encoding.UTF8.GetBytes("text!"), got!.String);
    }

    [Fact]
    public async Task A_key_with_a_ttl_schedules_its_own_expire_signal()
    {
        var result = await RunAsync(Id("session"), null,
            Submit(Request("set", Command("SET", "session", "x", "EX", "100"))));

        Succeeded(result);
        var signals = result.Actions.Where(a => a.OperationActionTypeCase == P.OperationAction.OperationActionTypeOneofCase.SendSignal)
            .Select(a => a.SendSignal).ToList();
        Assert.Equal(2, signals.Count);
        var signal = Assert.Single(signals, s => s.Name == "expire");
        Assert.Equal(Id("session"), signal.InstanceId);
        Assert.NotNull(signal.ScheduledTime);
        // ...and lists the key in the expiry index's bucket for the sweep (now, not scheduled).
        var index = Assert.Single(signals, s => s.Name == ExpiryIndex.Add);
        Assert.StartsWith("@" + ExpiryIndex.Name + "@b", index.InstanceId);
        Assert.Null(index.ScheduledTime);
    }

    [Fact]
    public async Task An_expiry_past_what_the_queues_allow_is_reached_by_a_chain_of_signals()
    {
        var result = await RunAsync(Id("year"), null,
            Submit(Request("set", Command("SET", "year", "x", "EX", "31536000"))));

        Succeeded(result);
        var signal = Assert.Single(result.Actions, a => a.SendSignal?.Name == "expire").SendSignal;
        var delay = signal.ScheduledTime.ToDateTimeOffset() - DateTimeOffset.UtcNow;
        Assert.InRange(delay, KeyEntity.MaxSignalDelay - TimeSpan.FromMinutes(1), KeyEntity.MaxSignalDelay);
    }

    [Fact]
    public async Task A_write_that_deletes_the_key_keeps_its_reply_and_schedules_a_trim()
    {
        var stored = Converter.Serialize(new KeyRecord { Key = KeyState.OfString(Encoding.UTF8.GetBytes("v")) });
        var result = await RunAsync(Id("k"), stored, Submit(Request("del", Command("DEL", "k"))));

        Succeeded(result);
        var record = Record(result);
        Assert.Null(record.Key);
        Assert.Equal([Reply.Integer(1)], RepliesTo(record, "del"));
        var signal = Assert.Single(result.Actions).SendSignal;
        Assert.Equal("trim", signal.Name);
        Assert.Equal(Id("k"), signal.InstanceId);
    }

    [Fact]
    public async Task Delete_removes_the_state()
    {
        var stored = Converter.Serialize(new KeyRecord { Key = KeyState.OfString(Encoding.UTF8.GetBytes("v")) });
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
            new[] { new SubmitRequest { Id = "id", Commands = new CommandBatch([Command("INCR", "k")]) } },
            new KeyRecord { Key = KeyState.OfString(Encoding.UTF8.GetBytes("v")), Replies = [new StoredReply("id", 1, [Reply.Integer(1)])] },
        ];
        foreach (var message in messages)
            Assert.Equal(Converter.Serialize(message), worker.Serialize(message));
        var stamps = worker.Deserialize<ReplyBatch>(Converter.Serialize(messages[2]))!.Writes;
        Assert.Equal([new WriteStamp("k", 1, 2)], stamps);
    }
}
