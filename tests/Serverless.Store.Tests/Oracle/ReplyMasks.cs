using System.Text;
using Serverless.Store.Protocol;

namespace Serverless.Store.Tests.Oracle;

/// <summary>
/// Masks for replies that hold times or Redis internals (idle times, seen times, radix-tree node
/// counts), so redis-server's and the engine's replies compare on everything else.
/// </summary>
public static class ReplyMasks
{
    /// <summary>What a masked value becomes on both sides.</summary>
    public static readonly Reply Masked = Reply.Integer(-12345);

    /// <summary>Replaces integers at the given positions of every sub-array at <paramref name="depth"/>.</summary>
    public static Reply MaskAt(Reply r, int depth, params int[] positions)
    {
        if (r is not ArrayReply { Items: { } items }) return r;
        if (depth == 0)
            return Reply.Array(items.Select((x, i) => positions.Contains(i) && x is IntegerReply ? Masked : x).ToArray());
        return Reply.Array(items.Select(x => MaskAt(x, depth - 1, positions)).ToArray());
    }

    /// <summary>Masks the value after every bulk named one of <paramref name="names"/>, at any depth.</summary>
    public static Reply MaskNamed(Reply r, params string[] names)
    {
        if (r is not ArrayReply { Items: { } items }) return r;
        var result = new Reply[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var named = i > 0 && items[i - 1] is BulkReply { Value: { } v } && names.Contains(Encoding.UTF8.GetString(v));
            result[i] = named ? Masked : MaskNamed(items[i], names);
        }
        return Reply.Array(result);
    }
}
