using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>STUB: the value of a list key.</summary>
public sealed class ListValue
{
    public int Count => 0;
    public ListValue Clone() => new();
}

/// <summary>STUB: Lists commands.</summary>
public static class Lists
{
    public static Reply LPush(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply RPush(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LPushX(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply RPushX(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LPop(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply RPop(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LRange(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LTrim(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LLen(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LIndex(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LSet(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LRem(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LInsert(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LPos(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply LMove(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply RPopLPush(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
}
