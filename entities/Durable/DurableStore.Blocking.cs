using System.Collections.Concurrent;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.Durable;

/// <summary>
/// XREAD / XREADGROUP with BLOCK over HTTP. There is no connection to park, and an entity must not
/// be held while a caller waits, so: the command runs once without blocking; with nothing to
/// serve, the caller waits for a commit of one of its stream keys (the host's commit notification,
/// <see cref="EntityCommitted"/>) or the next poll, evaluates the command on the stored states, and
/// only when that would serve something runs it for real (XREAD: the evaluation is the answer, as
/// on the read path; XREADGROUP: the entity runs it, since it moves entries into the PEL). At the
/// deadline the answer is nil, as a timed-out Redis BLOCK. BLOCK 0 and longer timeouts wait
/// <see cref="MaxBlock"/>. In pipelines and transactions BLOCK does not wait (as in MULTI).
/// </summary>
public sealed partial class DurableStore
{
    /// <summary>Longest BLOCK served (BLOCK 0 waits this long): kept below HTTP clients' and front ends' timeouts.</summary>
    public TimeSpan MaxBlock { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a blocked read looks at its streams' stored states when no commit notification wakes it.</summary>
    public TimeSpan BlockPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Per entity key: completed at its next commit (one shared signal per key, replaced after each commit).</summary>
    readonly ConcurrentDictionary<string, TaskCompletionSource> commitSignals = new(StringComparer.Ordinal);

    void SignalCommit(string instanceId)
    {
        if (commitSignals.IsEmpty || !EntityKeys.IsKeyInstanceId(instanceId)) return;
        if (commitSignals.TryRemove(instanceId[EntityKeys.InstanceIdPrefix.Length..], out var signal)) signal.TrySetResult();
    }

    Task NextCommit(string entityKey) =>
        commitSignals.GetOrAdd(entityKey, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>The parsed request when <paramref name="args"/> is a valid XREAD/XREADGROUP with BLOCK, else null.</summary>
    static Streams.ReadRequest? BlockingRead(byte[][] args)
    {
        if (args.Length < 4 || args[0].Length is not (5 or 10)) return null;
        var spec = CommandTable.Find(args[0]);
        if (spec?.Name is not ("xread" or "xreadgroup") || !spec.ArityOk(args.Length)) return null;
        try
        {
            var request = Streams.ParseRead(args);
            return request.Block >= 0 ? request : null;
        }
        catch (RedisException)
        {
            return null; // the engine answers the error
        }
    }

    async Task<Reply> BlockingReadAsync(byte[][] args, Streams.ReadRequest request, CancellationToken cancellation)
    {
        var started = time.GetTimestamp();
        var limit = request.Block == 0 || request.Block > MaxBlock.TotalMilliseconds ? MaxBlock : TimeSpan.FromMilliseconds(request.Block);
        var keys = new byte[request.StreamCount][];
        var entityKeys = new string[request.StreamCount];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = args[request.StreamsAt + k];
            if (!EntityKeys.TryToEntityKey(keys[k], out entityKeys[k])) return Reply.Error(EntityKeys.TooLongError);
        }

        var command = await WithoutBlockAsync(args, request, keys, entityKeys, cancellation);
        var reply = await ExecuteAsync(command, cancellation);
        var isGroup = request.Group is not null;
        while (reply is ArrayReply { Items: null })
        {
            var left = limit - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero) return reply;
            var wake = new List<Task>(entityKeys.Length + 1) { Task.Delay(left < BlockPollInterval ? left : BlockPollInterval, time, cancellation) };
            foreach (var entityKey in entityKeys) wake.Add(NextCommit(entityKey));
            await Task.WhenAny(wake);
            cancellation.ThrowIfCancellationRequested();

            var peek = await PeekAsync(command, keys, entityKeys, cancellation);
            if (peek is ArrayReply { Items: null }) continue;
            if (!isGroup) return peek;
            reply = await ExecuteAsync(command, cancellation); // another consumer may have taken them: then wait on
        }
        return reply;
    }

    /// <summary>
    /// The command without its BLOCK option, and for XREAD with "$" resolved to each stream's last
    /// ID now, so that retries wait for entries added after the call (what "$" means in Redis).
    /// </summary>
    async Task<byte[][]> WithoutBlockAsync(byte[][] args, Streams.ReadRequest request, byte[][] keys, string[] entityKeys, CancellationToken cancellation)
    {
        var command = new List<byte[]>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (i < request.StreamsAt && args[i].Length == 5 && Bytes.Text(args[i]).Equals("block", StringComparison.OrdinalIgnoreCase))
            {
                i++;
                continue;
            }
            command.Add(args[i]);
        }
        var idsAt = command.Count - keys.Length;
        if (request.Group is null)
        {
            var now = NowMs;
            for (var k = 0; k < keys.Length; k++)
            {
                if (command[idsAt + k] is not [(byte)'$']) continue;
                var state = await ReadStateAsync(entityKeys[k], cancellation);
                if (state is not null && state.IsExpired(now)) state = null;
                if (state is null) command[idsAt + k] = StreamId.Zero.ToBytes();
                else if (state.Stream is { } stream) command[idsAt + k] = stream.LastId.ToBytes();
                // another type: "$" stays, the engine answers WRONGTYPE
            }
        }
        return command.ToArray();
    }

    /// <summary>The command evaluated on the streams' stored states, changing nothing stored.</summary>
    async Task<Reply> PeekAsync(byte[][] command, byte[][] keys, string[] entityKeys, CancellationToken cancellation)
    {
        var keyspace = new MemoryKeyspace();
        for (var k = 0; k < keys.Length; k++)
        {
            if (keyspace.Get(keys[k]) is not null) continue;
            if (await ReadStateAsync(entityKeys[k], cancellation) is { } state) keyspace.Set(keys[k], state);
        }
        return Engine.Execute(new CommandContext(keyspace, NowMs), command);
    }
}
