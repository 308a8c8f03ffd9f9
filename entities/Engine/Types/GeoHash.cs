namespace Serverless.Store.Types;

/// <summary>
/// Redis's geohash (geohash.c, geohash_helper.c): 52-bit interleaved cells over longitude
/// [-180, 180] and latitude [-85.05112878, 85.05112878], the nine cells that cover a search
/// shape, and the haversine distance on a sphere of 6372797.560856 m. Every formula is Redis's,
/// operation for operation in doubles (glibc's sin/cos/asin/sqrt are what .NET calls on Linux
/// too): scores, the cells searched and the distances all reach users (GEOADD scores, GEODIST
/// and WITHDIST text, which members a radius includes), so they must match bit for bit.
/// </summary>
internal static class GeoHash
{
    public const int StepMax = 26;
    const double LatMin = -85.05112878;
    const double LatMax = 85.05112878;
    const double LonMin = -180;
    const double LonMax = 180;

    const double DegreesToRadians = Math.PI / 180.0; // geohash_helper.c's D_R
    const double EarthRadiusInMeters = 6372797.560856;
    const double MercatorMax = 20037726.37;

    internal readonly record struct Bits(ulong Value, int Step)
    {
        public bool IsZero => Value == 0 && Step == 0;
    }

    internal readonly record struct Range(double Min, double Max)
    {
        public bool IsZero => Max == 0 && Min == 0;
    }

    internal readonly record struct Area(Bits Hash, Range Longitude, Range Latitude);

    static readonly Range Longitudes = new(LonMin, LonMax);
    static readonly Range Latitudes = new(LatMin, LatMax);

    /// <summary>The ranges GEOHASH re-encodes into: the standard geohash's full latitude span.</summary>
    public static readonly Range StandardLatitudes = new(-90, 90);

    public static Range WorldLongitudes => Longitudes;

    public static bool ValidLongitudeLatitude(double lon, double lat) =>
        !(lon < LonMin || lon > LonMax || lat < LatMin || lat > LatMax);

    // ------------------------------------------------------------------ bits

