using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using static Serverless.Store.Types.SkipList;

namespace Serverless.Store.Types;

/// <summary>
/// The geo commands of Redis 7.0 (geo.c) on sorted sets whose scores are 52-bit geohashes
/// (<see cref="GeoHash"/>). Searches look through the nine cells covering the shape in Redis's
/// order and sort the way Redis does (glibc's stable merge sort, or Redis's partial quicksort
/// under COUNT), so ties come out in the same order; distances are printed as Redis prints them.
/// </summary>
public static class Geo
{
    const string UnsupportedUnit = "ERR unsupported unit provided. please use M, KM, FT, MI";
    const string NegativeRadius = "ERR radius cannot be negative";
    const string NegativeBox = "ERR height or width cannot be negative";
    const string MemberNotFound = "ERR could not decode requested zset member";
    const string CountNotPositive = "ERR COUNT must be > 0";
    const string AnyNeedsCount = "ERR the ANY argument requires COUNT argument";

    static bool Is(byte[] arg, string word) => Ascii.EqualsIgnoreCase(arg, word);

    /// <summary>extractUnitOrReply: meters per unit.</summary>
    static double ParseUnit(byte[] unit) =>
        Is(unit, "m") ? 1 : Is(unit, "km") ? 1000 : Is(unit, "ft") ? 0.3048 : Is(unit, "mi") ? 1609.34
        : throw new RedisException(UnsupportedUnit);

    /// <summary>extractLongLatOrReply: two floats in range, or the error naming them as printf's %f does.</summary>
    static (double Lon, double Lat) ParseLonLat(byte[][] args, int at)
    {
        var lon = Numbers.ParseDouble(args[at]);
        var lat = Numbers.ParseDouble(args[at + 1]);
        if (!GeoHash.ValidLongitudeLatitude(lon, lat))
            throw new RedisException($"ERR invalid longitude,latitude pair {Fixed(lon, 6)},{Fixed(lat, 6)}");
        return (lon, lat);
    }

    static string Fixed(double value, int digits) => LongDouble.FromDouble(value).FormatFixed(digits, trim: false);

    /// <summary>The position of a member (longLatFromMember), or false when it is not in the set.</summary>
    static bool TryPosition(SortedSetValue z, byte[] member, out (double Lon, double Lat) position)
    {
        position = default;
        if (!z.TryGetScore(member, out var score)) return false;
        position = GeoHash.DecodeScore(score);
        return true;
    }

    // ------------------------------------------------------------------ replies

    /// <summary>
    /// addReplyDoubleDistance: fixedpoint_d2string(d, 4), i.e. llrint(d × 10^4) (ties to even;
    /// NaN and overflow give LLONG_MIN on x86-64) printed with four decimals.
    /// </summary>
    static Reply DistanceReply(double d)
    {
        if (d == 0) return Reply.Bulk("0.0000");
        var scaled = d * 10000.0;
        var rounded = Math.Round(scaled);
        var value = double.IsNaN(rounded) || rounded >= 9223372036854775808.0 || rounded < -9223372036854775808.0
            ? long.MinValue
            : (long)rounded;
        var magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        return Reply.Bulk($"{(value < 0 ? "-" : "")}{magnitude / 10000}.{magnitude % 10000:D4}");
    }

    /// <summary>addReplyHumanLongDouble: "%.17Lf" without trailing zeros.</summary>
    static Reply Coordinate(double value) => Reply.Bulk(LongDouble.FromDouble(value).Format());

    static Reply Position((double Lon, double Lat) p) => Reply.Array([Coordinate(p.Lon), Coordinate(p.Lat)]);

    // ------------------------------------------------------------------ GEOADD / GEOPOS / GEOHASH / GEODIST

