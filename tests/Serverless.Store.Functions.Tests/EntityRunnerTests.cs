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

    static string Id(string key) => "@" + KeyEntity.Name + "@" + EntityKeys.EntityOf(Encoding.UTF8.GetBytes(key));

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
        Assert.Equal(Encoding.UTF8.GetBytes("16"), record.State!.String);
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
            State = KeyState.OfString(Encoding.UTF8.GetBytes("text")),
            Replies = [new StoredReply("earlier", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), [Reply.Ok])],
        });
        var result = await RunAsync(Id("k"), stored,
            Submit(Request("append", Command("APPEND", "k", "!"))),
            Submit(Request("push", Command("LPUSH", "k", "x"))),
            Submit(Request("earlier", Command("APPEND", "k", "again")))); // its reply is in the record: not run

        Succeeded(result);
        var record = Record(result);
        Assert.Equal([Reply.Integer(5)], RepliesTo(record, "append"));
        var error = Assert.IsType<ErrorReply>(Assert.Single(RepliesTo(record, "push")));
        Assert.StartsWith("WRONGTYPE", error.Message);
        Assert.Equal([Reply.Ok], RepliesTo(record, "earlier"));
        Assert.Equal(Encoding.UTF8.GetBytes("text!"), record.State!.String);
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
        var stored = Converter.Serialize(new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("v")) });
        var result = await RunAsync(Id("k"), stored, Submit(Request("del", Command("DEL", "k"))));

        Succeeded(result);
        var record = Record(result);
        Assert.Null(record.State);
        Assert.Equal([Reply.Integer(1)], RepliesTo(record, "del"));
        var signal = Assert.Single(result.Actions).SendSignal;
        Assert.Equal("trim", signal.Name);
        Assert.Equal(Id("k"), signal.InstanceId);
    }

    [Fact]
    public async Task Load_puts_a_state_or_deletes_the_key_and_answers_under_its_id()
    {
        var stored = Converter.Serialize(new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("v")) });
        var result = await RunAsync(Id("k"), stored,
            Operation(KeyEntity.Load, new LoadRequest { Id = "gone" }),
            Operation(KeyEntity.Load, new LoadRequest { Id = "back", State = KeyState.OfString(Encoding.UTF8.GetBytes("w")) }),
            Operation(KeyEntity.Load, new LoadRequest { Id = "gone" })); // redelivered: not applied again

        Succeeded(result);
        var record = Record(result);
        Assert.Equal(Encoding.UTF8.GetBytes("w"), record.State!.String);
        Assert.Empty(RepliesTo(record, "gone"));
        Assert.Empty(RepliesTo(record, "back"));
    }

    static ChainStep Step(string id, string[] keys, params byte[][][] commands) => new()
    {
        Id = id,
        Keys = keys.Select(k => EntityKeys.EntityOf(Encoding.UTF8.GetBytes(k))).Order(StringComparer.Ordinal).ToArray(),
        Commands = new CommandBatch(commands),
        NowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Seed = 7,
    };

    [Fact]
    public async Task A_chain_step_locks_a_participant_adds_its_state_and_goes_on_to_the_next()
    {
        var stored = Converter.Serialize(new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("10")) });
        var step = Step("tx", ["a", "b"], Command("DECRBY", "a", "3"), Command("INCRBY", "b", "3"));
        var result = await RunAsync(Id("a"), stored, Operation(KeyEntity.Step, step),
            Submit(Request("later", Command("INCR", "a")))); // arrives while locked: waits

        Succeeded(result);
        var record = Record(result);
        Assert.Equal("tx", record.LockedBy);
        Assert.Equal(Encoding.UTF8.GetBytes("10"), record.State!.String); // unchanged until the commit
        Assert.Null(record.FindReply("later"));
        Assert.Equal(KeyEntity.Submit, Assert.Single(record.Deferred!).Name);
        // The step goes on only from the entity's next batch, once its lock is stored: a forward to itself.
        var self = Assert.Single(result.Actions).SendSignal;
        Assert.Equal(KeyEntity.Forward, self.Name);
        Assert.Equal(Id("a"), self.InstanceId);
        var forward = await RunAsync(Id("a"), result.EntityState, new P.OperationRequest { Operation = KeyEntity.Forward, RequestId = Guid.NewGuid().ToString(), Input = self.Input });
        Succeeded(forward);
        Assert.Equal("tx", Record(forward).LockedBy); // still held until the commit
        var next = Assert.Single(forward.Actions).SendSignal;
        Assert.Equal(KeyEntity.Step, next.Name);
        Assert.Equal(Id("b"), next.InstanceId);
        var forwarded = Converter.Deserialize<ChainStep>(next.Input)!;
        Assert.Equal(1, forwarded.Index);
        var held = Assert.Single(forwarded.Held);
        Assert.Equal("a"u8.ToArray(), held.Key);
        Assert.Equal(Encoding.UTF8.GetBytes("10"), held.State!.String);

        // The commit stores the chain's result, unlocks, then runs what waited, in order.
        var commit = new ChainCommit { Id = "tx", Changes = [new HeldKey("a"u8.ToArray(), KeyState.OfString(Encoding.UTF8.GetBytes("7")))] };
        var after = await RunAsync(Id("a"), result.EntityState, Operation(KeyEntity.Commit, commit),
            Operation(KeyEntity.Step, step)); // the step redelivered after the chain ended: ignored
        Succeeded(after);
        record = Record(after);
        Assert.Null(record.LockedBy);
        Assert.Null(record.Deferred);
        Assert.Equal(Encoding.UTF8.GetBytes("8"), record.State!.String);
        Assert.Equal([Reply.Integer(8)], RepliesTo(record, "later"));
        Assert.DoesNotContain(after.Actions, a => a.SendSignal?.Name == KeyEntity.Step);
    }

    /// <summary>
    /// A worker killed after its batch sent the forward but before it stored the lock: the forward finds
    /// no lock of its chain and is dropped (the step comes back with the queue and locks again), so the
    /// chain never goes on past a lock that was not stored (found by tests/tools/crash.sh).
    /// </summary>
    [Fact]
    public async Task A_forward_whose_lock_was_not_stored_is_dropped()
    {
        var step = Step("tx", ["a", "b"], Command("DECRBY", "a", "3"), Command("INCRBY", "b", "3"));
        step.Index = 1;
        var unlocked = Converter.Serialize(new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("10")) });
        var result = await RunAsync(Id("a"), unlocked, Operation(KeyEntity.Forward, step));
        Succeeded(result);
        Assert.Empty(result.Actions);
        var lockedByAnother = Converter.Serialize(new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("10")), LockedBy = "other" });
        result = await RunAsync(Id("a"), lockedByAnother, Operation(KeyEntity.Forward, step));
        Succeeded(result);
        Assert.Empty(result.Actions);
        Assert.Null(Record(result).Deferred); // not kept for later either: its chain is not this lock's
    }

    [Fact]
    public async Task The_last_participant_runs_the_commands_on_every_state_stores_the_replies_and_commits_the_others()
    {
        var step = Step("tx", ["a", "b"], Command("DECRBY", "a", "3"), Command("INCRBY", "b", "3"), Command("MGET", "a", "b"));
        step.Index = 1;
        step.Held.Add(new HeldKey("a"u8.ToArray(), KeyState.OfString(Encoding.UTF8.GetBytes("10"))));
        var stored = Converter.Serialize(new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("1")) });
        var result = await RunAsync(Id("b"), stored, Operation(KeyEntity.Step, step), Operation(KeyEntity.Step, step));

        Succeeded(result);
        var record = Record(result);
        Assert.Null(record.LockedBy);
        Assert.Equal(Encoding.UTF8.GetBytes("4"), record.State!.String);
        var replies = RepliesTo(record, "tx");
        Assert.Equal([Reply.Integer(7), Reply.Integer(4)], replies[..2]);
        Assert.Equal(["7", "4"], Assert.IsType<ArrayReply>(replies[2]).Items!.Select(r => Encoding.UTF8.GetString(((BulkReply)r).Value!)));
        var commit = Assert.Single(result.Actions, a => a.SendSignal?.Name == KeyEntity.Commit).SendSignal; // once: the second step was a duplicate
        Assert.Equal(Id("a"), commit.InstanceId);
        var sent = Assert.Single(Converter.Deserialize<ChainCommit>(commit.Input)!.Changes);
        Assert.Equal("a"u8.ToArray(), sent.Key);
        Assert.Equal(Encoding.UTF8.GetBytes("7"), sent.State!.String);
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
        var step = Step("tx", ["a", "b"], Command("MSET", "a", "1", "b", "2"));
        step.Held.Add(new HeldKey("a"u8.ToArray(), null));
        object[] messages =
        [
            new CommandBatch([Command("MSET", "a", "1", "b", "2")]),
            KeyState.OfString(Encoding.UTF8.GetBytes("v")),
            new[] { new SubmitRequest { Id = "id", Commands = new CommandBatch([Command("INCR", "k")]) } },
            step,
            new ChainCommit { Id = "tx", Changes = [new HeldKey([0xFF], KeyState.OfString(Encoding.UTF8.GetBytes("v")))] },
            new LoadRequest { Id = "id", Key = "{t}k"u8.ToArray(), State = KeyState.OfString(Encoding.UTF8.GetBytes("v")) },
            new ExpireRequest { Key = "{t}k"u8.ToArray(), Version = 3 },
            new KeyRecord
            {
                State = KeyState.OfString(Encoding.UTF8.GetBytes("v")), Replies = [new StoredReply("id", 1, [Reply.Integer(1)])],
                LockedBy = "tx", Seq = 3, Deferred = [new DeferredOperation(KeyEntity.Trim, null)],
            },
            new KeyRecord { Group = [new GroupedKey("{t}a"u8.ToArray(), KeyState.OfString([1, 2]))] },
        ];
        foreach (var message in messages)
            Assert.Equal(Converter.Serialize(message), worker.Serialize(message));
        var back = worker.Deserialize<ChainStep>(Converter.Serialize(step))!;
        Assert.Equal(step.Keys, back.Keys);
    }
}