    /// <summary>Interleaves x into the even bits and y into the odd bits (x, y below 2^32).</summary>
    static ulong Interleave64(uint xlo, uint ylo)
    {
        ulong x = xlo, y = ylo;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFUL;
        y = (y | (y << 16)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFUL;
        y = (y | (y << 8)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        y = (y | (y << 4)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x << 2)) & 0x3333333333333333UL;
        y = (y | (y << 2)) & 0x3333333333333333UL;
        x = (x | (x << 1)) & 0x5555555555555555UL;
        y = (y | (y << 1)) & 0x5555555555555555UL;
        return x | (y << 1);
    }

    /// <summary>The even bits into the low half, the odd bits into the high half.</summary>
    static ulong Deinterleave64(ulong interleaved)
    {
        ulong x = interleaved, y = interleaved >> 1;
        x &= 0x5555555555555555UL;
        y &= 0x5555555555555555UL;
        x = (x | (x >> 1)) & 0x3333333333333333UL;
        y = (y | (y >> 1)) & 0x3333333333333333UL;
        x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        y = (y | (y >> 2)) & 0x0F0F0F0F0F0F0F0FUL;
        x = (x | (x >> 4)) & 0x00FF00FF00FF00FFUL;
        y = (y | (y >> 4)) & 0x00FF00FF00FF00FFUL;
        x = (x | (x >> 8)) & 0x0000FFFF0000FFFFUL;
        y = (y | (y >> 8)) & 0x0000FFFF0000FFFFUL;
        x = (x | (x >> 16)) & 0x00000000FFFFFFFFUL;
        y = (y | (y >> 16)) & 0x00000000FFFFFFFFUL;
        return x | (y << 32);
    }

    /// <summary>geohashEncode: the cell of a point at <paramref name="step"/> bits per coordinate; latitude in the even bits.</summary>
    public static bool Encode(Range lonRange, Range latRange, double lon, double lat, int step, out Bits hash)
    {
        hash = default;
        if (step > 32 || step == 0 || latRange.IsZero || lonRange.IsZero) return false;
        if (!ValidLongitudeLatitude(lon, lat)) return false;
        if (lat < latRange.Min || lat > latRange.Max || lon < lonRange.Min || lon > lonRange.Max) return false;
        var latOffset = (lat - latRange.Min) / (latRange.Max - latRange.Min);
        var lonOffset = (lon - lonRange.Min) / (lonRange.Max - lonRange.Min);
        latOffset *= 1UL << step;
        lonOffset *= 1UL << step;
        hash = new Bits(Interleave64((uint)latOffset, (uint)lonOffset), step);
        return true;
    }

    public static bool Encode(double lon, double lat, int step, out Bits hash) =>
        Encode(Longitudes, Latitudes, lon, lat, step, out hash);

    /// <summary>geohashDecode: the cell's bounds.</summary>
    public static bool Decode(Range lonRange, Range latRange, Bits hash, out Area area)
    {
        area = default;
        if (hash.IsZero || latRange.IsZero || lonRange.IsZero) return false;
        var separated = Deinterleave64(hash.Value);
        var latScale = latRange.Max - latRange.Min;
        var lonScale = lonRange.Max - lonRange.Min;
        var ilato = (uint)separated;
        var ilono = (uint)(separated >> 32);
        double cells = 1UL << hash.Step;
        // (ilato + 1) is C's unsigned 32-bit sum: it wraps.
        area = new Area(hash,
            new Range(lonRange.Min + (ilono * 1.0 / cells) * lonScale, lonRange.Min + (unchecked(ilono + 1u) * 1.0 / cells) * lonScale),
            new Range(latRange.Min + (ilato * 1.0 / cells) * latScale, latRange.Min + (unchecked(ilato + 1u) * 1.0 / cells) * latScale));
        return true;
    }

    public static bool Decode(Bits hash, out Area area) => Decode(Longitudes, Latitudes, hash, out area);

    /// <summary>geohashDecodeAreaToLongLat: the cell's centre, clamped to the valid ranges.</summary>
    static (double Lon, double Lat) Center(Area area)
    {
        var lon = (area.Longitude.Min + area.Longitude.Max) / 2;
        lon = Math.Clamp(lon, LonMin, LonMax);
        var lat = (area.Latitude.Min + area.Latitude.Max) / 2;
        lat = Math.Clamp(lat, LatMin, LatMax);
        return (lon, lat);
    }

    /// <summary>The sorted set score of a point: its 26-step cell as a 52-bit integer (GEOADD).</summary>
    public static ulong Score(double lon, double lat)
    {
        Encode(lon, lat, StepMax, out var hash);
        return Align52(hash);
    }

    /// <summary>
    /// decodeGeohash: the point a score stands for. The score becomes an integer as gcc's
    /// (uint64_t) cast does on x86-64, so scores not made by GEOADD (negative, fractional,
    /// huge, infinite) decode to the same clamped points as in Redis.
    /// </summary>
    public static (double Lon, double Lat) DecodeScore(double score)
    {
        Decode(new Bits(CastToUInt64(score), StepMax), out var area);
        return Center(area);
    }

    /// <summary>
    /// (uint64_t)d as gcc compiles it for x86-64: cvttsd2si below 2^63, 2^63 subtracted and the
    /// top bit flipped above; cvttsd2si gives 0x8000000000000000 for NaN and out-of-range input.
    /// </summary>
    static ulong CastToUInt64(double d)
    {
        const double TwoTo63 = 9223372036854775808.0;
        static ulong Cvttsd2si(double v) =>
            double.IsNaN(v) || v >= TwoTo63 || v < -TwoTo63 ? 0x8000000000000000UL : (ulong)(long)v;
        return d >= TwoTo63 ? Cvttsd2si(d - TwoTo63) ^ 0x8000000000000000UL : Cvttsd2si(d);
    }

    /// <summary>geohashAlign52Bits: a cell's bits shifted to a 52-bit score.</summary>
    public static ulong Align52(Bits hash) => hash.Value << (52 - hash.Step * 2);

    /// <summary>The standard 11-character geohash of a score (GEOHASH): decoded, then re-encoded over latitude [-90, 90].</summary>
    public static string StandardHash(double score)
    {
        const string Alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
        var (lon, lat) = DecodeScore(score);
        Encode(Longitudes, StandardLatitudes, lon, lat, StepMax, out var hash);
        Span<char> text = stackalloc char[11];
        for (var i = 0; i < 11; i++)
        {
            // 52 bits make ten characters; the eleventh is "0", as Redis has always answered.
            var idx = i == 10 ? 0 : (int)((hash.Value >> (52 - (i + 1) * 5)) & 0x1f);
            text[i] = Alphabet[idx];
        }
        return new string(text);
    }

    // ------------------------------------------------------------------ neighbours

    const ulong LongitudeBits = 0xaaaaaaaaaaaaaaaaUL; // odd bits
    const ulong LatitudeBits = 0x5555555555555555UL; // even bits

    /// <summary>
    /// geohash_move_x / geohash_move_y: the cell <paramref name="d"/> columns (longitude bits) or
    /// rows (latitude bits) away, as one addition on that coordinate's bits; it wraps around.
    /// </summary>
    static Bits Move(Bits hash, int d, ulong axis)
    {
        if (d == 0) return hash;
        var other = ~axis;
        var moved = hash.Value & axis;
        var zz = other >> (64 - hash.Step * 2);
        if (d > 0) moved += zz + 1;
        else
        {
            moved |= zz;
            moved -= zz + 1;
        }
        moved &= axis >> (64 - hash.Step * 2);
        return hash with { Value = moved | (hash.Value & other) };
    }

    static Bits Neighbor(Bits hash, int dx, int dy) => Move(Move(hash, dx, LongitudeBits), dy, LatitudeBits);

    // ------------------------------------------------------------------ distances

    static double ToRadians(double degrees) => degrees * DegreesToRadians;

    static double ToDegrees(double radians) => radians / DegreesToRadians;

    /// <summary>geohashGetLatDistance: along a meridian.</summary>
    static double LatitudeDistance(double lat1, double lat2) =>
        EarthRadiusInMeters * Math.Abs(ToRadians(lat2) - ToRadians(lat1));

    /// <summary>geohashGetDistance: the haversine great-circle distance in meters.</summary>
    public static double Distance(double lon1, double lat1, double lon2, double lat2)
    {
        var lon1r = ToRadians(lon1);
        var lon2r = ToRadians(lon2);
        var v = Math.Sin((lon2r - lon1r) / 2);
        if (v == 0.0) return LatitudeDistance(lat1, lat2);
        var lat1r = ToRadians(lat1);
        var lat2r = ToRadians(lat2);
        var u = Math.Sin((lat2r - lat1r) / 2);
        var a = u * u + Math.Cos(lat1r) * Math.Cos(lat2r) * v * v;
        return 2.0 * EarthRadiusInMeters * Math.Asin(Math.Sqrt(a));
    }

    // ------------------------------------------------------------------ search areas

    /// <summary>
    /// A search shape (geohash.h's GeoShape): its centre, a circle's radius or a box's width and
    /// height in the caller's unit, the unit in meters, and the bounding box computed for it.
    /// </summary>
    internal sealed class Shape
    {
        public bool IsBox;
        public double Lon, Lat;
        public double Conversion;
        public double Radius;
        public double Width, Height;
        public double MinLon, MinLat, MaxLon, MaxLat;

        /// <summary>geoWithinShape's test for a decoded point; the distance from the centre in meters.</summary>
        public bool Contains(double lon, double lat, out double distance)
        {
            if (!IsBox)
            {
                distance = Distance(Lon, Lat, lon, lat);
                return !(distance > Radius * Conversion);
            }
            distance = 0;
            // geohashGetDistanceIfInRectangle: the cheap latitude test first.
            var widthM = Width * Conversion;
            var heightM = Height * Conversion;
            if (LatitudeDistance(lat, Lat) > heightM / 2) return false;
            if (Distance(lon, lat, Lon, lat) > widthM / 2) return false;
            distance = Distance(Lon, Lat, lon, lat);
            return true;
        }
    }

    /// <summary>geohashEstimateStepsByRadius: cells about the radius's size, wider near the poles.</summary>
    static int EstimateStepsByRadius(double rangeMeters, double lat)
    {
        if (rangeMeters == 0) return 26;
        var step = 1;
        while (rangeMeters < MercatorMax)
        {
            rangeMeters *= 2;
            step++;
        }
        step -= 2;
        if (lat > 66 || lat < -66)
        {
            step--;
            if (lat > 80 || lat < -80) step--;
        }
        return Math.Clamp(step, 1, 26);
    }

    /// <summary>geohashBoundingBox: the shape's bounds, wider in longitude on the side nearer a pole.</summary>
    static void BoundingBox(Shape shape)
    {
        var height = shape.Conversion * (shape.IsBox ? shape.Height / 2 : shape.Radius);
        var width = shape.Conversion * (shape.IsBox ? shape.Width / 2 : shape.Radius);
        var latDelta = ToDegrees(height / EarthRadiusInMeters);
        var lonDeltaTop = ToDegrees(width / EarthRadiusInMeters / Math.Cos(ToRadians(shape.Lat + latDelta)));
        var lonDeltaBottom = ToDegrees(width / EarthRadiusInMeters / Math.Cos(ToRadians(shape.Lat - latDelta)));
        var southern = shape.Lat < 0;
        shape.MinLon = southern ? shape.Lon - lonDeltaBottom : shape.Lon - lonDeltaTop;
        shape.MaxLon = southern ? shape.Lon + lonDeltaBottom : shape.Lon + lonDeltaTop;
        shape.MinLat = shape.Lat - latDelta;
        shape.MaxLat = shape.Lat + latDelta;
    }

    /// <summary>
    /// geohashCalculateAreasByShapeWGS84: the centre cell and its eight neighbours, in the order
    /// membersOfAllNeighbors searches them (centre, N, S, E, W, NE, NW, SE, SW); neighbours the
    /// shape cannot reach are zero.
    /// </summary>
    public static Bits[] AreasCovering(Shape shape)
    {
        BoundingBox(shape);
        var radiusMeters = shape.IsBox
            ? Math.Sqrt((shape.Width / 2) * (shape.Width / 2) + (shape.Height / 2) * (shape.Height / 2))
            : shape.Radius;
        radiusMeters *= shape.Conversion;

        var steps = EstimateStepsByRadius(radiusMeters, shape.Lat);
        Encode(shape.Lon, shape.Lat, steps, out var hash);
        Decode(hash, out var area);

        // One step coarser when a side neighbour does not reach the bounding box's edge.
        Decode(Neighbor(hash, 0, 1), out var north);
        Decode(Neighbor(hash, 0, -1), out var south);
        Decode(Neighbor(hash, 1, 0), out var east);
        Decode(Neighbor(hash, -1, 0), out var west);
        var decrease = north.Latitude.Max < shape.MaxLat || south.Latitude.Min > shape.MinLat ||
                       east.Longitude.Max < shape.MaxLon || west.Longitude.Min > shape.MinLon;
        if (steps > 1 && decrease)
        {
            steps--;
            Encode(shape.Lon, shape.Lat, steps, out hash);
            Decode(hash, out area);
        }

        Bits n = Neighbor(hash, 0, 1), s = Neighbor(hash, 0, -1), e = Neighbor(hash, 1, 0), w = Neighbor(hash, -1, 0);
        Bits ne = Neighbor(hash, 1, 1), nw = Neighbor(hash, -1, 1), se = Neighbor(hash, 1, -1), sw = Neighbor(hash, -1, -1);
        if (steps >= 2)
        {
            // Drop the neighbours on a side the shape does not reach.
            if (area.Latitude.Min < shape.MinLat) s = sw = se = default;
            if (area.Latitude.Max > shape.MaxLat) n = ne = nw = default;
            if (area.Longitude.Min < shape.MinLon) w = sw = nw = default;
            if (area.Longitude.Max > shape.MaxLon) e = se = ne = default;
        }
        return [hash, n, s, e, w, ne, nw, se, sw];
    }
}
