namespace Serverless.Store.Client;

/// <summary>
/// What the client needs to know about a command before sending it, by name: whether a blind retry
/// is safe (it only reads, or repeating it leaves the same state and the same answer), and whether
/// it may join an automatic batch (it touches one key, its first argument, and never blocks).
/// The client keeps its own list because it references nothing of the server; a command it does
/// not know is treated the careful way: never retried after it may have been sent, never batched.
/// </summary>
static class CommandTraits
{
    /// <summary>Commands that only read. Retried on transient failures.</summary>
    static readonly HashSet<string> ReadOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "GET", "MGET", "STRLEN", "GETRANGE", "EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME",
        "KEYS", "SCAN", "RANDOMKEY", "DBSIZE",
        "HGET", "HMGET", "HGETALL", "HEXISTS", "HLEN", "HKEYS", "HVALS", "HSTRLEN", "HRANDFIELD", "HSCAN",
        "LRANGE", "LLEN", "LINDEX", "LPOS",
        "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SRANDMEMBER", "SINTER", "SUNION", "SDIFF", "SINTERCARD", "SSCAN",
        "ZSCORE", "ZMSCORE", "ZCARD", "ZCOUNT", "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
        "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZRANK", "ZREVRANK", "ZRANDMEMBER", "ZUNION", "ZINTER", "ZDIFF", "ZSCAN",
        "XLEN", "XRANGE", "XREVRANGE", "XREAD", "XPENDING", "XINFO",
        "PING", "ECHO", "TIME", "INFO", "COMMAND", "PUBSUB", "LASTSAVE", "EVALSHA_RO", "EVAL_RO",
    };

    /// <summary>
    /// Writes that may be repeated blindly: the same state and the same answer the second time
    /// (SET without NX/XX/GET answers OK again; EXPIRE without NX/XX/GT/LT answers 1 again).
    /// Every other write (INCR, LPUSH, DEL, HSET, XADD...) is retried only when the request
    /// provably never left the machine (the connection was refused).
    /// </summary>
    static readonly HashSet<string> RepeatableWrites = new(StringComparer.OrdinalIgnoreCase)
    {
        "SET", "SETEX", "PSETEX", "MSET", "HMSET", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT",
    };

    /// <summary>Options that make a repeatable write's second answer differ from its first.</summary>
    static readonly HashSet<string> ConditionalOptions = new(StringComparer.OrdinalIgnoreCase) { "NX", "XX", "GET", "GT", "LT" };

    /// <summary>
    /// Commands that touch exactly one key, their first argument, and never block: they may share an
    /// automatic batch (the store runs a pipeline's single-key commands per key in parallel, one
    /// entity operation per key; a multi-key or blocking command would hold up those after it).
    /// </summary>
    static readonly HashSet<string> SingleKey = new(StringComparer.OrdinalIgnoreCase)
    {
        "GET", "SET", "SETEX", "PSETEX", "SETNX", "GETSET", "GETDEL", "GETEX", "INCR", "DECR", "INCRBY", "DECRBY",
        "INCRBYFLOAT", "APPEND", "STRLEN", "GETRANGE", "SETRANGE", "TYPE", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT",
        "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST",
        "HSET", "HSETNX", "HGET", "HMGET", "HMSET", "HGETALL", "HDEL", "HEXISTS", "HLEN", "HKEYS", "HVALS", "HINCRBY",
        "HINCRBYFLOAT", "HSTRLEN", "HRANDFIELD", "HSCAN",
        "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LRANGE", "LTRIM", "LLEN", "LINDEX", "LSET", "LREM", "LINSERT", "LPOS",
        "SADD", "SREM", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP", "SRANDMEMBER", "SSCAN",
        "ZADD", "ZINCRBY", "ZSCORE", "ZMSCORE", "ZCARD", "ZCOUNT", "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
        "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZRANK", "ZREVRANK", "ZREM", "ZREMRANGEBYSCORE", "ZREMRANGEBYRANK",
        "ZREMRANGEBYLEX", "ZPOPMIN", "ZPOPMAX", "ZRANDMEMBER", "ZSCAN",
        "XADD", "XLEN", "XRANGE", "XREVRANGE", "XDEL", "XTRIM", "XACK", "XCLAIM", "XAUTOCLAIM", "XSETID",
    };

    /// <summary>Commands of which one key may be given several times (DEL a b): single-key only with one.</summary>
    static readonly HashSet<string> SingleKeyWhenOneArgument = new(StringComparer.OrdinalIgnoreCase) { "DEL", "UNLINK", "EXISTS", "TOUCH" };

    /// <summary>True when repeating the command blindly after a transient failure is safe.</summary>
    public static bool IsRetryable(StoreValue[] command)
    {
        var name = command[0].ToString();
        if (ReadOnly.Contains(name)) return true;
        if (!RepeatableWrites.Contains(name)) return false;
        for (var i = 1; i < command.Length; i++)
            if (!command[i].IsBytes && ConditionalOptions.Contains(command[i].Text!)) return false;
        return true;
    }

    /// <summary>True when every command of a batch is retryable.</summary>
    public static bool AreRetryable(IReadOnlyList<StoreValue[]> commands)
    {
        foreach (var command in commands)
            if (!IsRetryable(command)) return false;
        return true;
    }

    /// <summary>True when the command may join an automatic batch.</summary>
    public static bool IsBatchable(StoreValue[] command)
    {
        var name = command[0].ToString();
        if (SingleKeyWhenOneArgument.Contains(name)) return command.Length == 2;
        return SingleKey.Contains(name) && command.Length >= 2;
    }
}
