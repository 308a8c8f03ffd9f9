namespace Serverless.Store.Scripting;

/// <summary>
/// Redis's rand.c: the 48-bit linear congruential generator behind scripts' math.random, so that
/// a script that seeds it (math.randomseed(n)) draws redis-server's numbers. Redis keeps one
/// generator for the whole server; here each run starts from a state drawn from the command's
/// random source (seeded by the store, so a replayed run draws the same numbers).
/// </summary>
internal sealed class Rand48
{
    /// <summary>REDIS_LRAND48_MAX: lrand48() returns 0..2^31-1.</summary>
    public const int Max = int.MaxValue;

    const ulong Multiplier = 0x5DEECE66DUL, Increment = 0xB, Mask = (1UL << 48) - 1;
    const ulong InitialState = 0x1234ABCD330EUL; // X2 X1 X0 of rand.c

    ulong state = InitialState;

    /// <summary>A generator at redis-server's start state.</summary>
    public Rand48() { }

    /// <summary>A generator at a given 48-bit state.</summary>
    public Rand48(ulong state) => this.state = state & Mask;

    /// <summary>redisSrand48: the seed's 32 bits become the high part, 0x330E the low 16.</summary>
    public void Seed(int seed) => state = ((ulong)(uint)seed << 16) | 0x330E;

    /// <summary>redisLrand48: the next state's top 31 bits.</summary>
    public int Next()
    {
        state = (state * Multiplier + Increment) & Mask;
        return (int)(state >> 17);
    }
}
