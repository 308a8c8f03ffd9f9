using System.Collections.Concurrent;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Types;

namespace Serverless.Store.Durable;

/// <summary>
/// The blocking commands over HTTP: XREAD / XREADGROUP with BLOCK, and the blocking pops (BLPOP,
/// BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP; <see cref="BlockingPopAsync"/>).
/// For XREAD and XREADGROUP with BLOCK: There is no connection to park, and an entity must not
/// be held while a caller waits, so: the command runs once without blocking; with nothing to
/// serve, the caller waits for a change of one of its stream keys (<see cref="ReplyChannel.NextChangeAsync"/>:
/// a commit the host reports, or a poll), evaluates the command on the stored states, and
/// only when that would serve something runs it for real (XREAD: the evaluation is the answer, as
/// on the read path; XREADGROUP: the entity runs it, since it moves entries into the PEL). At the
/// deadline the answer is nil, as a timed-out Redis BLOCK. BLOCK 0 and longer timeouts wait
/// <see cref="MaxBlock"/>. In pipelines and transactions BLOCK does not wait (as in MULTI).
/// </summary>
public sealed partial class DurableStore
{
    /// <summary>Longest BLOCK served (BLOCK 0 waits this long): kept below HTTP clients' and front ends' timeouts.</summary>
    public TimeSpan MaxBlock { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a blocked read looks at its streams' stored states when no change wakes it.</summary>
    public TimeSpan BlockPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The parsed request when the plan is a valid blocking pop, else null (the engine answers an invalid one's error).</summary>
    static BlockingRequest? BlockingPop(StorePlan plan)
    {
        if (plan.Refusal is not null || plan.Command.Spec?.Flags.HasFlag(CommandFlags.Blocking) != true) return null;
        try
        {
            return BlockingRequest.Parse(plan.Command.Args);
        }
        catch (RedisException)
        {
            return null;
        }
    }

    /// <summary>
    /// A blocking pop: it runs (where its keys are, as its plain form would); while it answers nil,
    /// the caller waits for a change of one of its keys (a commit the host reports, or a poll), judges
    /// on the stored states whether it would serve (<see cref="BlockingRequest.WouldServe"/>), and
    /// only then runs it again (another client may have taken the elements first: then it waits on).
    /// At the deadline it answers Redis's timeout reply; timeout 0 and longer ones wait <see cref="MaxBlock"/>.
    /// Clients waiting on one key are not served in the order they came, unlike Redis's FIFO.
    /// </summary>
    async Task<Reply> BlockingPopAsync(StorePlan plan, BlockingRequest request, CancellationToken cancellation)
    {
        var started = time.GetTimestamp();
        var limit = request.TimeoutMs == 0 || request.TimeoutMs > MaxBlock.TotalMilliseconds ? MaxBlock : TimeSpan.FromMilliseconds(request.TimeoutMs);
        var entityKeys = request.Keys.Select(EntityKeys.EntityOf).Distinct(StringComparer.Ordinal).ToArray();
        var reply = await RunAsync(plan, cancellation);
        while (reply is ArrayReply { Items: null } or BulkReply { Value: null })
        {
            if (!await WaitForChangeAsync(entityKeys, started, limit, cancellation)) return BlockingRequest.TimedOut;
            // Each entity read once (keys under one hash tag share one), all at once.
            var records = await Task.WhenAll(entityKeys.Select(e => Reads.ReadAsync(e, cancellation)));
            KeyState? StateOf(byte[] key)
            {
                var entityKey = EntityKeys.EntityOf(key);
                return KeyReads.StateIn(records[Array.IndexOf(entityKeys, entityKey)], entityKey, key);
            }
            if (request.WouldServe(StateOf, NowMs)) reply = await RunAsync(plan, cancellation);
        }
        return reply;
    }

    /// <summary>Waits for a change of one of the entities (or the next poll); false once the blocking command's time is up.</summary>
    async Task<bool> WaitForChangeAsync(string[] entityKeys, long started, TimeSpan limit, CancellationToken cancellation)
    {
        var left = limit - time.GetElapsedTime(started);
        if (left <= TimeSpan.Zero) return false;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            var wake = new List<Task>(entityKeys.Length + 1) { Task.Delay(left < BlockPollInterval ? left : BlockPollInterval, time, wait.Token) };
            foreach (var entityKey in entityKeys) wake.Add(Replies.NextChangeAsync(KeyEntity.Id(entityKey), wait.Token));
            await Task.WhenAny(wake);
            wait.Cancel();
        }
        cancellation.ThrowIfCancellationRequested();
        return true;
    }

    /// <summary>The parsed request when the plan is a valid XREAD/XREADGROUP with BLOCK, else null.</summary>
    static Streams.ReadRequest? BlockingRead(StorePlan plan)
    {
        if (plan.Command.Spec?.Name is not ("xread" or "xreadgroup")) return null;
        try
        {
            var request = Streams.ParseRead(plan.Command.Args);
            return request.Block >= 0 ? request : null;
        }
        catch (RedisException)
        {
            return null; // the engine answers the error
        }
    }

    async Task<Reply> BlockingReadAsync(StorePlan plan, Streams.ReadRequest request, CancellationToken cancellation)
    {
        var args = plan.Command.Args;
        var started = time.GetTimestamp();
        var limit = request.Block == 0 || request.Block > MaxBlock.TotalMilliseconds ? MaxBlock : TimeSpan.FromMilliseconds(request.Block);
        if (plan.Refusal is { } refusal) return refusal; // a key too long
        var keys = new byte[request.StreamCount][];
        for (var k = 0; k < keys.Length; k++) keys[k] = args[request.StreamsAt + k];
        var entityKeys = keys.Select(EntityKeys.EntityOf).Distinct(StringComparer.Ordinal).ToArray();

        var command = StorePlan.Of(await WithoutBlockAsync(args, request, keys, cancellation));
        var reply = await RunAsync(command, cancellation);
        var isGroup = request.Group is not null;
        while (reply is ArrayReply { Items: null })
        {
            if (!await WaitForChangeAsync(entityKeys, started, limit, cancellation)) return reply;
            var peek = await PeekAsync(command.Command, keys, cancellation);
            if (peek is ArrayReply { Items: null }) continue;
            if (!isGroup) return peek;
            reply = await RunAsync(command, cancellation); // another consumer may have taken them: then wait on
        }
        return reply;
    }

    /// <summary>
    /// The command without its BLOCK option, and for XREAD with "$" resolved to each stream's last
    /// ID now, so that retries wait for entries added after the call (what "$" means in Redis).
    /// </summary>
    async Task<byte[][]> WithoutBlockAsync(byte[][] args, Streams.ReadRequest request, byte[][] keys, CancellationToken cancellation)
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
                var state = await Reads.ReadKeyAsync(keys[k], cancellation);
                if (state is not null && state.IsExpired(now)) state = null;
                if (state is null) command[idsAt + k] = StreamId.Zero.ToBytes();
                else if (state.Stream is { } stream) command[idsAt + k] = stream.LastId.ToBytes();
                // another type: "$" stays, the engine answers WRONGTYPE
            }
        }
        return command.ToArray();
    }

    /// <summary>The command evaluated on the streams' stored states, changing nothing stored.</summary>
    async Task<Reply> PeekAsync(CommandPlan command, byte[][] keys, CancellationToken cancellation)
    {
        var keyspace = new MemoryKeyspace();
        for (var k = 0; k < keys.Length; k++)
        {
            if (keyspace.Get(keys[k]) is not null) continue;
            if (await Reads.ReadKeyAsync(keys[k], cancellation) is { } state) keyspace.Set(keys[k], state);
        }
        return command.Execute(new CommandContext(keyspace, NowMs) { Config = ReadConfig });
    }
}
