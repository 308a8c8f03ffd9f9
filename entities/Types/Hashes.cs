using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>STUB: the value of a hashe key.</summary>
public sealed class HashValue
{
    public int Count => 0;
    public HashValue Clone() => new();
}

/// <summary>STUB: Hashes commands.</summary>
public static class Hashes
{
    public static Reply HSet(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HSetNx(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HGet(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HMGet(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HMSet(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HGetAll(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HDel(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HExists(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HLen(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HKeys(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HVals(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HIncrBy(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HIncrByFloat(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HStrLen(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HRandField(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply HScan(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
}
