using System.Globalization;
using System.Text;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.Differential;

/// <summary>
/// The geo commands against redis-server 7.0: scores, positions, hashes and distances to the
/// last printed digit; every search option and error of GEORADIUS, GEORADIUSBYMEMBER, their _RO
/// forms, GEOSEARCH and GEOSEARCHSTORE; the order of equally distant members (stable sort, and
/// Redis's partial quicksort under COUNT); and seeded random searches over random points.
/// </summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class GeoDifferentialTests(RedisServer redis)
{
    readonly Oracle.Differential diff = new(redis);

    [Fact]
    public void Command_getkeys_finds_the_store_key_and_acl_category_geo_lists_every_command()
    {
        diff.Run(
            "COMMAND GETKEYS GEORADIUS k 1 1 1 km STORE d", "COMMAND GETKEYS GEORADIUS k 1 1 1 km STOREDIST d STORE e",
            "COMMAND GETKEYS GEORADIUS k 1 1 1 km STORE d STORE e STOREDIST f STOREDIST g", "COMMAND GETKEYS GEORADIUSBYMEMBER k m 1 km STORE STORE",
            "COMMAND GETKEYS GEORADIUS k 1 1 1 km", "COMMAND GETKEYS GEORADIUSBYMEMBER k m 1 km storedist d",
            "COMMAND GETKEYS GEORADIUS k 1 1 1 km STORE", "COMMAND GETKEYS GEORADIUS_RO k 1 1 1 km STORE d",
            "COMMAND GETKEYS GEOSEARCHSTORE d s FROMLONLAT 1 1 BYRADIUS 1 km", "COMMAND GETKEYS GEOADD k 1 1 m");
        // COMMAND LIST comes in dictionary order: compared as sets.
        var list = Oracle.Differential.Parse("COMMAND LIST FILTERBY ACLCAT geo");
        Assert.Equal(Names(redis.Client.Call(list)), Names(diff.OnEngine(list)));
    }

    static IEnumerable<string> Names(Protocol.Reply list) =>
        Assert.IsType<Protocol.ArrayReply>(list).Items!.Select(r => r.ToString()).Order(StringComparer.Ordinal);


    const string Sicily = "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2";

    static string F(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void Geoadd_scores_and_options() => diff.Run(
        Sicily, "ZRANGE Sicily 0 -1 WITHSCORES", "TYPE Sicily",
        "GEOADD Sicily 13.361389 38.115556 Palermo", "GEOADD Sicily CH 13.361389 38.115556 Palermo 1 1 Palermo",
        "GEOADD Sicily NX 2 2 Palermo 3 3 New", "GEOADD Sicily XX CH 4 4 Palermo 5 5 Other", "GEOADD Sicily XX NX 1 1 a",
        "GEOADD Sicily ch nx ch 6 6 Third", "ZRANGE Sicily 0 -1 WITHSCORES",
        "GEOADD g -180 -85.05112878 min 180 85.05112878 max 0 0 zero -0 -0 negzero 179.99999999 -85.0511287 near",
        "ZRANGE g 0 -1 WITHSCORES",
        "GEOADD g 180.0000001 0 x", "GEOADD g -180.1 0 x", "GEOADD g 0 85.05112879 x", "GEOADD g 0 -90 x", "GEOADD g 1e300 -1e300 x",
        "GEOADD g inf 0 x", "GEOADD g 0 -inf x", "GEOADD g 1.23456789 91 x", "GEOADD g nan 0 x", "GEOADD g abc 0 x", "GEOADD g 0 abc x",
        "GEOADD g 1 1 a 2 2", "GEOADD g 1 1 a 2", "GEOADD g GT 1 1 a", "GEOADD g 1 1 a 500 1 b", "ZCARD g",
        "GEOADD g CH CH CH", "GEOADD g NX NX NX", "GEOADD", "GEOADD g 1 1",
        "HSET h f v", "GEOADD h 1 1 a", "GEOADD h 1000 1 a", "GEOADD h NX XX 1 1 a");

    [Fact]
    public void Geopos_geohash_geodist() => diff.Run(
        Sicily, "GEOPOS Sicily Palermo Catania NonExisting edge1", "GEOHASH Sicily Palermo Catania NonExisting edge2",
        "GEODIST Sicily Palermo Catania", "GEODIST Sicily Palermo Catania m", "GEODIST Sicily Palermo Catania KM",
        "GEODIST Sicily Palermo Catania mi", "GEODIST Sicily Palermo Catania Ft", "GEODIST Sicily Palermo Palermo",
        "GEODIST Sicily Palermo Nope", "GEODIST Sicily Nope Palermo km", "GEODIST Sicily Palermo Catania parsec",
        "GEODIST Sicily Palermo Catania km extra", "GEODIST nosuch a b", "GEODIST nosuch a b parsec",
        "GEOPOS nosuch a b", "GEOHASH nosuch a", "GEOPOS Sicily", "GEOHASH Sicily",
        "GEOADD w -180 -85.05112878 sw 180 85.05112878 ne 0 0 origin 179.999 0.001 east -179.999 -0.001 west 0.5 -0.5 a",
        "GEOPOS w sw ne origin east west a", "GEOHASH w sw ne origin east west a",
        "GEODIST w east west", "GEODIST w sw ne", "GEODIST w origin a ft", "GEODIST w sw sw",
        // Scores GEOADD never makes decode as Redis's (uint64_t) cast does.
        "ZADD odd -1 neg 0 zero 1.5 frac 4503599627370496 big 4503599627370497 bigger 1e19 huge 1e30 vast -1e30 nvast inf pinf -inf ninf",
        "GEOPOS odd neg zero frac big bigger huge vast nvast pinf ninf", "GEOHASH odd neg zero frac big bigger huge vast nvast pinf ninf",
        "GEODIST odd neg big", "GEODIST odd zero pinf km",
        "HSET h f v", "GEOPOS h a", "GEOHASH h a", "GEODIST h a b", "GEODIST h a b parsec", "SET s v", "GEOPOS s a");

    [Fact]
    public void Georadius_options_replies_and_errors() => diff.Run(
        Sicily,
        "GEORADIUS Sicily 15 37 200 km", "GEORADIUS Sicily 15 37 200 km WITHDIST", "GEORADIUS Sicily 15 37 200 km WITHCOORD",
        "GEORADIUS Sicily 15 37 200 km WITHHASH", "GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH",
        "GEORADIUS Sicily 15 37 200 km withcoord withhash withdist ASC", "GEORADIUS Sicily 15 37 200 km DESC WITHDIST",
        "GEORADIUS Sicily 15 37 400 km COUNT 1", "GEORADIUS Sicily 15 37 400 km COUNT 2 DESC", "GEORADIUS Sicily 15 37 400 km COUNT 3 ANY",
        "GEORADIUS Sicily 15 37 400 km COUNT 1 ANY ASC", "GEORADIUS Sicily 15 37 400 km COUNT 100", "GEORADIUS Sicily 15 37 400 km ANY",
        "GEORADIUS Sicily 15 37 400 km COUNT 0", "GEORADIUS Sicily 15 37 400 km COUNT -1", "GEORADIUS Sicily 15 37 400 km COUNT x",
        "GEORADIUS Sicily 15 37 400 km COUNT", "GEORADIUS Sicily 15 37 400 km FOO", "GEORADIUS Sicily 15 37 400 parsec",
        "GEORADIUS Sicily 15 37 -1 km", "GEORADIUS Sicily 15 37 x km", "GEORADIUS Sicily 200 37 1 km", "GEORADIUS Sicily x 37 1 km",
        "GEORADIUS Sicily 15 37 0 km", "GEORADIUS Sicily 13.361389 38.115556 0 m WITHDIST", "GEORADIUS Sicily 15 37 1 m",
        "GEORADIUS Sicily 15 37 200 mi WITHDIST", "GEORADIUS Sicily 15 37 200000 ft WITHDIST", "GEORADIUS Sicily 15 37 200000 M WITHDIST",
        "GEORADIUS Sicily 15 37 200 km STORE out", "ZRANGE out 0 -1 WITHSCORES", "TYPE out",
        "GEORADIUS Sicily 15 37 200 km STOREDIST out", "ZRANGE out 0 -1 WITHSCORES",
        "GEORADIUS Sicily 15 37 400 km COUNT 2 DESC STOREDIST out", "ZRANGE out 0 -1 WITHSCORES",
        "GEORADIUS Sicily 15 37 1 m STORE out", "EXISTS out", "GEORADIUS Sicily 15 37 1 m STORE out", "GEORADIUS Sicily 15 37 200 km STORE",
        "GEORADIUS Sicily 15 37 200 km STORE out WITHDIST", "GEORADIUS Sicily 15 37 200 km WITHHASH STOREDIST out",
        "GEORADIUS Sicily 15 37 200 km STORE a STOREDIST b", "ZRANGE a 0 -1", "ZRANGE b 0 -1 WITHSCORES",
        "SET dest v EX 100", "GEORADIUS Sicily 15 37 200 km STORE dest", "TYPE dest", "PTTL dest",
        "GEORADIUS nosuch 15 37 200 km", "GEORADIUS nosuch 15 37 200 km STORE dest", "EXISTS dest", "GEORADIUS nosuch 15 37 200 km STORE dest",
        "GEORADIUS nosuch 200 37 200 km", "GEORADIUS nosuch 15 37 200 parsec", "GEORADIUS nosuch 15 37 200 km ANY",
        "GEORADIUS_RO Sicily 15 37 200 km WITHDIST", "GEORADIUS_RO Sicily 15 37 200 km STORE out", "GEORADIUS_RO Sicily 15 37 200 km STOREDIST out",
        "HSET h f v", "GEORADIUS h 15 37 200 km", "GEORADIUS h 200 37 200 km", "GEORADIUS Sicily 15 37 200 km STORE h", "TYPE h",
        "GEORADIUS Sicily 15 37", "GEORADIUS Sicily 15 37 200");

    [Fact]
    public void Georadiusbymember_options_replies_and_errors() => diff.Run(
        Sicily,
        "GEORADIUSBYMEMBER Sicily Palermo 200 km", "GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST WITHCOORD WITHHASH DESC",
        "GEORADIUSBYMEMBER Sicily Palermo 0 km WITHDIST", "GEORADIUSBYMEMBER Sicily Palermo 1000 km COUNT 2",
        "GEORADIUSBYMEMBER Sicily Palermo 1000 km STORE out", "ZRANGE out 0 -1 WITHSCORES",
        "GEORADIUSBYMEMBER Sicily Nope 200 km", "GEORADIUSBYMEMBER Sicily Nope x parsec", "GEORADIUSBYMEMBER Sicily Palermo x km",
        "GEORADIUSBYMEMBER Sicily Palermo 1 parsec", "GEORADIUSBYMEMBER Sicily Palermo -1 km",
        "GEORADIUSBYMEMBER nosuch Palermo 200 km", "GEORADIUSBYMEMBER nosuch Palermo x parsec", "GEORADIUSBYMEMBER nosuch m 1 km FOO",
        "GEORADIUSBYMEMBER nosuch m 1 km STORE out", "EXISTS out", "GEORADIUSBYMEMBER nosuch m 1 km ANY",
        "GEORADIUSBYMEMBER nosuch m 1 km WITHDIST STORE out",
        "GEORADIUSBYMEMBER_RO Sicily Palermo 200 km WITHCOORD", "GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STORE out",
        "HSET h f v", "GEORADIUSBYMEMBER h Palermo 200 km", "GEORADIUSBYMEMBER Sicily", "GEORADIUSBYMEMBER Sicily Palermo 1");

    [Fact]
    public void Geosearch_and_geosearchstore() => diff.Run(
        Sicily,
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC", "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km WITHDIST",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km DESC COUNT 2", "GEOSEARCH Sicily FROMMEMBER Catania BYBOX 1 1 m WITHDIST",
        "GEOSEARCH Sicily BYRADIUS 200 km FROMLONLAT 15 37", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 0 0 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 600 10 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 10 600 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY",
        "GEOSEARCH Sicily FROMLONLAT 15 37", "GEOSEARCH Sicily BYRADIUS 200 km", "geosearch Sicily BYRADIUS 200 km ASC",
        "GeoSearch Sicily FROMLONLAT 15 37 ASC", "GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 km BYRADIUS 1 km", "GEOSEARCH Sicily FROMMEMBER Nope BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 parsec", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE x",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST", "GEOSEARCH Sicily FROMLONLAT 15 95 BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS", "GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 1 km",
        "GEOSEARCH nosuch FROMMEMBER m BYRADIUS 1 km", "GEOSEARCH nosuch FROMMEMBER m BYRADIUS x km", "GEOSEARCH nosuch FROMMEMBER m",
        "GEOSEARCHSTORE out Sicily FROMLONLAT 15 37 BYRADIUS 200 km", "ZRANGE out 0 -1 WITHSCORES",
        "GEOSEARCHSTORE out Sicily FROMLONLAT 15 37 BYBOX 400 400 km STOREDIST", "ZRANGE out 0 -1 WITHSCORES",
        "GEOSEARCHSTORE out Sicily FROMLONLAT 15 37 BYBOX 400 400 km COUNT 1 DESC STOREDIST", "ZRANGE out 0 -1 WITHSCORES",
        "GEOSEARCHSTORE out Sicily FROMLONLAT 15 37 BYBOX 400 400 km WITHDIST", "GEOSEARCHSTORE out Sicily FROMLONLAT 15 37 BYBOX 400 400 km STORE x",
        "GEOSEARCHSTORE out Sicily FROMLONLAT 0 0 BYRADIUS 1 km", "EXISTS out", "GEOSEARCHSTORE out nosuch FROMLONLAT 0 0 BYRADIUS 1 km",
        "GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 100 km", "ZRANGE Sicily 0 -1 WITHSCORES",
        "HSET h f v", "GEOSEARCH h FROMLONLAT 15 37 BYRADIUS 1 km", "GEOSEARCHSTORE out h FROMLONLAT 15 37 BYRADIUS 1 km",
        "GEOSEARCH Sicily FROMLONLAT", "GEOSEARCHSTORE out Sicily FROMLONLAT 15 37");

    [Fact]
    public void Equal_distances_come_out_in_redis_order()
    {
        // Fifty members on one point and others on a few more: ties everywhere, sorted whole
        // (glibc's merge sort) or partly under COUNT (Redis's pqsort).
        var commands = new List<string> { "GEOADD same " + string.Join(' ', Enumerable.Range(0, 50).Select(i => $"13.5 38.5 m{i:D2}")) };
        commands.Add("GEOADD same " + string.Join(' ', Enumerable.Range(0, 30).Select(i => $"{F(13.5 + (i % 3) * 0.01)} {F(38.5 - (i % 5) * 0.01)} n{i:D2}")));
        foreach (var order in new[] { "", "ASC", "DESC" })
        {
            commands.Add($"GEORADIUS same 13.5 38.5 100 km {order}");
            commands.Add($"GEORADIUS same 13.52 38.48 100 km {order} WITHDIST");
            foreach (var count in new[] { 1, 3, 7, 8, 40, 41, 60, 79, 80, 81 })
            {
                commands.Add($"GEORADIUS same 13.5 38.5 100 km COUNT {count} {order}");
                commands.Add($"GEOSEARCH same FROMLONLAT 13.51 38.49 BYBOX 50 50 km COUNT {count} {order} WITHDIST");
                commands.Add($"GEORADIUSBYMEMBER same n07 100 km COUNT {count} {order}");
            }
        }
        // Sets of every size around the partial quicksort's thresholds (insertion sort below 7,
        // a median of three from 8, a ninther above 40), half of them tied.
        foreach (var n in new[] { 6, 7, 8, 9, 40, 41, 42, 43, 120 })
        {
            commands.Add($"GEOADD s{n} " + string.Join(' ', Enumerable.Range(0, n).Select(i =>
                i % 2 == 0 ? $"20 40 t{i:D3}" : $"{F(20 + (i % 7) * 0.001)} {F(40 + (i % 4) * 0.001)} t{i:D3}")));
            foreach (var count in new[] { 1, 2, n / 3, n / 2, n - 1 })
            {
                commands.Add($"GEORADIUS s{n} 20 40 100 km COUNT {count}");
                commands.Add($"GEORADIUS s{n} 20.003 40.001 100 km COUNT {count} DESC");
            }
        }
        diff.Run(commands.ToArray());
    }

    [Fact]
    public void Searches_near_the_poles_the_antimeridian_and_with_huge_radii() => diff.Run(
        "GEOADD w -179.9 0 w1 179.9 0 e1 -179.99 85 nw 179.99 85 ne 0 85.05 pole 0 -85.05 spole 90 0 mid -90 -45 far 0.1 84.9 p2",
        "GEORADIUS w 180 0 50 km WITHDIST", "GEORADIUS w -180 0 50 km WITHDIST ASC", "GEORADIUS w 0 85 500 km WITHDIST ASC",
        "GEORADIUS w 180 85 200 km WITHDIST ASC", "GEORADIUS w 0 -85 100 km", "GEORADIUS w 0 0 5000 km ASC",
        "GEORADIUS w 0 0 10000 km WITHDIST ASC", "GEORADIUS w 0 0 20000 km WITHDIST ASC", "GEORADIUS w 0 0 40000 km ASC COUNT 3",
        "GEORADIUS w 45 45 15000 km WITHDIST DESC", "GEORADIUS w 0 0 1e9 km ASC", "GEORADIUS w 0 0 inf km",
        "GEOSEARCH w FROMLONLAT 179.95 0 BYBOX 100 100 km WITHDIST ASC", "GEOSEARCH w FROMLONLAT 0 84.9 BYBOX 2000 50 km WITHDIST ASC",
        "GEOSEARCH w FROMLONLAT 0 -84 BYBOX 40000 40000 km ASC", "GEOSEARCH w FROMMEMBER pole BYRADIUS 300 km WITHDIST ASC",
        "GEODIST w w1 e1", "GEODIST w mid far km", "GEODIST w pole spole km", "GEODIST w nw ne");

    [Fact]
    public void Random_points_and_searches_match_redis()
    {
        var random = new Random(4242);
        byte[] B(string s) => Encoding.ASCII.GetBytes(s);
        string Lon() => F(Math.Round(random.NextDouble() * 360 - 180, random.Next(1, 9)));
        string Lat() => F(Math.Round(random.NextDouble() * 170 - 85, random.Next(1, 9)));
        string Near(double center, double spread, double min, double max) =>
            F(Math.Clamp(Math.Round(center + (random.NextDouble() - 0.5) * spread, 6), min, max));
        string Unit() => new[] { "m", "km", "mi", "ft" }[random.Next(4)];
        string Radius() => random.Next(4) switch
        {
            0 => random.Next(0, 1000).ToString(CultureInfo.InvariantCulture),
            1 => random.Next(0, 5_000_000).ToString(CultureInfo.InvariantCulture),
            2 => F(Math.Round(random.NextDouble() * 3000, 3)),
            _ => random.Next(0, 30).ToString(CultureInfo.InvariantCulture),
        };
        string[] Options()
        {
            var o = new List<string>();
            if (random.Next(2) == 0) o.Add("WITHDIST");
            if (random.Next(3) == 0) o.Add("WITHCOORD");
            if (random.Next(4) == 0) o.Add("WITHHASH");
            if (random.Next(2) == 0) o.Add(random.Next(2) == 0 ? "ASC" : "DESC");
            if (random.Next(3) == 0)
            {
                o.AddRange(["COUNT", random.Next(1, 30).ToString(CultureInfo.InvariantCulture)]);
                if (random.Next(3) == 0) o.Add("ANY");
            }
            return o.OrderBy(_ => random.Next()).ToArray();
        }

        for (var round = 0; round < 10; round++)
        {
            diff.Reset();
            var context = $"random round {round}";
            // Clusters around a few centres (dense cells), one of them at the antimeridian or a
            // pole (where the cells do not wrap and Redis misses members), plus points anywhere.
            var centers = Enumerable.Range(0, 4).Select(_ => (Lon: random.NextDouble() * 340 - 170, Lat: random.NextDouble() * 160 - 80))
                .Append(new (double Lon, double Lat)[] { (179.8, 1.0), (-179.9, -30.0), (10.0, 84.5), (-120.0, -84.8), (180.0, 85.0) }[round % 5]).ToArray();
            var members = new List<string>();
            for (var batch = 0; batch < 10; batch++)
            {
                var add = new List<string> { "GEOADD", "pts" };
                for (var i = 0; i < 40; i++)
                {
                    var name = $"p{round}_{batch}_{i}";
                    members.Add(name);
                    if (random.Next(3) == 0) add.AddRange([Lon(), Lat(), name]);
                    else
                    {
                        var c = centers[random.Next(centers.Length)];
                        add.AddRange([Near(c.Lon, random.Next(2) == 0 ? 0.01 : 2, -180, 180), Near(c.Lat, random.Next(2) == 0 ? 0.01 : 2, -85, 85), name]);
                    }
                }
                diff.Step(add.Select(B).ToArray(), context);
            }
            for (var q = 0; q < 120; q++)
            {
                var c = centers[random.Next(centers.Length)];
                var (lon, lat) = random.Next(3) == 0 ? (Lon(), Lat()) : (Near(c.Lon, 1, -180, 180), Near(c.Lat, 1, -85, 85));
                var member = members[random.Next(members.Count)];
                string[] cmd = random.Next(6) switch
                {
                    0 => ["GEORADIUS", "pts", lon, lat, Radius(), Unit(), .. Options()],
                    1 => ["GEORADIUSBYMEMBER", "pts", member, Radius(), Unit(), .. Options()],
                    2 => ["GEOSEARCH", "pts", "FROMLONLAT", lon, lat, "BYRADIUS", Radius(), Unit(), .. Options()],
                    3 => ["GEOSEARCH", "pts", "FROMMEMBER", member, "BYBOX", Radius(), Radius(), Unit(), .. Options()],
                    4 => ["GEODIST", "pts", member, members[random.Next(members.Count)], Unit()],
                    _ => ["GEOSEARCHSTORE", "dst", "pts", "FROMLONLAT", lon, lat, "BYBOX", Radius(), Radius(), Unit(),
                        .. random.Next(2) == 0 ? new[] { "STOREDIST" } : [], .. random.Next(2) == 0 ? new[] { "COUNT", "5" } : []],
                };
                diff.Step(cmd.Select(B).ToArray(), context);
                if (cmd[0] == "GEOSEARCHSTORE") diff.Step([B("ZRANGE"), B("dst"), B("0"), B("-1"), B("WITHSCORES")], context);
            }
            diff.Step([B("GEOPOS"), B("pts"), .. members.Take(60).Select(B)], context);
            diff.Step([B("GEOHASH"), B("pts"), .. members.Take(60).Select(B)], context);
        }
    }
}
