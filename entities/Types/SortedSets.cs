using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>STUB: the value of a sortedset key.</summary>
public sealed class SortedSetValue
{
    public int Count => 0;
    public SortedSetValue Clone() => new();
}

/// <summary>STUB: SortedSets commands.</summary>
public static class SortedSets
{
    public static Reply ZAdd(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZIncrBy(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZScore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZMScore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZCard(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZCount(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRange(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRevRange(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRangeByScore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRevRangeByScore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRangeByLex(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRevRangeByLex(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZLexCount(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRank(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRevRank(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRem(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRemRangeByScore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRemRangeByRank(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRemRangeByLex(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZPopMin(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZPopMax(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZRandMember(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZUnionStore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZInterStore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZDiffStore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZUnion(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZInter(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZDiff(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ZScan(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
}