    /// <summary>
    /// GEOADD key [NX|XX] [CH] lon lat member [...]: checks every coordinate, then runs ZADD with
    /// the geohash scores, as Redis does (so its replies, errors and "zadd" event are ZADD's).
    /// </summary>
    public static Reply GeoAdd(CommandContext ctx, byte[][] args)
    {
        bool xx = false, nx = false;
        var longIdx = 2;
        for (; longIdx < args.Length; longIdx++)
        {
            if (Is(args[longIdx], "nx")) nx = true;
            else if (Is(args[longIdx], "xx")) xx = true;
            else if (!Is(args[longIdx], "ch")) break;
        }
        if ((args.Length - longIdx) % 3 != 0 || (xx && nx)) throw new RedisException(Errors.Syntax);

        var elements = (args.Length - longIdx) / 3;
        var zadd = new byte[longIdx + elements * 2][];
        zadd[0] = "zadd"u8.ToArray();
        Array.Copy(args, 1, zadd, 1, longIdx - 1);
        for (var i = 0; i < elements; i++)
        {
            var (lon, lat) = ParseLonLat(args, longIdx + i * 3);
            zadd[longIdx + i * 2] = Numbers.ToBytes((long)GeoHash.Score(lon, lat));
            zadd[longIdx + i * 2 + 1] = args[longIdx + i * 3 + 2];
        }
        return SortedSets.ZAdd(ctx, zadd);
    }

    /// <summary>GEOPOS key [member ...]: [lon, lat] per member, a nil array for one that is missing.</summary>
    public static Reply GeoPos(CommandContext ctx, byte[][] args)
    {
        var z = ctx.Lookup(args[1], RedisType.ZSet)?.SortedSet;
        var items = new Reply[args.Length - 2];
        for (var j = 2; j < args.Length; j++)
            items[j - 2] = z is not null && TryPosition(z, args[j], out var p) ? Position(p) : Reply.NilArray;
        return Reply.Array(items);
    }

    /// <summary>GEOHASH key [member ...]: the standard 11-character geohash per member, nil for one that is missing.</summary>
    public static Reply GeoHashCommand(CommandContext ctx, byte[][] args)
    {
        var z = ctx.Lookup(args[1], RedisType.ZSet)?.SortedSet;
        var items = new Reply[args.Length - 2];
        for (var j = 2; j < args.Length; j++)
            items[j - 2] = z is not null && z.TryGetScore(args[j], out var score) ? Reply.Bulk(GeoHash.StandardHash(score)) : Reply.Nil;
        return Reply.Array(items);
    }

    /// <summary>GEODIST key member1 member2 [M|KM|FT|MI]: nil when either member is missing.</summary>
    public static Reply GeoDist(CommandContext ctx, byte[][] args)
    {
        double toMeters = 1;
        if (args.Length == 5) toMeters = ParseUnit(args[4]);
        else if (args.Length > 5) throw new RedisException(Errors.Syntax);
        var z = ctx.Lookup(args[1], RedisType.ZSet)?.SortedSet;
        if (z is null || !TryPosition(z, args[2], out var a) || !TryPosition(z, args[3], out var b)) return Reply.Nil;
        return DistanceReply(GeoHash.Distance(a.Lon, a.Lat, b.Lon, b.Lat) / toMeters);
    }

    // ------------------------------------------------------------------ searches

    [Flags]
    enum SearchKind
    {
        Coords = 1,          // GEORADIUS[_RO]: around lon lat
        Member = 2,          // GEORADIUSBYMEMBER[_RO]: around a member
        NoStore = 4,         // the _RO forms: no STORE / STOREDIST
        GeoSearch = 8,       // GEOSEARCH's FROM... / BY... arguments
        GeoSearchStore = 16, // GEOSEARCHSTORE: destination first, STOREDIST as a flag
    }

