using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>STUB: Keys commands.</summary>
public static class Keys
{
    public static Reply Del(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Exists(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Type(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Expire(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply PExpire(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ExpireAt(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply PExpireAt(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Ttl(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply PTtl(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply ExpireTime(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply PExpireTime(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Persist(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Rename(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply RenameNx(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Copy(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Touch(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply KeysCommand(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply Scan(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply RandomKey(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply DbSize(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
    public static Reply FlushAll(CommandContext ctx, byte[][] args) => throw new RedisException("ERR not implemented");
}
