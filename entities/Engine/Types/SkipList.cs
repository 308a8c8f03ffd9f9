using Serverless.Store.Keyspace;

namespace Serverless.Store.Types;

/// <summary>
/// The ordered half of a sorted set, as Redis's zskiplist (t_zset.c): nodes ordered by
/// (score, member memcmp), each link carrying its span (how many ranks it jumps), so rank
/// lookups, "element at rank" and range starts are O(log n) and ranges walk on from there.
/// Written by hand because .NET's SortedSet&lt;T&gt; has no rank queries (no "index of" or
/// "element at" faster than O(n)), and ZRANK/ZRANGE/ZCOUNT need them.
/// Invariant: a link's span is meaningful only when its Forward is not null.
/// </summary>
internal sealed class SkipList
{
    public const int MaxLevel = 32;

    internal struct Link
    {
        public Node? Forward;
        public int Span;
    }

    internal sealed class Node(int level, double score, byte[] member)
    {
        public readonly byte[] Member = member;
        public double Score = score;
        public Node? Backward;
        public readonly Link[] Levels = new Link[level];

        public Node? Next => Levels[0].Forward;
    }

    /// <summary>A monotone test on nodes: true for a prefix of the list ("before the range").</summary>
    internal interface IBefore
    {
        bool Before(Node n);
    }

    // Search paths are scratch space shared per thread: sorted sets are not touched concurrently
    // and these methods do not re-enter, so a ZADD does not allocate a path.
    [ThreadStatic] static Node[]? updateBuffer;
    [ThreadStatic] static int[]? rankBuffer;

    readonly Node header = new(MaxLevel, 0, []);
    Node? tail;
    int level = 1;
    int length;
    // xorshift64 state: deterministic levels (same commands, same shape) with no Random object per set.
    ulong seed = 0x9E3779B97F4A7C15UL;

    public int Count => length;
    public Node? First => header.Levels[0].Forward;
    public Node? Last => tail;

    static Node[] Update => updateBuffer ??= new Node[MaxLevel];
    static int[] Ranks => rankBuffer ??= new int[MaxLevel];

    /// <summary>(score, member) order: scores first, then memcmp of members.</summary>
    public static bool Less(Node n, double score, byte[] member) =>
        n.Score < score || (n.Score == score && n.Member.AsSpan().SequenceCompareTo(member) < 0);

    int RandomLevel()
    {
        // p = 1/4 per extra level, as ZSKIPLIST_P.
        var l = 1;
        while (l < MaxLevel)
        {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if ((seed & 3) != 0) break;
            l++;
        }
        return l;
    }

    /// <summary>Inserts a member that is not in the list yet (the caller's dictionary knows).</summary>
    public Node Insert(double score, byte[] member) => LinkNode(null, score, member);

    /// <summary>Links <paramref name="node"/> (an unlinked node being moved, which keeps its level) or a new node.</summary>
    Node LinkNode(Node? node, double score, byte[] member)
    {
        var update = Update;
        var rank = Ranks;
        var x = header;
        for (var i = level - 1; i >= 0; i--)
        {
            rank[i] = i == level - 1 ? 0 : rank[i + 1];
            while (x.Levels[i].Forward is { } f && Less(f, score, member))
            {
                rank[i] += x.Levels[i].Span;
                x = f;
            }
            update[i] = x;
        }
        var newLevel = node?.Levels.Length ?? RandomLevel();
        if (newLevel > level)
        {
            for (var i = level; i < newLevel; i++)
            {
                rank[i] = 0;
                update[i] = header;
                header.Levels[i].Span = length;
            }
            level = newLevel;
        }
        if (node is null) node = new Node(newLevel, score, member);
        else node.Score = score;
        for (var i = 0; i < newLevel; i++)
        {
            node.Levels[i].Forward = update[i].Levels[i].Forward;
            update[i].Levels[i].Forward = node;
            node.Levels[i].Span = update[i].Levels[i].Span - (rank[0] - rank[i]);
            update[i].Levels[i].Span = rank[0] - rank[i] + 1;
        }
        for (var i = newLevel; i < level; i++) update[i].Levels[i].Span++;
        node.Backward = update[0] == header ? null : update[0];
        if (node.Levels[0].Forward is { } next) next.Backward = node;
        else tail = node;
        length++;
        Array.Clear(update);
        return node;
    }

