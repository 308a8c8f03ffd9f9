using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// How big a hash tag's entity may grow. Every operation on a group reads and writes its whole state
/// (and past ~45 KB the backend keeps it in a blob, one more write and read per batch), so a huge
/// group is slow for every key in it; past these limits a command that would grow it further is
/// refused, before anything changes (docs/durable-store.md, "Hash tags", has the measured costs).
/// </summary>
static class GroupLimits
{
    public const int MaxKeys = 1000;
    public const long MaxBytes = 1 << 20;

    /// <summary>The refusal for commands that would take a group past a limit (they grow it), or null.</summary>
    public static ErrorReply? Refusal(KeyRecord record, EntityKeyspace keyspace, bool group)
    {
        if (!group) return null;
        int keys = record.Group?.Count ?? 0, keysAfter = keys;
        long bytes = 0;
        if (record.Group is not null)
            foreach (var g in record.Group) bytes += EstimatedBytes(g.Key, g.State);
        var bytesAfter = bytes;
        for (var i = 0; i < keyspace.Count; i++)
        {
            if (!keyspace.Changed(i)) continue;
            var key = keyspace.KeyAt(i);
            var before = record.StateOf(key, group);
            var after = keyspace.StateOf(i);
            keysAfter += (after is null ? 0 : 1) - (before is null ? 0 : 1);
            bytesAfter += (after is null ? 0 : EstimatedBytes(key, after)) - (before is null ? 0 : EstimatedBytes(key, before));
        }
        var growsPast = (keysAfter > MaxKeys && keysAfter > keys) || (bytesAfter > MaxBytes && bytesAfter > bytes);
        return growsPast
            ? new ErrorReply($"ERR this hash tag's keys would pass what one entity holds ({keysAfter} keys, about {bytesAfter} bytes; " +
                             $"at most {MaxKeys} keys and {MaxBytes} bytes): spread the keys over more tags, or leave big keys without a tag")
            : null;
    }

    /// <summary>About the JSON a key takes in the group's state (<see cref="KeyState.EstimatedBytes"/> and the key).</summary>
    static long EstimatedBytes(byte[] key, KeyState s) => key.Length + s.EstimatedBytes();
}
