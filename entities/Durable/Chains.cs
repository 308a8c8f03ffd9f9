using Serverless.Store.Commands;
using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// Multi-key commands and MULTI/EXEC over several keys, atomic and isolated, without an orchestration:
/// one <see cref="ChainStep"/> travels through the keys' entities in sorted order. Each one but the
/// last locks its key (keeping whatever else arrives for later) and passes its state on; the last
/// one runs the commands on all the states, stores its key and the replies, and sends the others
/// their new states (<see cref="ChainCommit"/>), on which they unlock. The caller is answered from
/// the last entity's stored state, one entity hop per key; the others' commits follow off the reply
/// path, and a read of a key still locked waits for its commit (<see cref="KeyReads"/>), so the answer
/// is visible to every later read. Locks are always taken in the same order, so chains never wait on
/// each other in a circle. Cost: one entity batch per key plus one per earlier key for the commit.
/// </summary>
public sealed class Chains(DurableEntityClient entities, ReplyChannel channel, TimeProvider time, Func<ServerSettings?> settings)
{
    /// <summary>Runs commands over several keys' entities (<paramref name="entityKeys"/> sorted, distinct) atomically.</summary>
    public Task<Reply[]> RunAsync(string[] entityKeys, CommandBatch commands, CancellationToken cancellation, ScriptReach? reach = null)
    {
        var step = new ChainStep
        {
            Id = SubmitRequest.NewId(),
            Keys = entityKeys,
            Commands = commands,
            NowMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            Seed = Random.Shared.Next(),
            Reach = reach,
            Settings = settings(),
        };
        return channel.AwaitAsync<KeyRecord, Reply[]>(KeyEntity.Id(entityKeys[^1]), record => record?.FindReply(step.Id)?.Replies,
            () => entities.SignalEntityAsync(KeyEntity.Id(entityKeys[0]), KeyEntity.Step, step, cancellation: cancellation),
            "a multi-key command", cancellation);
    }
}
