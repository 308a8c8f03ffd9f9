using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>STUB: the value of a set key.</summary>
public sealed class SetValue
{
    public int Count => 0;
    public SetValue Clone() => new();
}

/// <summary>STUB: Sets commands.</summary>
public static class Sets
{
    public static Reply SAdd(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SRem(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SMembers(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SIsMember(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SMIsMember(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SCard(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SPop(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SRandMember(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SInter(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SUnion(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SDiff(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SInterStore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SUnionStore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SDiffStore(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SMove(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SInterCard(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SScan(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
}