    /// <summary>Unlinks x given the path that leads to it.</summary>
    void Unlink(Node x, Node[] update)
    {
        for (var i = 0; i < level; i++)
        {
            if (update[i].Levels[i].Forward == x)
            {
                update[i].Levels[i].Span += x.Levels[i].Span - 1;
                update[i].Levels[i].Forward = x.Levels[i].Forward;
            }
            else
            {
                update[i].Levels[i].Span--;
            }
        }
        if (x.Levels[0].Forward is { } next) next.Backward = x.Backward;
        else tail = x.Backward;
        while (level > 1 && header.Levels[level - 1].Forward is null) level--;
        length--;
    }

    /// <summary>Fills the path to the first node not Less than (score, member) and returns that node.</summary>
    Node? FindPath(double score, byte[] member, Node[] update)
    {
        var x = header;
        for (var i = level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && Less(f, score, member)) x = f;
            update[i] = x;
        }
        return x.Levels[0].Forward;
    }

    public bool Delete(double score, byte[] member)
    {
        var update = Update;
        var x = FindPath(score, member, update);
        var found = x is not null && x.Score == score && Bytes.Comparer.Equals(x.Member, member);
        if (found) Unlink(x!, update);
        Array.Clear(update);
        return found;
    }

    /// <summary>Moves a member to a new score; stays in place when its neighbours allow (as zslUpdateScore).</summary>
    public Node UpdateScore(double current, byte[] member, double newScore)
    {
        var update = Update;
        var x = FindPath(current, member, update)!;
        if ((x.Backward is null || x.Backward.Score < newScore) &&
            (x.Levels[0].Forward is null || x.Levels[0].Forward!.Score > newScore))
        {
            x.Score = newScore;
            Array.Clear(update);
            return x;
        }
        // Moved: relink the same node (its level stays, as random as when it was drawn).
        Unlink(x, update);
        return LinkNode(x, newScore, x.Member);
    }

    /// <summary>1-based rank of (score, member), 0 when it is not in the list.</summary>
    public int Rank(double score, byte[] member)
    {
        var x = header;
        var rank = 0;
        for (var i = level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f &&
                   (Less(f, score, member) || (f.Score == score && f.Member.AsSpan().SequenceEqual(member))))
            {
                rank += x.Levels[i].Span;
                x = f;
            }
            if (x != header && x.Score == score && x.Member.AsSpan().SequenceEqual(member)) return rank;
        }
        return 0;
    }

    /// <summary>The node at a 1-based rank, or null.</summary>
    public Node? ByRank(long rank)
    {
        if (rank < 1 || rank > length) return null;
        var x = header;
        long traversed = 0;
        for (var i = level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && traversed + x.Levels[i].Span <= rank)
            {
                traversed += x.Levels[i].Span;
                x = f;
            }
            if (traversed == rank) return x;
        }
        return null;
    }

    /// <summary>
    /// How many leading nodes satisfy <paramref name="before"/>, and the last of them (null when
    /// none). One O(log n) descent; the path is left in <paramref name="update"/> when given.
    /// </summary>
    public int CountBefore<T>(T before, out Node? last, Node[]? update = null) where T : struct, IBefore
    {
        var x = header;
        var rank = 0;
        for (var i = level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && before.Before(f))
            {
                rank += x.Levels[i].Span;
                x = f;
            }
            if (update is not null) update[i] = x;
        }
        last = x == header ? null : x;
        return rank;
    }

    /// <summary>
    /// Deletes the nodes from the first one not satisfying <paramref name="before"/> while
    /// <paramref name="inRange"/> holds, reporting each: O(log n + deleted).
    /// </summary>
    public int DeleteFrom<TB>(TB before, Func<Node, bool> inRange, Action<Node> removed) where TB : struct, IBefore
    {
        var update = Update;
        CountBefore(before, out var last, update);
        var x = last is null ? First : last.Next;
        var deleted = 0;
        while (x is not null && inRange(x))
        {
            var next = x.Levels[0].Forward;
            Unlink(x, update);
            removed(x);
            deleted++;
            x = next;
        }
        Array.Clear(update);
        return deleted;
    }

    /// <summary>Deletes ranks start..end (1-based, inclusive, already clamped), reporting each node.</summary>
    public int DeleteRangeByRank(long start, long end, Action<Node> removed)
    {
        var update = Update;
        var x = header;
        long traversed = 0;
        for (var i = level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f && traversed + x.Levels[i].Span < start)
            {
                traversed += x.Levels[i].Span;
                x = f;
            }
            update[i] = x;
        }
        traversed++;
        var node = x.Levels[0].Forward;
        var deleted = 0;
        while (node is not null && traversed <= end)
        {
            var next = node.Levels[0].Forward;
            Unlink(node, update);
            removed(node);
            deleted++;
            traversed++;
            node = next;
        }
        Array.Clear(update);
        return deleted;
    }

    /// <summary>
    /// Appends an entry that sorts after the tail in O(1) expected time, so a list is built from
    /// ordered entries (JSON reads, clones) in O(n). Returns false (and does nothing) when the
    /// entry is out of order: the caller inserts it instead. Start with <see cref="ResetAppend"/>.
    /// </summary>
    public bool AppendInOrder(double score, byte[] member, Node[] lastAt, int[] rankAt)
    {
        if (tail is not null && !Less(tail, score, member)) return false;
        var l = RandomLevel();
        if (l > level)
        {
            for (var i = level; i < l; i++)
            {
                lastAt[i] = header;
                rankAt[i] = 0;
            }
            level = l;
        }
        var node = new Node(l, score, member);
        var r = length + 1;
        for (var i = 0; i < l; i++)
        {
            lastAt[i].Levels[i].Forward = node;
            lastAt[i].Levels[i].Span = r - rankAt[i];
            lastAt[i] = node;
            rankAt[i] = r;
        }
        node.Backward = tail;
        tail = node;
        length = r;
        return true;
    }

    /// <summary>Prepares the append state of <see cref="AppendInOrder"/> from the current list.</summary>
    public void ResetAppend(Node[] lastAt, int[] rankAt)
    {
        var x = header;
        var rank = 0;
        for (var i = level - 1; i >= 0; i--)
        {
            while (x.Levels[i].Forward is { } f)
            {
                rank += x.Levels[i].Span;
                x = f;
            }
            lastAt[i] = x;
            rankAt[i] = rank;
        }
        for (var i = level; i < MaxLevel; i++)
        {
            lastAt[i] = header;
            rankAt[i] = 0;
        }
    }

    /// <summary>Checks every invariant (order, spans, backward links, length); for tests.</summary>
    internal void Validate()
    {
        var ranks = new Dictionary<Node, int> { [header] = 0 };
        var r = 0;
        Node? prev = null;
        for (var n = First; n is not null; n = n.Next)
        {
            ranks[n] = ++r;
            if (n.Backward != prev) throw new InvalidOperationException($"bad backward link at rank {r}");
            if (prev is not null && !Less(prev, n.Score, n.Member)) throw new InvalidOperationException($"out of order at rank {r}");
            prev = n;
        }
        if (r != length) throw new InvalidOperationException($"length {length} but {r} nodes");
        if (tail != prev) throw new InvalidOperationException("bad tail");
        for (var i = 0; i < MaxLevel; i++)
        {
            if (i >= level && header.Levels[i].Forward is not null) throw new InvalidOperationException($"level {i} above {level} in use");
            Node x = header;
            while (x.Levels[i].Forward is { } f)
            {
                if (ranks[f] - ranks[x] != x.Levels[i].Span) throw new InvalidOperationException($"bad span at level {i}, rank {ranks[x]}");
                x = f;
            }
        }
        if (level > 1 && header.Levels[level - 1].Forward is null) throw new InvalidOperationException("top level empty");
    }
}
