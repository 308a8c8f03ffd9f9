using System.Text;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// The consistent multi-key read against stored records as the backend can leave them: a chain's
/// commit has reached an earlier entity (changed, unlocked) while the chain's last entity has not
/// stored its part yet (the backend sends a batch's messages before it stores its state). Such a
/// round must not be taken as consistent, however stable both records look.
/// </summary>
public sealed class ConsistentReadTests
{
    /// <summary>An entity client whose stored records are what the test says (reads only).</summary>
    sealed class StoredRecords(Dictionary<string, KeyRecord> records) : DurableEntityClient("stored")
    {
        public int Reads;

        public override Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
        {
            Interlocked.Increment(ref Reads);
            return Task.FromResult(records.TryGetValue(id.Key, out var record) ? new EntityMetadata<T>(id, (T)(object)record) : null);
        }

        public override Task<EntityMetadata?> GetEntityAsync(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default) =>
            throw new NotSupportedException();
        public override Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException();
        public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) => throw new NotSupportedException();
        public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) => throw new NotSupportedException();
        public override Task<CleanEntityStorageResult> CleanEntityStorageAsync(CleanEntityStorageRequest? request = null, bool continueUntilComplete = true, CancellationToken cancellation = default) =>
            throw new NotSupportedException();
    }

    static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    static KeyRecord Account(string balance, long seq) => new() { State = KeyState.OfString(Encoding.ASCII.GetBytes(balance)), Seq = seq };

    static async Task<KeyRecord?[]?> ReadAsync(KeyRecord a, KeyRecord b)
    {
        var client = new StoredRecords(new() { ["a"] = a, ["b"] = b });
        return await new KeyReads(client, new ReplyChannel(client, commitsNotified: false)).ReadConsistentAsync(["a", "b"], CancellationToken.None);
    }

    [Fact]
    public async Task A_commit_whose_last_entity_has_not_stored_its_part_is_not_a_consistent_round()
    {
        // The transfer's commit reached "a" (970); "b", the chain's last entity, still holds its old 1000.
        var a = Account("970", 5);
        a.Committed = new ChainMark { Id = "t1", Entities = ["a", "b"], AtMs = Now };
        var b = Account("1000", 3);
        Assert.Null(await ReadAsync(a, b)); // every try refused: the caller reads through a chain instead

        // Once "b" has stored the chain's result (its reply is in its record), the round stands.
        b.AddReply(new StoredReply("t1", Now, []), Now);
        var records = await ReadAsync(a, b);
        Assert.NotNull(records);
        Assert.Same(a, records[0]);
    }

    [Fact]
    public async Task Marks_of_chains_outside_the_read_or_long_stored_are_not_checked()
    {
        var a = Account("970", 5);
        a.Committed = new ChainMark { Id = "t1", Entities = ["a", "c"], AtMs = Now }; // "c" is not read here
        Assert.NotNull(await ReadAsync(a, Account("1000", 3)));

        a.Committed = new ChainMark { Id = "t2", Entities = ["a", "b"], AtMs = Now - KeyRecord.ReplyRetentionMs - 1 };
        Assert.NotNull(await ReadAsync(a, Account("1000", 3))); // its reply may be trimmed by now; its state is long stored
    }
}
