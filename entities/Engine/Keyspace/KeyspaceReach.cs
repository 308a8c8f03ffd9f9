using Serverless.Store.Protocol;

namespace Serverless.Store.Keyspace;

/// <summary>
/// A command reached beyond the keys its keyspace holds: a key it did not name (SORT's BY and GET
/// patterns, a script's computed key names), or the whole keyspace (SCAN or KEYS inside a script)
/// where only some keys are held. The message is what a user sees where nothing retries; a script
/// turns it into a <see cref="KeysNeededReply"/> so the store can run it again with those keys.
/// </summary>
public abstract class KeyspaceReachException(string message) : RedisException(message);

/// <summary>A key the keyspace does not hold (the keys a key entity or a lock chain holds are the ones the command named).</summary>
public sealed class UndeclaredKeyException(byte[] key)
    : KeyspaceReachException("ERR this command reads a key it does not name, which the store cannot serve here: name every key it uses")
{
    public byte[] Key { get; } = key;
}

/// <summary>The whole keyspace was asked for (SCAN, KEYS...) where only the named keys are held; <see cref="Pattern"/> is what it would list (null: every key).</summary>
public sealed class KeyspaceListingException(byte[]? pattern)
    : KeyspaceReachException("ERR this command needs the whole keyspace and is not available here")
{
    public byte[]? Pattern { get; } = pattern;
}