    public static Reply GeoRadius(CommandContext ctx, byte[][] args) => Search(ctx, args, 1, SearchKind.Coords);
    public static Reply GeoRadiusByMember(CommandContext ctx, byte[][] args) => Search(ctx, args, 1, SearchKind.Member);
    public static Reply GeoRadiusRo(CommandContext ctx, byte[][] args) => Search(ctx, args, 1, SearchKind.Coords | SearchKind.NoStore);
    public static Reply GeoRadiusByMemberRo(CommandContext ctx, byte[][] args) => Search(ctx, args, 1, SearchKind.Member | SearchKind.NoStore);
    public static Reply GeoSearch(CommandContext ctx, byte[][] args) => Search(ctx, args, 1, SearchKind.GeoSearch);
    public static Reply GeoSearchStore(CommandContext ctx, byte[][] args) => Search(ctx, args, 2, SearchKind.GeoSearch | SearchKind.GeoSearchStore);

    /// <summary>
    /// The keys of GEORADIUS (options from argument 6) and GEORADIUSBYMEMBER (from 5) as Redis
    /// 7.0's key specs find them: the source, then the key after the first STORE and the key after
    /// the first STOREDIST (the command writes to the last of them given; each may be locked).
    /// </summary>
    public static Func<byte[][], IReadOnlyList<int>> StoreKeys(int optionsFrom) => args =>
    {
        var keys = new List<int>(3) { 1 };
        foreach (var keyword in new[] { "store", "storedist" })
            for (var i = optionsFrom; i < args.Length - 1; i++)
                if (Is(args[i], keyword))
                {
                    keys.Add(i + 1);
                    break;
                }
        return keys;
    };

    /// <summary>One match: where it is, how far from the centre (meters), its score and name.</summary>
    sealed record Point(double Lon, double Lat, double Distance, double Score, byte[] Member);

    enum Sort { None, Asc, Desc }

    /// <summary>georadiusGeneric: the argument rules, errors and replies of all six search commands.</summary>
    static Reply Search(CommandContext ctx, byte[][] args, int sourceIndex, SearchKind kind)
    {
        byte[]? storeKey = null;
        var storeDist = false;
        var z = ctx.Lookup(args[sourceIndex], RedisType.ZSet)?.SortedSet;
        var shape = new GeoHash.Shape();
        int baseArgs;
        if (kind.HasFlag(SearchKind.Coords))
        {
            baseArgs = 6;
            (shape.Lon, shape.Lat) = ParseLonLat(args, 2);
            (shape.Radius, shape.Conversion) = ParseRadius(args, 4);
        }
        else if (kind.HasFlag(SearchKind.Member))
        {
            // Without the key, the member and radius are not even read: the reply is empty anyway.
            baseArgs = 5;
            if (z is not null)
            {
                if (!TryPosition(z, args[2], out var center)) throw new RedisException(MemberNotFound);
                (shape.Lon, shape.Lat) = center;
                (shape.Radius, shape.Conversion) = ParseRadius(args, 3);
            }
        }
        else
        {
            baseArgs = 2;
            if (kind.HasFlag(SearchKind.GeoSearchStore))
            {
                baseArgs = 3;
                storeKey = args[1];
            }
        }

        bool withDist = false, withHash = false, withCoords = false, any = false;
        bool fromMember = false, fromLonLat = false, byRadius = false, byBox = false;
        var sort = Sort.None;
        long count = 0;
        var geoSearch = kind.HasFlag(SearchKind.GeoSearch);
        var radiusStore = !kind.HasFlag(SearchKind.NoStore) && !geoSearch;
        var remaining = args.Length - baseArgs;
        for (var i = 0; i < remaining; i++)
        {
            var arg = args[baseArgs + i];
            if (Is(arg, "withdist")) withDist = true;
            else if (Is(arg, "withhash")) withHash = true;
            else if (Is(arg, "withcoord")) withCoords = true;
            else if (Is(arg, "any")) any = true;
            else if (Is(arg, "asc")) sort = Sort.Asc;
            else if (Is(arg, "desc")) sort = Sort.Desc;
            else if (Is(arg, "count") && i + 1 < remaining)
            {
                count = Numbers.ParseLong(args[baseArgs + i + 1]);
                if (count <= 0) throw new RedisException(CountNotPositive);
                i++;
            }
            else if (Is(arg, "store") && i + 1 < remaining && radiusStore)
            {
                storeKey = args[baseArgs + ++i];
                storeDist = false;
            }
            else if (Is(arg, "storedist") && i + 1 < remaining && radiusStore)
            {
                storeKey = args[baseArgs + ++i];
                storeDist = true;
            }
            else if (Is(arg, "storedist") && geoSearch && kind.HasFlag(SearchKind.GeoSearchStore)) storeDist = true;
            else if (Is(arg, "frommember") && i + 1 < remaining && geoSearch && !fromLonLat)
            {
                // No source key: keep parsing, the reply is empty anyway.
                if (z is not null)
                {
                    if (!TryPosition(z, args[baseArgs + i + 1], out var center)) throw new RedisException(MemberNotFound);
                    (shape.Lon, shape.Lat) = center;
                }
                fromMember = true;
                i++;
            }
            else if (Is(arg, "fromlonlat") && i + 2 < remaining && geoSearch && !fromMember)
            {
                (shape.Lon, shape.Lat) = ParseLonLat(args, baseArgs + i + 1);
                fromLonLat = true;
                i += 2;
            }
            else if (Is(arg, "byradius") && i + 2 < remaining && geoSearch && !byBox)
            {
                (shape.Radius, shape.Conversion) = ParseRadius(args, baseArgs + i + 1);
                shape.IsBox = false;
                byRadius = true;
                i += 2;
            }
            else if (Is(arg, "bybox") && i + 3 < remaining && geoSearch && !byRadius)
            {
                (shape.Width, shape.Height, shape.Conversion) = ParseBox(args, baseArgs + i + 1);
                shape.IsBox = true;
                byBox = true;
                i += 3;
            }
            else throw new RedisException(Errors.Syntax);
        }

        var commandName = CName(args[0]);
        if (storeKey is not null && (withDist || withHash || withCoords))
            throw new RedisException($"ERR {(kind.HasFlag(SearchKind.GeoSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS")} is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
        if (geoSearch && !(fromMember || fromLonLat))
            throw new RedisException($"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {commandName}");
        if (geoSearch && !(byRadius || byBox))
            throw new RedisException($"ERR exactly one of BYRADIUS and BYBOX can be specified for {commandName}");
        if (any && count == 0) throw new RedisException(AnyNeedsCount);

