namespace Serverless.Store.Types;

/// <summary>
/// Redis 7.0's thresholds below which a value keeps its compact encoding (config.c's defaults,
/// which redis.conf repeats): a hash stays a listpack up to 512 fields of at most 64 bytes, a set
/// of integers an intset up to 512 members, a sorted set a listpack up to 128 members of at most
/// 64 bytes. CONFIG SET changes them; like Redis, a value converted to the large encoding never
/// goes back, and a new limit applies to what is written next.
/// </summary>
public sealed record EncodingLimits(
    long HashMaxListpackEntries = 512,
    long HashMaxListpackValue = 64,
    long SetMaxIntsetEntries = 512,
    long ZSetMaxListpackEntries = 128,
    long ZSetMaxListpackValue = 64)
{
    public static readonly EncodingLimits Default = new();
}
