using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>STUB: Strings commands.</summary>
public static class Strings
{
    public static Reply Get(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Set(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SetEx(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply PSetEx(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SetNx(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply GetSet(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply GetDel(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply GetEx(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply MGet(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply MSet(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply MSetNx(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Incr(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Decr(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply IncrBy(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply DecrBy(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply IncrByFloat(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Append(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply StrLen(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply GetRange(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply SetRange(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
}