        if (z is null)
        {
            if (storeKey is null) return Reply.EmptyArray;
            if (ctx.Delete(storeKey)) ctx.Notify('g', "del", storeKey);
            return Reply.Zero;
        }

        // COUNT without an order means the nearest ones (not with ANY: the first found).
        if (count != 0 && sort == Sort.None && !any) sort = Sort.Asc;

        var found = MembersOfAllNeighbors(z, GeoHash.AreasCovering(shape), shape, any ? count : 0);
        if (found.Count == 0 && storeKey is null) return Reply.EmptyArray;

        var points = found.ToArray();
        var returned = count == 0 || points.Length < count ? points.Length : (int)count;
        if (sort != Sort.None)
        {
            Comparison<Point> compare = sort == Sort.Asc ? CompareAscending : (a, b) => -CompareAscending(a, b);
            if (returned == points.Length) MergeSort(points, compare);
            else PartialQuickSort(points, compare, 0, returned - 1);
        }

        if (storeKey is null)
        {
            var items = new Reply[returned];
            for (var i = 0; i < returned; i++)
            {
                var p = points[i];
                if (!withDist && !withHash && !withCoords)
                {
                    items[i] = Reply.Bulk(p.Member);
                    continue;
                }
                var item = new List<Reply>(4) { Reply.Bulk(p.Member) };
                if (withDist) item.Add(DistanceReply(p.Distance / shape.Conversion));
                if (withHash) item.Add(Reply.Integer((long)p.Score));
                if (withCoords) item.Add(Position((p.Lon, p.Lat)));
                items[i] = Reply.Array(item);
            }
            return Reply.Array(items);
        }

        if (returned == 0)
        {
            if (ctx.Delete(storeKey)) ctx.Notify('g', "del", storeKey);
            return Reply.Zero;
        }
        var result = new SortedSetValue();
        for (var i = 0; i < returned; i++)
            result.Set(points[i].Member, storeDist ? points[i].Distance / shape.Conversion : points[i].Score);
        ctx.Replace(storeKey, new KeyState { SortedSet = result });
        ctx.Notify('z', geoSearch ? "geosearchstore" : "georadiusstore", storeKey);
        return Reply.Integer(returned);
    }

    /// <summary>The command name as sent, up to a NUL as C prints it (the FROM/BY errors name it).</summary>
    static string CName(byte[] arg)
    {
        var nul = Array.IndexOf(arg, (byte)0);
        return Encoding.UTF8.GetString(arg, 0, nul < 0 ? arg.Length : nul);
    }

    /// <summary>extractDistanceOrReply: a non-negative radius, then its unit.</summary>
    static (double Radius, double Conversion) ParseRadius(byte[][] args, int at)
    {
        var radius = Numbers.ParseDouble(args[at], "ERR need numeric radius");
        if (radius < 0) throw new RedisException(NegativeRadius);
        return (radius, ParseUnit(args[at + 1]));
    }

    /// <summary>extractBoxOrReply: width, height (neither negative), then the unit.</summary>
    static (double Width, double Height, double Conversion) ParseBox(byte[][] args, int at)
    {
        var width = Numbers.ParseDouble(args[at], "ERR need numeric width");
        var height = Numbers.ParseDouble(args[at + 1], "ERR need numeric height");
        if (height < 0 || width < 0) throw new RedisException(NegativeBox);
        return (width, height, ParseUnit(args[at + 2]));
    }

    /// <summary>
    /// membersOfAllNeighbors: each non-zero cell in order, skipping one equal to the last cell
    /// searched (huge radii make neighbours coincide; Redis compares only with the last one, and
    /// never with the centre cell), stopping once <paramref name="limit"/> matches are found (ANY).
    /// </summary>
    static List<Point> MembersOfAllNeighbors(SortedSetValue z, GeoHash.Bits[] cells, GeoHash.Shape shape, long limit)
    {
        var found = new List<Point>();
        var lastProcessed = 0;
        for (var i = 0; i < cells.Length; i++)
        {
            if (cells[i].IsZero) continue;
            if (lastProcessed != 0 && cells[i] == cells[lastProcessed]) continue;
            if (found.Count > 0 && limit > 0 && found.Count >= limit) break;
            MembersOfCell(z, cells[i], shape, found, limit);
            lastProcessed = i;
        }
        return found;
    }

    readonly struct ScoreBelow(double min) : IBefore
    {
        public bool Before(Node n) => n.Score < min;
    }

    /// <summary>geoGetPointsInRange over a cell's scores [min, max): the members inside the shape, in score order.</summary>
    static void MembersOfCell(SortedSetValue z, GeoHash.Bits cell, GeoHash.Shape shape, List<Point> found, long limit)
    {
        double min = GeoHash.Align52(cell);
        double max = GeoHash.Align52(cell with { Value = cell.Value + 1 });
        z.List.CountBefore(new ScoreBelow(min), out var last);
        for (var n = last is null ? z.List.First : last.Next; n is not null && n.Score < max; n = n.Next)
        {
            var (lon, lat) = GeoHash.DecodeScore(n.Score);
            if (shape.Contains(lon, lat, out var distance)) found.Add(new Point(lon, lat, distance, n.Score, n.Member));
            if (found.Count > 0 && limit > 0 && found.Count >= limit) break;
        }
    }

    /// <summary>sort_gp_asc: by distance; equal (or unordered) distances compare as Redis's comparator says.</summary>
    static int CompareAscending(Point a, Point b) => a.Distance > b.Distance ? 1 : a.Distance == b.Distance ? 0 : -1;

    // ------------------------------------------------------------------ Redis's sorts

    /// <summary>
    /// glibc's qsort (msort.c), which redis-server's qsort calls: a top-down stable merge sort,
    /// taking from the left run on ties. Reproduced so equal distances keep the order found.
    /// </summary>
    static void MergeSort(Point[] a, Comparison<Point> compare)
    {
        var tmp = new Point[a.Length];
        Sort(0, a.Length);

        void Sort(int start, int n)
        {
            if (n <= 1) return;
            var n1 = n / 2;
            var n2 = n - n1;
            Sort(start, n1);
            Sort(start + n1, n2);
            int i = start, j = start + n1, k = 0;
            while (n1 > 0 && n2 > 0)
            {
                if (compare(a[i], a[j]) <= 0) { tmp[k++] = a[i++]; n1--; }
                else { tmp[k++] = a[j++]; n2--; }
            }
            while (n1-- > 0) tmp[k++] = a[i++];
            Array.Copy(tmp, 0, a, start, k); // what is left of the right run is in place already
        }
    }

    /// <summary>
    /// Redis's pqsort.c (Bentley and McIlroy's quicksort, sorting only what can land in
    /// [<paramref name="left"/>, <paramref name="right"/>]), step for step: it is not stable,
    /// and which of several equally distant points COUNT returns depends on its exact swaps.
    /// </summary>
    static void PartialQuickSort(Point[] arr, Comparison<Point> cmp, int left, int right)
    {
        void Swap(int x, int y) => (arr[x], arr[y]) = (arr[y], arr[x]);
        void VecSwap(int x, int y, int n)
        {
            for (var i = 0; i < n; i++) Swap(x + i, y + i);
        }
        int Med3(int x, int y, int z) =>
            cmp(arr[x], arr[y]) < 0
                ? (cmp(arr[y], arr[z]) < 0 ? y : cmp(arr[x], arr[z]) < 0 ? z : x)
                : (cmp(arr[y], arr[z]) > 0 ? y : cmp(arr[x], arr[z]) < 0 ? x : z);
        // Whether the sub-array [start, start + n) holds any position in [left, right].
        bool Overlaps(int start, int n) => !(right < start || left >= start + n);

        void Sort(int a, int n)
        {
            while (true)
            {
                if (n < 7)
                {
                    for (var pm = a + 1; pm < a + n; pm++)
                        for (var pl = pm; pl > a && cmp(arr[pl - 1], arr[pl]) > 0; pl--) Swap(pl, pl - 1);
                    return;
                }
                var mid = a + n / 2;
                if (n > 7)
                {
                    var pl = a;
                    var pn = a + n - 1;
                    if (n > 40)
                    {
                        var d = n / 8;
                        pl = Med3(pl, pl + d, pl + 2 * d);
                        mid = Med3(mid - d, mid, mid + d);
                        pn = Med3(pn - 2 * d, pn - d, pn);
                    }
                    mid = Med3(pl, mid, pn);
                }
                Swap(a, mid);
                int pa = a + 1, pb = a + 1;
                int pc = a + n - 1, pd = a + n - 1;
                while (true)
                {
                    int r;
                    while (pb <= pc && (r = cmp(arr[pb], arr[a])) <= 0)
                    {
                        if (r == 0) Swap(pa++, pb);
                        pb++;
                    }
                    while (pb <= pc && (r = cmp(arr[pc], arr[a])) >= 0)
                    {
                        if (r == 0) Swap(pc, pd--);
                        pc--;
                    }
                    if (pb > pc) break;
                    Swap(pb++, pc--);
                }
                var end = a + n;
                var s = Math.Min(pa - a, pb - pa);
                VecSwap(a, pb - s, s);
                s = Math.Min(pd - pc, end - pd - 1);
                VecSwap(pb, end - s, s);
                if ((s = pb - pa) > 1 && Overlaps(a, s)) Sort(a, s);
                if ((s = pd - pc) > 1)
                {
                    a = end - s;
                    n = s;
                    if (Overlaps(a, n)) continue;
                }
                return;
            }
        }

        Sort(0, arr.Length);
    }
}
